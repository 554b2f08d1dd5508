// Streams one chat through a deployed server and reports when each SSE event
// arrived: `node stream.mjs URL KEY MODEL` prints one JSON line
// {status, type, events, done, times:[ms…], spread_ms, max_gap_ms, min_gap_ms}.
// Used by tests/deploy.sh to tell a streamed answer from a buffered one.
const [url, key, model] = process.argv.slice(2);
const t0 = performance.now();
const out = { status: 0, type: '', events: 0, done: false, times: [] };
try {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(20000),
  });
  out.status = res.status;
  out.type = res.headers.get('content-type') ?? '';
  const dec = new TextDecoder();
  let pending = '';
  for await (const chunk of res.body) {
    const now = Math.round(performance.now() - t0);
    pending += dec.decode(chunk, { stream: true });
    let i;
    while ((i = pending.indexOf('\n\n')) >= 0) {
      const ev = pending.slice(0, i);
      pending = pending.slice(i + 2);
      if (!ev.startsWith('data: ')) continue;
      if (ev === 'data: [DONE]') out.done = true;
      else { out.events++; out.times.push(now); }
    }
  }
} catch (e) {
  out.error = String(e.message ?? e);
}
const t = out.times;
const gaps = t.slice(1).map((v, i) => v - t[i]);
out.spread_ms = t.length ? t[t.length - 1] - t[0] : 0;
out.max_gap_ms = gaps.length ? Math.max(...gaps) : 0;
out.min_gap_ms = gaps.length ? Math.min(...gaps) : 0;
console.log(JSON.stringify(out));
