// A fast fixed OpenAI-compatible upstream for the chat benchmark: every POST
// gets the same chat.completion (or, when the body asks for a stream, the same
// 8-event SSE body). No parsing beyond a substring test, so it costs little.
import http from 'node:http';

const port = Number(process.argv[2] ?? 28599);
const usage = { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 };
const JSON_BODY = JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion', created: 1700000000,
  model: 'bench-model', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the bench.' },
  finish_reason: 'stop' }], usage });
const chunk = (delta, fr = null) => `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk',
  created: 1700000000, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: fr }] })}\n\n`;
const SSE_BODY = chunk({ role: 'assistant', content: '' }) +
  ['Hello', ' from', ' the', ' bench', '.'].map((w) => chunk({ content: w })).join('') + chunk({}, 'stop') +
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000,
    model: 'bench-model', choices: [], usage })}\n\ndata: [DONE]\n\n`;

http.createServer({ keepAlive: true }, (req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    if (body.includes('"stream":true')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': Buffer.byteLength(SSE_BODY) });
      res.end(SSE_BODY);
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(JSON_BODY) });
      res.end(JSON_BODY);
    }
  });
}).listen(port, '127.0.0.1', () => console.log(`fixed upstream on ${port}`));
