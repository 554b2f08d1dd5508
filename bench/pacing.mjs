// Streaming pacing (issue 14): does each upstream event reach the client as
// it arrives? A paced upstream (started here, on PORT) sends 20 SSE events
// 50 ms apart; the same stream is read directly and through Switchboard
// (BASE, gateway KEY, model "benchp/bench-model", a config bench/chat.sh
// points at PORT). Prints one markdown paragraph: the first byte added by
// the gateway and the gaps between events as the client saw them (medians
// over RUNS runs). The paced upstream runs in a child process of its own,
// so that its event loop and the client's do not wait on each other.
// With SSE_URL (the fixed upstream's stream, which answers at once; model
// "benchs/bench-model" through Switchboard) it also measures the first byte
// of streams sent back to back: the paced streams start after the machine
// sat idle, and on a virtual machine every process woken from idle costs
// a few tenths of a millisecond (bench/RESULTS.md, stop 31).
// Usage: [SSE_URL=http://127.0.0.1:P/stream] node bench/pacing.mjs PORT BASE KEY [RUNS]
import http from 'node:http';
import { fork } from 'node:child_process';

const [port, base, key, runsArg] = [Number(process.argv[2]), process.argv[3], process.argv[4], process.argv[5]];
const RUNS = Number(runsArg ?? 10);
const EVENTS = 20;
const GAP_MS = 50;

const chunk = (delta, fr = null) => `data: ${JSON.stringify({ id: 'chatcmpl-paced', object: 'chat.completion.chunk',
  created: 1700000000, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: fr }] })}\n\n`;

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let i = 0;
    const next = () => {
      if (i < EVENTS) {
        res.write(chunk(i === 0 ? { role: 'assistant', content: 'w0' } : { content: ` w${i}` }));
        i++;
        setTimeout(next, GAP_MS);
      } else {
        res.write(chunk({}, 'stop'));
        res.write(`data: ${JSON.stringify({ id: 'chatcmpl-paced', object: 'chat.completion.chunk', created: 1700000000,
          model: 'bench-model', choices: [], usage: { prompt_tokens: 3, completion_tokens: EVENTS, total_tokens: EVENTS + 3 } })}\n\n`);
        res.end('data: [DONE]\n\n');
      }
    };
    next();
  });
});

// One stream: milliseconds to the first byte of the body, and the arrival
// time of each content event. node:http with a kept-alive connection: fetch
// (undici) adds a few milliseconds of its own to every response, which
// drowned the difference being measured.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function once(url, headers, model) {
  const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, { method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let first = null;
      let buf = '';
      const at = [];
      res.setEncoding('utf8');
      res.on('data', (s) => {
        const now = performance.now();
        if (first === null) first = now - t0;
        buf += s;
        let k;
        while ((k = buf.indexOf('\n\n')) >= 0) {
          const ev = buf.slice(0, k);
          buf = buf.slice(k + 2);
          if (/"content":" ?w\d+"/.test(ev)) at.push(now);
        }
      });
      res.on('end', () => resolve({ first, gaps: at.slice(1).map((t, i) => t - at[i]), events: at.length }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.floor(s.length / 2)] : NaN; };
const f1 = (x) => x.toFixed(1);

if (base === 'serve') {
  server.listen(port, '127.0.0.1', () => process.send('listening'));
  process.on('disconnect', () => process.exit(0));
} else {
  await measure();
}

async function measure() {
  const upstream = fork(new URL(import.meta.url).pathname, [String(port), 'serve']);
  await new Promise((r) => upstream.once('message', r));
  const direct = [];
  const via = [];
  for (let i = 0; i < RUNS; i++) {
    direct.push(await once(`http://127.0.0.1:${port}/v1/chat/completions`, {}, 'bench-model'));
    via.push(await once(`${base}/v1/chat/completions`, { authorization: `Bearer ${key}` }, 'benchp/bench-model'));
  }
  upstream.kill();
  const hot = process.env.SSE_URL ? await backToBack(process.env.SSE_URL) : '';
  const gaps = via.flatMap((x) => x.gaps);
  const within = gaps.filter((g) => Math.abs(g - GAP_MS) <= 5).length;
  const fd = median(direct.map((x) => x.first));
  const fv = median(via.map((x) => x.first));
  console.log(`Streaming pacing (${EVENTS} events ${GAP_MS} ms apart, ${RUNS} runs, median): first byte direct ${f1(fd)} ms, ` +
    `through Switchboard ${f1(fv)} ms (added ${f1(fv - fd)} ms); gaps seen by the client ${f1(Math.min(...gaps))}–` +
    `${f1(Math.max(...gaps))} ms, median ${f1(median(gaps))} ms, ${within} of ${gaps.length} within ${GAP_MS} ± 5 ms; ` +
    `events per stream ${median(via.map((x) => x.events))} of ${EVENTS}.${hot}`);
}

// First byte of streams sent back to back to an upstream that answers at
// once, directly and through Switchboard, interleaved: the medians' sentence.
async function backToBack(sse) {
  const n = 20 * RUNS;
  const direct = [];
  const via = [];
  for (let i = 0; i < n; i++) {
    direct.push((await once(`${sse}/v1/chat/completions`, {}, 'bench-model')).first);
    via.push((await once(`${base}/v1/chat/completions`, { authorization: `Bearer ${key}` }, 'benchs/bench-model')).first);
  }
  const fd = median(direct);
  const fv = median(via);
  return ` Streams sent back to back (${n}, an upstream that answers at once): first byte direct ${f1(fd)} ms, ` +
    `through Switchboard ${f1(fv)} ms (added ${(fv - fd).toFixed(2)} ms).`;
}
