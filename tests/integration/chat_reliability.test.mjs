// The chat proxy (issue 4) when things go wrong: fallback, retries honouring
// Retry-After, the circuit breaker (counting requests, not attempts),
// timeouts, broken and malformed streams, clients that disconnect or hang up
// before the first byte, rate limits and refused keys. Every case checks the
// usage row and what the mock upstream received; none depends on how fast the
// machine is. (Budgets: chat_budget.test.mjs.)
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { http, mock, sql, q, BASE, gatewayKey, inOneMinute } from './lib.mjs';
import { chatUser, chat, auth, addConfig, addModel, configId, parseSse, usageRow, sleep } from './chatlib.mjs';

let s;
const rid = (r) => r.headers.get('x-request-id');
const hi = [{ role: 'user', content: 'hi' }];

function resetCircuits(user) {
  sql(`DELETE FROM circuit_state WHERE config_id IN (SELECT id FROM user_api_providers WHERE user_id=${user.id})`);
}

// [failures, open] of a config's circuit, or undefined when it has no row.
function circuit(cid) {
  return sql(`SELECT failures, open_until IS NOT NULL AND open_until > NOW(6) FROM circuit_state WHERE config_id=${cid}`)[0];
}

// The mock's record of the last request for model, once its transfer has ended.
async function lastRecord(model) {
  let rec;
  for (let i = 0; i < 30; i++) {
    rec = (await mock.requests({ model })).at(-1);
    if (rec?.disconnected) break;
    await sleep(100);
  }
  return rec;
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

  // Open: the dead config is skipped without an attempt (one attempt, on the
  // backup; the dead config's count does not move).
  await mock.clear();
  const r2 = await chat(u.key, { model: 'shared-model', messages: hi });
  assert.equal(r2.status, 200);
  const row2 = await usageRow(rid(r2));
  assert.equal(row2.attempts, '1');
  assert.equal(row2.config_id, configId(u.id, 'backup'));
  assert.equal((await mock.requests({ model: 'shared-model' })).length, 1, 'the backup alone was called');
  assert.deepEqual(circuit(dead), ['3', '1'], 'skipping is not another failure');

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
  const tries = await mock.requests({ model: 'gpt-fail-once-429' });
  assert.equal(tries.length, 2);
  assert.ok(Date.parse(tries[1].time) - Date.parse(tries[0].time) >= 950, 'the retry came after the Retry-After');

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
  await mock.clear();
  const r = await chat(s.key, { model: 'openai/gpt-hang', messages: hi }, { 'x-switchboard-timeout-ms': '300' });
  assert.equal(r.status, 504, r.text);
  assert.equal(r.json.error.type, 'timeout');
  const row = await usageRow(rid(r));
  assert.equal(row.error_category, 'timeout');
  // The gateway gave up on the hanging upstream (the mock never answers).
  const hung = await mock.requests({ model: 'gpt-hang' });
  assert.equal(hung.length, +row.attempts, 'one upstream request per attempt');
  assert.equal((await lastRecord('gpt-hang')).disconnected, true, 'the upstream transfer was abandoned');
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
  const row = await usageRow(id);
  assert.equal(row.status, 'cancelled');
  assert.equal(row.http_status, '499');
  const rec = await lastRecord('gpt-slow-long');
  assert.equal(rec.disconnected, true, 'the upstream transfer was aborted');
});

