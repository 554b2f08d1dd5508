// The chat proxy (issue 4) when things go wrong: fallback, retries honouring
// Retry-After, the circuit breaker, timeouts, broken and malformed streams,
// client disconnects, rate limits, budgets (also under concurrency) and
// refused keys. Every case checks the usage row.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { http, mock, sql, q, BASE, gatewayKey } from './lib.mjs';
import { chatUser, chat, addConfig, addModel, configId, parseSse, contentOf, usageRow, sleep } from './chatlib.mjs';

let s;
const rid = (r) => r.headers.get('x-request-id');
const hi = [{ role: 'user', content: 'hi' }];

function resetCircuits(user) {
  sql(`DELETE FROM circuit_state WHERE config_id IN (SELECT id FROM user_api_providers WHERE user_id=${user.id})`);
}

before(async () => {
  s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
});

test('fallback to the next config serving the same model, then the circuit opens and closes', async () => {
  const u = await chatUser();
  // The preferred config points at a closed port; a custom config serves the same model.
  sql(`UPDATE user_api_providers SET base_url='http://127.0.0.1:1/v1' WHERE id=${configId(u.id, 'openai')}`);
  await addConfig(u, 'custom', { name: 'backup', api_key: 'sk-backup-0001', base_url: mock.url('custom/v1'), priority: 50 });
  addModel(u.id, 'openai', 'shared-model');
  addModel(u.id, 'backup', 'shared-model');
  const dead = configId(u.id, 'openai');
  // Each request counts one failure against the dead config (not one per
  // attempt); the third consecutive failed request opens its circuit.
  for (let i = 1; i <= 3; i++) {
    const r = await chat(u.key, { model: 'shared-model', messages: hi });
    assert.equal(r.status, 200, r.text);
    const row = await usageRow(rid(r));
    assert.equal(row.config_id, configId(u.id, 'backup'));
    assert.equal(row.attempts, '4', '3 tries on the dead config, then the backup');
    assert.equal(sql(`SELECT failures, open_until IS NOT NULL AND open_until > NOW(6) FROM circuit_state
      WHERE config_id=${dead}`)[0].join(), `${i},${i === 3 ? 1 : 0}`);
  }

  // Open: the dead config is skipped without an attempt.
  const t0 = Date.now();
  const r2 = await chat(u.key, { model: 'shared-model', messages: hi });
  assert.equal(r2.status, 200);
  assert.equal((await usageRow(rid(r2))).attempts, '1');
  assert.ok(Date.now() - t0 < 1500);

  // Cool-down over and the provider healthy again: one probe closes it.
  sql(`UPDATE user_api_providers SET base_url=${q(mock.url('openai/v1'))} WHERE id=${dead}`);
  sql(`UPDATE circuit_state SET open_until = NOW(6) - INTERVAL 1 SECOND WHERE config_id=${dead}`);
  const r3 = await chat(u.key, { model: 'shared-model', messages: hi });
  assert.equal(r3.status, 200);
  assert.equal((await usageRow(rid(r3))).config_id, dead);
  assert.equal(sql(`SELECT failures, open_until IS NULL FROM circuit_state WHERE config_id=${dead}`)[0].join(), '0,1');
});

test('429 with Retry-After is retried after the wait; 400 is not retried; 5xx exhausts attempts', async () => {
  await mock.reset();
  const t0 = Date.now();
  const r = await chat(s.key, { model: 'openai/gpt-fail-once-429', messages: hi });
  assert.equal(r.status, 200, r.text);
  assert.ok(Date.now() - t0 >= 950, 'waited for Retry-After: 1');
  assert.equal((await usageRow(rid(r))).attempts, '2');
  assert.equal((await mock.requests({ model: 'gpt-fail-once-429' })).length, 2);

  const b = await chat(s.key, { model: 'openai/gpt-fail-400', messages: hi });
  assert.equal(b.status, 400);
  assert.equal(b.json.error.type, 'validation');
  assert.equal((await mock.requests({ model: 'gpt-fail-400' })).length, 1);

  const f = await chat(s.key, { model: 'openai/gpt-fail-503', messages: hi });
  assert.equal(f.status, 502);
  assert.equal(f.json.error.type, 'upstream');
  const row = await usageRow(rid(f));
  assert.equal(row.attempts, '3');
  assert.equal(row.status, 'error');
  assert.equal(row.error_category, 'upstream');
  resetCircuits(s);
});

