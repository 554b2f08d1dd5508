// A fast fixed OpenAI-compatible upstream for the chat benchmark: every POST
// gets the same chat.completion (or, when the body asks for a stream, the same
// 8-event SSE body). No parsing beyond a substring test, so it costs little.
// `node fixed-upstream.mjs --nginx PORT DIR` prints instead an nginx config
// serving the same two bodies with `return 200` (cheaper still: the bench
// measures Switchboard, not the mock): /v1/… answers JSON, /stream/v1/… SSE.
import http from 'node:http';

const nginx = process.argv[2] === '--nginx';
const port = Number(process.argv[nginx ? 3 : 2] ?? 28599);
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

if (nginx) {
  const dir = process.argv[4] ?? '/tmp';
  for (const b of [JSON_BODY, SSE_BODY]) if (/['$\\]/.test(b)) throw new Error('body needs nginx escaping');
  process.stdout.write(`worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  client_body_buffer_size 64k;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  server {
    listen 127.0.0.1:${port};
    location = /v1/chat/completions { default_type application/json; return 200 '${JSON_BODY}'; }
    location = /stream/v1/chat/completions { default_type text/event-stream; return 200 '${SSE_BODY}'; }
    location / { return 200 'ok'; }
  }
}
`);
  process.exit(0);
}

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