// A client hangs up while the upstream has not sent a byte: the gateway
// notices (its heartbeat write fails), aborts the upstream, and writes one
// cancelled row instead of waiting for the upstream or its timeout.
async function hangUp(path, model) {
  const u = await chatUser();
  await mock.clear();
  const ac = new AbortController();
  const p = fetch(`${BASE}${path}`, { method: 'POST', signal: ac.signal,
    headers: { ...auth(u.key), 'x-switchboard-heartbeat-ms': '1000' },
    body: JSON.stringify({ model, stream: true, messages: hi }) }).then((r) => r.text()).catch(() => null);
  // Hang up once the upstream has the request (it never answers).
  for (let i = 0; i < 100 && (await mock.requests({ model: model.split('/')[1] })).length === 0; i++) await sleep(50);
  await sleep(1500);
  ac.abort();
  await p;
  let rows = [];
  for (let i = 0; i < 80 && rows.length === 0; i++) {
    rows = sql(`SELECT request_id FROM aggregator_usage_logs WHERE user_id=${u.id}`);
    if (rows.length === 0) await sleep(100);
  }
  assert.equal(rows.length, 1, `${path}: one row`);
  const row = await usageRow(rows[0][0]);
  assert.equal(row.status, 'cancelled', `${path}: ${JSON.stringify(row)}`);
  assert.equal(row.http_status, '499', 'the client went away: not an upstream timeout');
  assert.equal(row.attempts, '1', 'no retries for a gone client');
  const recs = await mock.requests({ model: model.split('/')[1] });
  assert.equal(recs.length, 1, 'one upstream request');
  assert.equal((await lastRecord(model.split('/')[1])).disconnected, true, 'the upstream transfer was aborted');
  assert.equal(circuit(configId(u.id, 'openai')), undefined, 'not counted against the provider');
}

test('a client that hangs up before the first byte: cancelled/499, upstream aborted', async () => {
  await hangUp('/v1/chat/completions', 'openai/gpt-hang-qa-sse');
  await hangUp('/api/llm/stream', 'openai/gpt-hang-qa-ndjson');
});

// [failures, open] of one model's circuit (issue 12: circuits are per model).
function modelCircuit(cid, model) {
  return sql(`SELECT failures, open_until IS NOT NULL AND open_until > NOW(6) FROM circuit_state
    WHERE config_id=${cid} AND model_id=${q(model)}`)[0];
}

test('the circuit counts failed requests, not retry attempts, per model: siblings stay served', async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  const cid = configId(u.id, 'openai');
  const f = await chat(u.key, { model: 'openai/gpt-fail-500', messages: hi });
  assert.equal(f.status, 502);
  assert.equal((await usageRow(rid(f))).attempts, '3');
  assert.deepEqual(modelCircuit(cid, 'gpt-fail-500'), ['1', '0'], 'one failed request = one failure');
  const ok = await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(ok.status, 200, 'one failing request does not pause the provider');
  // two more consecutive failed requests open the failing model's circuit
  for (let i = 0; i < 2; i++) assert.equal((await chat(u.key, { model: 'openai/gpt-fail-500', messages: hi })).status, 502);
  assert.deepEqual(modelCircuit(cid, 'gpt-fail-500'), ['3', '1']);
  await mock.clear();
  const open = await chat(u.key, { model: 'openai/gpt-fail-500', messages: hi });
  assert.equal(open.status, 503, open.text);
  assert.equal(open.json.error.code, 'circuit_open');
  assert.ok(+open.headers.get('retry-after') >= 1, 'says when to retry');
  assert.equal((await mock.requests({ model: 'gpt-fail-500' })).length, 0, 'an open circuit is not tried');
  // the provider's other models are not paused by it
  const sibling = await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(sibling.status, 200, sibling.text);
  assert.equal(modelCircuit(cid, ''), undefined, 'no provider-level failure from a model error');
  sql(`DELETE FROM circuit_state WHERE config_id=${cid}`);
});