test('first-byte timeout gives 504 timeout; a slow first byte within it succeeds', async () => {
  const t0 = Date.now();
  const r = await chat(s.key, { model: 'openai/gpt-hang', messages: hi }, { 'x-switchboard-timeout-ms': '300' });
  assert.equal(r.status, 504, r.text);
  assert.equal(r.json.error.type, 'timeout');
  assert.ok(Date.now() - t0 < 5000);
  assert.equal((await usageRow(rid(r))).error_category, 'timeout');
  resetCircuits(s);
  const ok = await chat(s.key, { model: 'openai/gpt-slow-first-byte', stream: true, messages: hi }, { 'x-switchboard-timeout-ms': '5000' });
  assert.equal(ok.status, 200);
  assert.equal(parseSse(ok.text).done, true);
});

test('a stream that breaks mid-answer ends with an error event, never [DONE]; the row says so', async () => {
  for (const model of ['openai/gpt-truncate', 'anthropic/claude-truncate', 'google/gemini-truncate', 'openai/gpt-malformed']) {
    const r = await chat(s.key, { model, stream: true, messages: hi });
    assert.equal(r.status, 200, `${model}: ${r.text}`);
    const sse = parseSse(r.text);
    assert.equal(sse.done, false, `${model}: no [DONE]`);
    assert.equal(sse.errors.length, 1, `${model}: one error event`);
    assert.ok(sse.events.length > 0, `${model}: partial answer first`);
    const row = await usageRow(rid(r));
    assert.equal(row.status, 'error', model);
    assert.equal(row.error_category, 'upstream', model);
    assert.ok(+row.completion_tokens > 0, `${model}: tokens seen so far`);
    resetCircuits(s);
  }
  const m = await chat(s.key, { model: 'openai/gpt-malformed', messages: hi });
  assert.equal(m.status, 502);
  resetCircuits(s);
});

