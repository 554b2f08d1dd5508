// Regression tests for defects of the chat path found by an outside QA pass:
// embeddings on non-OpenAI providers, the circuit counting requests (not
// attempts), a client hanging up before the first byte, budgets set after
// spending, unpriced models under an exceeded budget, allowed_models on
// /v1/models and bare names, GET /v1/models/{id}, custom configs in reports.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { BASE, sql, q, mock, gatewayKey } from './lib.mjs';
import { chatUser, chat, auth, addConfig, addModel, configId, usageRow, sleep } from './chatlib.mjs';

const hi = [{ role: 'user', content: 'hi' }];
const rid = (r) => r.headers.get('x-request-id');
let s;

before(async () => {
  s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
  addModel(s.id, 'openai', 'gpt-4o');
});

async function post(path, key, body, headers = {}) {
  const res = await fetch(`${BASE}${path}`, { method: 'POST', headers: { ...auth(key), ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let json; try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

function circuit(cid) {
  return sql(`SELECT failures, open_until IS NOT NULL AND open_until > NOW(6) FROM circuit_state WHERE config_id=${cid}`)[0];
}

test('embeddings on a non-OpenAI-format provider: 400, not a provider failure', async () => {
  for (const model of ['google/text-embedding-004', 'anthropic/claude-3-haiku-20240307']) {
    const r = await post('/v1/embeddings', s.key, { model, input: 'x' });
    assert.equal(r.status, 400, `${model}: ${r.text}`);
    assert.equal(r.json.error.type, 'validation');
    assert.equal(r.json.error.code, 'embeddings_not_supported');
    assert.match(r.json.error.message, /only available from OpenAI-format providers/);
    const row = await usageRow(rid(r));
    assert.equal(row.error_category, 'validation');
    assert.equal(row.attempts, '0');
  }
  for (const name of ['google', 'anthropic']) assert.equal(circuit(configId(s.id, name)), undefined, `${name}: no failure counted`);
  const st = await s.get('/api/providers/status');
  for (const p of st.json.providers.filter((x) => ['google', 'anthropic'].includes(x.config))) {
    assert.ok(!['degraded', 'down', 'circuit_open'].includes(p.state), `${p.config}: ${p.state}`);
  }
  const ok = await post('/v1/embeddings', s.key, { model: 'openai/text-embedding-3-small', input: 'x' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.data.length, 1);
});

test('the circuit counts failed requests, not retry attempts', async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  const cid = configId(u.id, 'openai');
  const f = await chat(u.key, { model: 'openai/gpt-fail-500', messages: hi });
  assert.equal(f.status, 502);
  assert.equal((await usageRow(rid(f))).attempts, '3');
  assert.deepEqual(circuit(cid), ['1', '0'], 'one failed request = one failure');
  const ok = await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(ok.status, 200, 'one failing request does not pause the provider');
  // a success resets the count; then 3 consecutive failed requests open it
  assert.deepEqual(circuit(cid), ['0', '0']);
  for (let i = 0; i < 3; i++) assert.equal((await chat(u.key, { model: 'openai/gpt-fail-500', messages: hi })).status, 502);
  assert.deepEqual(circuit(cid), ['3', '1']);
  const open = await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(open.status, 503);
  assert.equal(open.json.error.code, 'circuit_open');
  sql(`DELETE FROM circuit_state WHERE config_id=${cid}`);
});

async function hangUp(path, model) {
  const u = await chatUser();
  await mock.clear();
  const ac = new AbortController();
  const t0 = Date.now();
  const p = fetch(`${BASE}${path}`, { method: 'POST', signal: ac.signal,
    headers: { ...auth(u.key), 'x-switchboard-heartbeat-ms': '1000' },
    body: JSON.stringify({ model, stream: true, messages: hi }) }).then((r) => r.text()).catch(() => null);
  await sleep(1500);
  ac.abort();
  await p;
  let rows = [];
  for (let i = 0; i < 80 && rows.length === 0; i++) {
    rows = sql(`SELECT request_id FROM aggregator_usage_logs WHERE user_id=${u.id}`);
    if (rows.length === 0) await sleep(100);
  }
  assert.equal(rows.length, 1, `${path}: one row, written promptly`);
  const row = await usageRow(rows[0][0]);
  assert.equal(row.status, 'cancelled', `${path}: ${JSON.stringify(row)}`);
  assert.equal(row.http_status, '499');
  assert.equal(row.attempts, '1', 'no retries for a gone client');
  assert.ok(+row.latency_ms < 6000, `latency ${row.latency_ms}`);
  assert.ok(Date.now() - t0 < 9000);
  let rec;
  for (let i = 0; i < 30; i++) {
    [rec] = await mock.requests({ model: model.split('/')[1] });
    if (rec?.disconnected) break;
    await sleep(100);
  }
  assert.equal(rec.disconnected, true, 'the upstream transfer was aborted');
  assert.equal(circuit(configId(u.id, 'openai')), undefined, 'not counted against the provider');
}

test('a client that hangs up before the first byte: cancelled/499, upstream aborted promptly', async () => {
  await hangUp('/v1/chat/completions', 'openai/gpt-hang-qa-sse');
  await hangUp('/api/llm/stream', 'openai/gpt-hang-qa-ndjson');
});

test('a budget set after spending counts the spend already made this month', async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  const k2 = await gatewayKey(u);
  for (const key of [u.key, u.key, k2]) assert.equal((await chat(key, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200);
  const spent = +sql(`SELECT SUM(cost_micros) FROM aggregator_usage_logs WHERE user_id=${u.id}`)[0][0];
  assert.ok(spent > 0);
  const limit = Math.floor(spent / 2);
  const b = await u.put('/api/budget', { monthly_limit_usd: (limit / 1e6).toFixed(6) });
  assert.equal(b.status, 200, b.text);
  assert.equal((await u.get('/api/budget')).json.status, 'exceeded');
  const r = await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi, max_tokens: 1 });
  assert.equal(r.status, 402, r.text);
  assert.equal(r.json.error.type, 'budget');
  const [[rowSpent]] = sql(`SELECT spent_micros FROM budget_periods WHERE scope='user' AND scope_id=${u.id}
    AND period=DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m')`);
  assert.equal(+rowSpent, spent, 'the period row starts from the month\'s usage');
  const g = (await u.get('/api/budget')).json;
  assert.equal(Math.round(g.spent_usd * 1e6), spent);
  assert.equal(g.status, 'exceeded');

  // A key budget: only that key's own spend is seeded.
  assert.equal((await u.put('/api/budget', { monthly_limit_usd: null })).status, 200);
  const kid = sql(`SELECT gateway_key_id FROM aggregator_usage_logs WHERE user_id=${u.id} ORDER BY id LIMIT 1`)[0][0];
  const keySpent = +sql(`SELECT SUM(cost_micros) FROM aggregator_usage_logs WHERE gateway_key_id=${kid}`)[0][0];
  const kb = await u.put(`/api/budget?key=${kid}`, { monthly_limit_usd: ((keySpent - 1) / 1e6).toFixed(6) });
  assert.equal(kb.status, 200, kb.text);
  assert.equal((await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi, max_tokens: 1 })).status, 402);
  assert.equal(+sql(`SELECT spent_micros FROM budget_periods WHERE scope='key' AND scope_id=${kid}`)[0][0], keySpent);
  assert.equal((await chat(k2, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200, 'the other key is not limited');
});

test('an exceeded hard-stop budget refuses models with no known price too', async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  await addConfig(u, 'custom', { name: 'ollama', api_key: 'sk-ollama-0001', base_url: mock.url('ollama/v1'), priority: 40 });
  assert.equal((await chat(u.key, { model: 'ollama/llama3', messages: hi })).status, 200, 'unpriced, no budget: fine');
  assert.equal((await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200);
  const spent = +sql(`SELECT SUM(cost_micros) FROM aggregator_usage_logs WHERE user_id=${u.id}`)[0][0];
  assert.equal((await u.put('/api/budget', { monthly_limit_usd: (spent / 1e6).toFixed(6) })).status, 200);
  await mock.clear();
  const v1 = await chat(u.key, { model: 'ollama/llama3', messages: hi });
  assert.equal(v1.status, 402, v1.text);
  assert.equal(v1.json.error.code, 'budget_exceeded');
  const llm = await post('/api/llm/chat', u.key, { model: 'ollama/llama3', messages: hi });
  assert.equal(llm.status, 402, llm.text);
  assert.equal((await mock.requests({ model: 'llama3' })).length, 0, 'refused before any upstream call');
  // tracking only (no hard stop): still served
  assert.equal((await u.put('/api/budget', { hard_stop: false })).status, 200);
  assert.equal((await chat(u.key, { model: 'ollama/llama3', messages: hi })).status, 200);
});

test('allowed_models: /v1/models is filtered, bare names match the resolved provider/model', async () => {
  const k = await gatewayKey(s, { allowed_models: ['openai/gpt-4o-mini'] });
  const list = await fetch(`${BASE}/v1/models`, { headers: auth(k) }).then((r) => r.json());
  assert.deepEqual(list.data.map((m) => m.id), ['openai/gpt-4o-mini']);
  const all = await fetch(`${BASE}/v1/models`, { headers: auth(s.key) }).then((r) => r.json());
  assert.ok(all.data.some((m) => m.id === 'openai/gpt-4o'));

  const bare = await chat(k, { model: 'gpt-4o-mini', messages: hi });
  assert.equal(bare.status, 200, bare.text);
  assert.equal((await usageRow(rid(bare))).resolved_model, 'gpt-4o-mini');
  const no = await chat(k, { model: 'gpt-4o', messages: hi });
  assert.equal(no.status, 403);
  assert.equal(no.json.error.code, 'model_not_allowed');
  const unknown = await chat(k, { model: 'no-such-model', messages: hi });
  assert.equal(unknown.status, 403, 'a restricted key learns nothing about other models');

  // a bare entry allows that model id from any config
  const kb = await gatewayKey(s, { allowed_models: ['gpt-4o-mini'] });
  const lb = await fetch(`${BASE}/v1/models`, { headers: auth(kb) }).then((r) => r.json());
  assert.deepEqual(lb.data.map((m) => m.id), ['openai/gpt-4o-mini']);
  assert.equal((await chat(kb, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200);
  assert.equal((await chat(kb, { model: 'openai/gpt-4o', messages: hi })).status, 403);
});

test('GET /v1/models/{model}: OpenAI model object, slashes allowed, 404 model_not_found', async () => {
  for (const path of ['/v1/models/openai/gpt-4o-mini', '/v1/models/openai%2Fgpt-4o-mini']) {
    const r = await fetch(`${BASE}${path}`, { headers: auth(s.key) });
    assert.equal(r.status, 200, path);
    assert.deepEqual(await r.json(), { id: 'openai/gpt-4o-mini', object: 'model', created: 0, owned_by: 'openai' });
  }
  const nf = await fetch(`${BASE}/v1/models/openai/no-such-model`, { headers: auth(s.key) });
  assert.equal(nf.status, 404);
  const e = (await nf.json()).error;
  assert.equal(e.code, 'model_not_found');
  assert.equal(e.type, 'model');
  assert.ok(nf.headers.get('x-request-id'));
  const k = await gatewayKey(s, { allowed_models: ['openai/gpt-4o-mini'] });
  assert.equal((await fetch(`${BASE}/v1/models/openai/gpt-4o`, { headers: auth(k) })).status, 404, 'not allowed = not listed');
  assert.equal((await fetch(`${BASE}/v1/models/openai/gpt-4o-mini`)).status, 401);

  const client = new OpenAI({ apiKey: s.key, baseURL: `${BASE}/v1`, maxRetries: 0 });
  const m = await client.models.retrieve('openai/gpt-4o-mini');
  assert.equal(m.id, 'openai/gpt-4o-mini');
  await assert.rejects(client.models.retrieve('openai/nope'), (err) => err.status === 404);
});

test('custom endpoints are reported under their config names', async () => {
  const u = await chatUser();
  await addConfig(u, 'custom', { name: 'ollama', api_key: 'sk-ollama-0001', base_url: mock.url('ollama/v1'), priority: 40 });
  await addConfig(u, 'custom', { name: 'lmstudio', api_key: 'sk-lm-0001', base_url: mock.url('lmstudio/v1'), priority: 50 });
  const a = await chat(u.key, { model: 'ollama/llama3', messages: hi });
  const b = await chat(u.key, { model: 'lmstudio/qwen', messages: hi });
  const c = await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal((await usageRow(rid(a))).provider, 'ollama');
  assert.equal((await usageRow(rid(b))).provider, 'lmstudio');
  assert.equal((await usageRow(rid(c))).provider, 'openai');
  const sum = await u.get('/api/usage/summary?range=all&provider=ollama');
  assert.equal(sum.status, 200, sum.text);
  assert.equal(sum.json.requests, 1);
  const models = (await u.get('/api/usage/models?range=all')).json;
  const provs = JSON.stringify(models);
  assert.ok(provs.includes('"ollama"') && provs.includes('"lmstudio"'), provs);
  assert.equal(sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE user_id=${u.id} AND provider='custom'`)[0][0], '0');
});
