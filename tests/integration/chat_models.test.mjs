// Which models a caller can reach and how they are named: /v1/models filtered
// by a key's allowed_models, bare model names matched against the resolved
// provider/model, GET /v1/models/{model} as an OpenAI model object, and
// /v1/embeddings refused (400, not a provider failure) for providers whose
// format has no embeddings.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { BASE, sql, gatewayKey } from './lib.mjs';
import { chatUser, chat, post, auth, addModel, configId, usageRow } from './chatlib.mjs';

const hi = [{ role: 'user', content: 'hi' }];
const rid = (r) => r.headers.get('x-request-id');
let s;

before(async () => {
  s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
  addModel(s.id, 'openai', 'gpt-4o');
});

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