test('a client that disconnects mid-stream stops the upstream and still gets a row', async () => {
  await mock.clear();
  const ac = new AbortController();
  const res = await fetch(`${BASE}/v1/chat/completions`, { method: 'POST', signal: ac.signal,
    headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-slow-long', stream: true, messages: hi }) });
  const id = rid(res);
  const reader = res.body.getReader();
  await reader.read();
  ac.abort();
  const t0 = Date.now();
  const row = await usageRow(id);
  assert.equal(row.status, 'cancelled');
  assert.equal(row.http_status, '499');
  assert.ok(Date.now() - t0 < 5000);
  let rec;
  for (let i = 0; i < 30; i++) {
    [rec] = await mock.requests({ model: 'gpt-slow-long' });
    if (rec?.disconnected) break;
    await sleep(100);
  }
  assert.equal(rec.disconnected, true, 'the upstream transfer was aborted');
});

async function awayFromMinuteEdge() {
  const sec = new Date().getUTCSeconds();
  if (sec >= 55) await sleep((61 - sec) * 1000);
}

test('rate limit per key: 429 with Retry-After and x-ratelimit headers, logged', async () => {
  const key = await gatewayKey(s, { rpm_limit: 2 });
  await awayFromMinuteEdge();
  assert.equal((await chat(key, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200);
  const second = await chat(key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(second.status, 200);
  assert.equal(second.headers.get('x-ratelimit-limit-requests'), '2');
  assert.equal(second.headers.get('x-ratelimit-remaining-requests'), '0');
  const r = await chat(key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(r.status, 429);
  assert.equal(r.json.error.type, 'rate_limit');
  assert.ok(+r.headers.get('retry-after') >= 1);
  assert.equal((await usageRow(rid(r))).error_category, 'rate_limit');
});

test('budget: refused before any upstream call; concurrent requests never overspend', async () => {
  const small = await gatewayKey(s, { monthly_budget_usd: 0.000001 });
  await mock.clear();
  const r = await chat(small, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(r.status, 402, r.text);
  assert.equal(r.json.error.type, 'budget');
  assert.equal((await mock.requests({ model: 'gpt-4o-mini' })).length, 0);
  assert.equal((await usageRow(rid(r))).error_category, 'budget');

  // $1/M in and out. Worst case per request: 32 prompt bytes + 200 output = 232 µ$;
  // real cost 1 + 200 = 201 µ$. A budget of 1160 µ$ fits exactly 5.
  addModel(s.id, 'openai', 'gpt-long', { input: 1000000, output: 1000000 });
  const key = await gatewayKey(s, { monthly_budget_usd: 0.00116 });
  const body = { model: 'openai/gpt-long', max_tokens: 200, messages: hi };
  const results = await Promise.all(Array.from({ length: 20 }, () => chat(key, body)));
  const ok = results.filter((x) => x.status === 200);
  const refused = results.filter((x) => x.status === 402);
  assert.equal(ok.length + refused.length, 20, results.map((x) => x.status).join());
  assert.ok(ok.length >= 1 && ok.length <= 5, `successes: ${ok.length}`);
  const keyId = sql(`SELECT gateway_key_id FROM aggregator_usage_logs WHERE request_id=${q(rid(ok[0]))}`)[0][0];
  const [spent, reserved, limit] = sql(`SELECT spent_micros, reserved_micros, limit_micros FROM budget_periods
    WHERE scope='key' AND scope_id=${keyId}`)[0].map(Number);
  const logged = Number(sql(`SELECT COALESCE(SUM(cost_micros),0) FROM aggregator_usage_logs WHERE gateway_key_id=${keyId}`)[0][0]);
  assert.equal(limit, 1160);
  assert.ok(spent <= limit, `spent ${spent} <= ${limit}`);
  assert.equal(spent, logged);
  assert.equal(reserved, 0);
});

test('wrong, revoked and expired keys are refused; allowed_models is enforced', async () => {
  const wrong = await chat('sk-sb-not-a-real-key', { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.error.type, 'auth');
  assert.equal((await usageRow(rid(wrong))).user_id, '0');
  const none = await http('POST', '/v1/chat/completions', { body: { model: 'x', messages: hi } });
  assert.equal(none.status, 401);

  const k1 = await gatewayKey(s);
  const keys = await s.get('/api/keys');
  const id = keys.json.keys.find((k) => k1.startsWith(k.prefix)).id;
  assert.equal((await s.del(`/api/keys/${id}`)).status, 204);
  assert.equal((await chat(k1, { model: 'openai/gpt-4o-mini', messages: hi })).status, 401);

  const k2 = await gatewayKey(s);
  const id2 = (await s.get('/api/keys')).json.keys.find((k) => k2.startsWith(k.prefix)).id;
  sql(`UPDATE gateway_keys SET expires_at = NOW(6) - INTERVAL 1 SECOND WHERE id=${id2}`);
  assert.equal((await chat(k2, { model: 'openai/gpt-4o-mini', messages: hi })).status, 401);

  const k3 = await gatewayKey(s, { allowed_models: ['openai/gpt-4o-mini'] });
  assert.equal((await chat(k3, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200);
  const no = await chat(k3, { model: 'anthropic/claude-3-5-sonnet-20241022', messages: hi });
  assert.equal(no.status, 403);
  assert.equal(no.json.error.code, 'model_not_allowed');
});
