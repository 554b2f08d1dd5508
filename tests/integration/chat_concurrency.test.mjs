// Caps on requests in flight (issue 10, defect 5): a key's max_concurrent and
// a user's (user_rate_limits.max_concurrent, else [limits]
// user_max_concurrent). Requests beyond the cap get 429 concurrency_limit with
// Retry-After and a usage row; once one finishes, the next is served. Streams
// are held open by the test against an upstream that never answers, so
// nothing depends on timing.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, sql, gatewayKey } from './lib.mjs';
import { chatUser, chat, auth, addModel, usageRow, sleep } from './chatlib.mjs';

let s;
const hi = [{ role: 'user', content: 'hi' }];

// A streaming request held open in flight: its upstream never answers, and
// the gateway's first heartbeat (lowered to 1 s for the test) shows it is
// past the cap check. finish() hangs up and waits until its in-flight note is
// gone (the gateway notices at its next heartbeat).
async function openStream(key, userId) {
  const ac = new AbortController();
  const res = await fetch(`${BASE}/v1/chat/completions`, { method: 'POST', signal: ac.signal,
    headers: { ...auth(key), 'x-switchboard-heartbeat-ms': '1000' },
    body: JSON.stringify({ model: 'openai/gpt-hang', stream: true, messages: hi }) });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  assert.ok(!(await reader.read()).done);
  return {
    finish: async () => {
      ac.abort();
      await reader.cancel().catch(() => {});
      for (let i = 0; i < 300 && inflight(userId) > 0; i++) await sleep(100);
    },
  };
}

const inflight = (userId) => Number(sql(`SELECT COUNT(*) FROM inflight_requests WHERE user_id=${userId}
  AND started_at > NOW(6) - INTERVAL 1 HOUR`)[0][0]);

before(async () => {
  s = await chatUser({ key: { max_concurrent: 2 } });
  addModel(s.id, 'openai', 'gpt-hang');
  addModel(s.id, 'openai', 'gpt-4o-mini');
});

test('a key with max_concurrent 2: the third request in flight is refused, the next one after is served', async () => {
  const keys = await (await s.get('/api/keys')).json.keys;
  assert.ok(keys.some((k) => k.max_concurrent === 2), JSON.stringify(keys));
  const a = await openStream(s.key, s.id);
  const b = await openStream(s.key, s.id);
  const r = await chat(s.key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(r.status, 429, r.text);
  assert.equal(r.json.error.code, 'concurrency_limit');
  assert.equal(r.headers.get('retry-after'), '1');
  assert.equal(r.json.error.details.limit, 2);
  const row = await usageRow(r.headers.get('x-request-id'));
  assert.equal(row.status, 'error');
  assert.equal(row.error_category, 'rate_limit');
  // Another key of the same user is not held by this key's cap.
  const other = await gatewayKey(s);
  assert.equal((await chat(other, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200);
  await a.finish();
  await b.finish();
  assert.equal((await chat(s.key, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200);
});

test('a user cap holds across all of the user\'s keys', async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-hang');
  addModel(u.id, 'openai', 'gpt-4o-mini');
  sql(`INSERT INTO user_rate_limits (user_id, max_concurrent) VALUES (${u.id}, 1)`);
  const second = await gatewayKey(u);
  const a = await openStream(u.key, u.id);
  const r = await chat(second, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(r.status, 429, r.text);
  assert.equal(r.json.error.code, 'concurrency_limit');
  assert.match(r.json.error.message, /Your account may have at most 1 request/);
  await a.finish();
  assert.equal((await chat(second, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200);
  // A note left by a dead process stops counting once older than any request can live.
  sql(`INSERT INTO inflight_requests (request_id, host, pid, user_id, endpoint, period, started_at)
       VALUES (REPLACE(UUID(), '-', ''), 'gone-host', 1, ${u.id}, 'chat', '2026-01', NOW(6) - INTERVAL 2 DAY)`);
  assert.equal((await chat(second, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200);
});