test('429: retried within the request when the wait is short; persistent 429 is a 429 with Retry-After, never a circuit', async () => {
  const u = await chatUser();
  const cid = configId(u.id, 'openai');
  await mock.reset();
  const once = await chat(u.key, { model: 'openai/gpt-fail-once-429', messages: hi });
  assert.equal(once.status, 200, once.text);
  assert.equal((await usageRow(rid(once))).attempts, '2', 'retried after the Retry-After');
  for (let i = 0; i < 4; i++) {
    const r = await chat(u.key, { model: 'openai/gpt-fail-429', messages: hi });
    assert.equal(r.status, 429, r.text);
    assert.equal(r.json.error.type, 'rate_limit');
    assert.ok(+r.headers.get('retry-after') >= 1, 'Retry-After passed on');
    if (i === 0) assert.deepEqual([r.json.error.details?.limit, r.json.error.details?.remaining], [60, 0], 'the upstream\'s figures');
    assert.match(r.json.error.details.reset_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  }
  const row = sql(`SELECT failures, open_until IS NULL FROM circuit_state WHERE config_id=${cid} AND model_id='gpt-fail-429'`)[0];
  assert.ok(row === undefined || row.join() === '0,1', `a 429 is not a failure: ${row}`);
  sql(`DELETE FROM circuit_state WHERE config_id=${cid}`);
});

test('a timed-out attempt is not retried on the same target; a timeout the client lowered never counts', async () => {
  const u = await chatUser();
  const cid = configId(u.id, 'openai');
  await mock.clear();
  const r = await chat(u.key, { model: 'openai/gpt-hang', messages: hi }, { 'x-switchboard-timeout-ms': '300' });
  assert.equal(r.status, 504, r.text);
  assert.equal(r.json.error.type, 'timeout');
  assert.equal((await usageRow(rid(r))).attempts, '1', 'no second attempt on the same target');
  assert.equal((await mock.requests({ model: 'gpt-hang' })).length, 1);
  assert.equal(modelCircuit(cid, 'gpt-hang'), undefined, 'the client chose the short timeout: not ill health');
  assert.equal(modelCircuit(cid, ''), undefined);
});

test('rate limit per key: 429 with Retry-After and x-ratelimit headers, logged', async () => {
  const key = await gatewayKey(s, { rpm_limit: 2 });
  await inOneMinute(async () => {
    assert.equal((await chat(key, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200);
    const second = await chat(key, { model: 'openai/gpt-4o-mini', messages: hi });
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(second.headers.get('x-ratelimit-remaining-requests'), '0');
    const r = await chat(key, { model: 'openai/gpt-4o-mini', messages: hi });
    assert.equal(r.status, 429);
    assert.equal(r.json.error.type, 'rate_limit');
    assert.ok(+r.headers.get('retry-after') >= 1);
    assert.equal(r.json.error.details.limit, 2, 'our own limit in error.details');
    assert.equal(r.json.error.details.remaining, 0);
    assert.equal(typeof r.json.error.details.reset_at, 'string');
    assert.equal((await usageRow(rid(r))).error_category, 'rate_limit');
  });
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

// Issue 10, defect 5: an upstream that keeps sending a little (every byte
// refreshed the idle timer) cannot hold a worker: each attempt and the whole
// request have a total time limit ([upstream] attempt_timeout_ms,
// request_timeout_ms; lowered here for one request by the test header).
test('a dripping upstream is cut at the total time limit: an error event, a timeout row', async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-slow-long');
  const r = await chat(u.key, { model: 'openai/gpt-slow-long', stream: true, messages: hi }, { 'x-switchboard-timeout-ms': '1500' });
  assert.equal(r.status, 200, r.text);
  const sse = parseSse(r.text);
  assert.ok(sse.events.length > 0, 'it had started');
  assert.equal(sse.done, false, 'no [DONE]: it was cut');
  assert.equal(sse.errors.length, 1);
  const row = await usageRow(rid(r));
  assert.equal(row.status, 'error');
  assert.equal(row.error_category, 'timeout');
  assert.match(row.error_message, /in all/);
});

// Issue 12: a request-level fallback list (OpenRouter's and LiteLLM's
// "models"): when the requested model's targets fail, the listed ones are
// tried in order, across providers; the list itself never goes upstream.
test('request-level "models" fallback: openai fails, the listed anthropic model serves', async () => {
  const u = await chatUser();
  addModel(u.id, 'anthropic', 'claude-3-5-sonnet-20241022');
  await mock.clear();
  const r = await chat(u.key, { model: 'openai/gpt-fail-503', models: ['nobody/nothing', 'anthropic/claude-3-5-sonnet-20241022'], messages: hi });
  assert.equal(r.status, 200, r.text);
  const row = await usageRow(rid(r));
  assert.equal(row.provider, 'anthropic', 'the fallback served it');
  assert.equal(row.attempts, '4', 'three tries on openai, then anthropic');
  assert.equal(row.route, 'openai/gpt-fail-503: 502 provider_error after 3 attempts; '
    + 'anthropic/claude-3-5-sonnet-20241022: ok', 'every target tried, and why it was left');
  const logs = await u.get(`/api/usage/logs?range=all&model=claude-3-5-sonnet-20241022`);
  assert.ok(logs.json.logs.some((l) => l.route === row.route), 'the logs API shows the route');
  const sent = await mock.requests({ model: 'gpt-fail-503' });
  assert.ok(sent.length > 0);
  assert.equal(sent[0].body.models, undefined, 'the fallback list is not sent upstream');
  resetCircuits(u);
});

// Issue 10, defect 7: an upstream that echoes the key in its error text. The
// exact key (here with '.', '/', '+' and '=' that pattern masking missed) and
// its long pieces never reach the client or the usage row.
test('a provider key echoed by the upstream is scrubbed from the error and the row', async () => {
  const u = await chatUser();
  const key = 'badecho.Key/with+odd=chars.0123456789';
  assert.equal((await u.put('/api/provider-configs/openai', { api_key: key, validate: false })).status, 200);
  addModel(u.id, 'openai', 'gpt-4o-mini');
  const r = await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(r.json?.error?.type, 'auth', r.text);
  assert.match(r.json.error.message, /echoed in full/, 'the upstream text is kept');
  for (const piece of [key, key.slice(0, 12), key.slice(-12), 'with+odd=chars']) {
    assert.ok(!r.text.includes(piece), `"${piece}" reached the client`);
  }
  const row = await usageRow(rid(r));
  assert.ok(!row.error_message.includes('with+odd=chars'), row.error_message);
});

// Issue 10, defect 7: a model-restricted key must not list the owner's other
// configs, models and aliases through the management API.
test('a model-restricted key reaches /v1/ only; its model list is filtered', async () => {
  const k = await gatewayKey(s, { allowed_models: ['openai/gpt-4o-mini'] });
  for (const path of ['/api/models', '/api/aliases', '/api/providers', '/api/providers/status', '/api/usage/summary']) {
    const r = await http('GET', path, { headers: { authorization: `Bearer ${k}` } });
    assert.equal(r.status, 403, `${path}: ${r.text}`);
    assert.equal(r.json.error.code, 'key_restricted');
  }
  const v1 = await http('GET', '/v1/models', { headers: { authorization: `Bearer ${k}` } });
  assert.equal(v1.status, 200);
  assert.ok(v1.json.data.length > 0);
  assert.ok(v1.json.data.every((m) => m.id === 'openai/gpt-4o-mini' || m.id === 'gpt-4o-mini'), JSON.stringify(v1.json.data.map((m) => m.id)));
  const free = await gatewayKey(s);
  assert.equal((await http('GET', '/api/models', { headers: { authorization: `Bearer ${free}` } })).status, 200);
});

// Issue 12: a provider key that the provider refuses (401/403) leaves the
// rotation, visibly, until its owner replaces it; the same model is served
// by another config meanwhile.
test('a refused provider key is taken out of rotation until it is replaced', async () => {
  const u = await chatUser();
  const openai = configId(u.id, 'openai');
  await u.put('/api/provider-configs/openai', { api_key: 'bad-key-refused-0001', validate: false });
  addModel(u.id, 'openai', 'shared-model');
  let r = await chat(u.key, { model: 'openai/shared-model', messages: hi });
  assert.equal(r.status, 502, r.text);
  assert.equal(r.json.error.code, 'provider_auth_failed');
  const [status, lastError] = sql(`SELECT status, last_error FROM user_api_providers WHERE id=${openai}`)[0];
  assert.equal(status, 'key_refused');
  assert.match(lastError, /refused this API key.*replace it/);
  assert.ok(!lastError.includes('bad-key-refused-0001'), 'the key itself is not in the status');
  // Out of rotation: not asked again; another config serves the model.
  await addConfig(u, 'custom', { name: 'backup', api_key: 'sk-backup-0002', base_url: mock.url('custom/v1'), priority: 50 });
  addModel(u.id, 'backup', 'shared-model');
  await mock.clear();
  r = await chat(u.key, { model: 'shared-model', messages: hi });
  assert.equal(r.status, 200, r.text);
  const row = await usageRow(rid(r));
  assert.equal(row.provider, 'backup');
  assert.equal(row.route, 'openai: skipped, its key was refused; backup/shared-model: ok');
  assert.equal((await mock.requests({ family: 'openai' })).length, 0, 'the refused key was not sent again');
  r = await chat(u.key, { model: 'openai/shared-model', messages: hi });
  assert.equal(r.status, 502);
  assert.match(r.json.error.message, /out of rotation: replace the key/);
  // Its owner replaces the key: back in rotation.
  assert.equal((await u.put('/api/provider-configs/openai', { api_key: 'sk-prov-openai-NEW00001', validate: false })).status, 200);
  r = await chat(u.key, { model: 'openai/shared-model', messages: hi });
  assert.equal(r.status, 200, r.text);
});

// Issue 12: automatic fallback to the same model on the user's other
// providers (the compare equivalence), once every target failed; off by
// default, switched on under Providers (PUT /api/providers/routing).
test('automatic fallback: openai/gpt-4o fails, the same model via OpenRouter serves', async () => {
  const u = await chatUser();
  sql(`UPDATE user_api_providers SET base_url='http://127.0.0.1:1/v1' WHERE id=${configId(u.id, 'openai')}`);
  addModel(u.id, 'openai', 'gpt-4o');
  await addConfig(u, 'openrouter', { api_key: 'sk-or-prov-0009', base_url: mock.url('openrouter/api/v1'), priority: 40 });
  addModel(u.id, 'openrouter', 'openai/gpt-4o');
  let r = await chat(u.key, { model: 'openai/gpt-4o', messages: hi });
  assert.equal(r.status, 502, 'off by default: nothing else is tried');
  assert.equal((await u.get('/api/providers/routing')).json.auto_fallback, false);
  const put = await u.put('/api/providers/routing', { auto_fallback: true });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.auto_fallback, true);
  resetCircuits(u);
  r = await chat(u.key, { model: 'openai/gpt-4o', messages: hi });
  assert.equal(r.status, 200, r.text);
  const row = await usageRow(rid(r));
  assert.equal(row.provider, 'openrouter');
  assert.equal(row.resolved_model, 'openai/gpt-4o');
  assert.match(row.route, /^openai\/gpt-4o: 502 provider_unreachable after 3 attempts; automatic fallback: the same model elsewhere; openrouter\/openai\/gpt-4o: ok$/);
  // A gateway key cannot change it (a session setting).
  const k = await fetch(`${BASE}/api/providers/routing`, { method: 'PUT', headers: auth(u.key), body: JSON.stringify({ auto_fallback: false }) });
  assert.equal(k.status, 401);
  resetCircuits(u);
});

// Issue 12: two keys of one provider (a second config named by the user),
// equal priority, weights 3 and 1: the load splits about 3:1.
test('two keys of one provider share the load by weight', async () => {
  const u = await chatUser();
  assert.equal((await u.put('/api/provider-configs/openai', { weight: 3, validate: false })).status, 200);
  const add = await u.post('/api/provider-configs/openai', { name: 'openai-b', api_key: 'sk-prov-openai-SECOND001',
    base_url: mock.url('openai/v1'), priority: 10, weight: 1, validate: false });
  assert.equal(add.status, 201, add.text);
  assert.equal(add.json.config.weight, 1);
  assert.equal(add.json.config.provider, 'openai');
  addModel(u.id, 'openai', 'gpt-shared');
  addModel(u.id, 'openai-b', 'gpt-shared');
  const ids = [];
  for (let i = 0; i < 200; i++) {
    const r = await chat(u.key, { model: 'gpt-shared', messages: hi });
    assert.equal(r.status, 200, r.text);
    ids.push(rid(r));
  }
  const counts = Object.fromEntries(sql(`SELECT provider, COUNT(*) FROM aggregator_usage_logs
    WHERE request_id IN (${ids.map(q).join(',')}) GROUP BY provider`));
  const a = Number(counts.openai ?? 0);
  const b = Number(counts['openai-b'] ?? 0);
  assert.equal(a + b, 200);
  // Expected 150 : 50; the bounds are over five standard deviations wide.
  assert.ok(a >= 120 && a <= 180, `openai served ${a}, openai-b ${b}`);
});

// Issue 12: a stored fallback list per model or alias: "gpt-4o from OpenAI,
// else the same via OpenRouter", tried only once the model's own targets failed.
test('a stored fallback list: openai/gpt-4o fails, the listed openrouter model serves', async () => {
  const u = await chatUser();
  sql(`UPDATE user_api_providers SET base_url='http://127.0.0.1:1/v1' WHERE id=${configId(u.id, 'openai')}`);
  addModel(u.id, 'openai', 'gpt-4o');
  await addConfig(u, 'openrouter', { api_key: 'sk-or-prov-0010', base_url: mock.url('openrouter/api/v1'), priority: 40 });
  addModel(u.id, 'openrouter', 'openai/gpt-4o');
  const bad = await u.put('/api/models/fallbacks', { model: 'openai/gpt-4o', fallbacks: ['openai/gpt-4o'] });
  assert.equal(bad.status, 400, 'a model is not its own fallback');
  const put = await u.put('/api/models/fallbacks', { model: 'openai/gpt-4o', fallbacks: ['openrouter/openai/gpt-4o'] });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual((await u.get('/api/models/fallbacks')).json.fallbacks,
    [{ model: 'openai/gpt-4o', fallbacks: ['openrouter/openai/gpt-4o'], context_fallbacks: [] }]);
  const r = await chat(u.key, { model: 'openai/gpt-4o', messages: hi });
  assert.equal(r.status, 200, r.text);
  const row = await usageRow(rid(r));
  assert.equal(row.provider, 'openrouter');
  assert.match(row.route, /^openai\/gpt-4o: 502 provider_unreachable after 3 attempts; stored fallbacks: tried next; openrouter\/openai\/gpt-4o: ok$/);
  // An empty list removes it.
  assert.equal((await u.put('/api/models/fallbacks', { model: 'openai/gpt-4o', fallbacks: [] })).status, 200);
  assert.deepEqual((await u.get('/api/models/fallbacks')).json.fallbacks, []);
  resetCircuits(u);
});

// Issue 12: "context-window-exceeded to a configured larger model" (LiteLLM's
// context_window_fallbacks), in each family's own wording; the model's other
// fallbacks are not tried for it, and without a context list the client gets
// OpenAI's 400 context_length_exceeded.
test('a prompt too long for a model goes to its context fallback', async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-ctx-small');
  addModel(u.id, 'anthropic', 'claude-ctx-small');
  addModel(u.id, 'google', 'gemini-ctx-small');
  addModel(u.id, 'openai', 'gpt-4o-large');
  addModel(u.id, 'openai', 'gpt-4o-other');
  for (const model of ['openai/gpt-ctx-small', 'anthropic/claude-ctx-small', 'google/gemini-ctx-small']) {
    const none = await chat(u.key, { model, messages: hi });
    assert.equal(none.status, 400, none.text);
    assert.equal(none.json.error.code, 'context_length_exceeded', model);
    const put = await u.put('/api/models/fallbacks', { model, context_fallbacks: ['openai/gpt-4o-large'] });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json, { model, fallbacks: [], context_fallbacks: ['openai/gpt-4o-large'] });
    const r = await chat(u.key, { model, messages: hi });
    assert.equal(r.status, 200, r.text);
    const row = await usageRow(rid(r));
    assert.equal(row.resolved_model, 'gpt-4o-large', model);
    assert.match(row.route, /: 400 context_length_exceeded; context fallbacks: tried next; openai\/gpt-4o-large: ok$/);
  }
  // A stored failure list is kept when only the context list changes, and
  // is not tried for a prompt that is too long.
  const model = 'openai/gpt-ctx-small';
  assert.equal((await u.put('/api/models/fallbacks', { model, fallbacks: ['openai/gpt-4o-other'] })).status, 200);
  const both = (await u.get('/api/models/fallbacks')).json.fallbacks.find((f) => f.model === model);
  assert.deepEqual(both, { model, fallbacks: ['openai/gpt-4o-other'], context_fallbacks: ['openai/gpt-4o-large'] });
  const r = await chat(u.key, { model, messages: hi, stream: true });
  assert.equal(r.status, 200, r.text);
  assert.doesNotMatch((await usageRow(rid(r))).route, /stored fallbacks|gpt-4o-other/);
  assert.equal((await u.put('/api/models/fallbacks', { model, fallbacks: [], context_fallbacks: [] })).status, 200);
  assert.equal((await u.get('/api/models/fallbacks')).json.fallbacks.some((f) => f.model === model), false);
  const bad = await u.put('/api/models/fallbacks', { model });
  assert.equal(bad.status, 400, 'a request with neither list is refused');
});
