// Providers (issue 3): configs for every list format against the mock,
// sync diffing, the model list with prices/limits, key tests, duplicate and
// bad keys, upstream failures, custom endpoints, favorites, aliases, the
// admin catalog and comparison.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { admin, newUser, sql, q, mock, unique } from './lib.mjs';

const KEY = () => 'sk-test-' + unique('k') + unique('');

function findModel(list, id) {
  for (const g of list.json.providers) for (const m of g.models) if (m.id === id) return m;
  return undefined;
}

after(async () => {
  for (const f of ['openrouter', 'anthropic', 'gemini']) await mock.restoreModels(f);
});

test('done-when: four formats added, synced and listed with prices and context windows', async () => {
  const u = await newUser('prov');
  const add = async (provider, family) => {
    const r = await u.post(`/api/provider-configs/${provider}`, { api_key: KEY(), base_url: mock.url(family) });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.config.key_hint, /^…/);
    assert.ok(!r.text.includes('sk-test-'), 'key never echoed');
    return r.json;
  };
  // Big paginated lists: 1200 Anthropic models and 1100 Gemini models (2 pages each).
  const anth = [];
  for (let i = 0; i < 1200; i++) anth.push({ type: 'model', id: `claude-mock-${String(i).padStart(4, '0')}`, display_name: `Mock ${i}`, created_at: '2025-01-01T00:00:00Z' });
  anth.push({ type: 'model', id: 'claude-3-5-sonnet-20241022', display_name: 'Claude 3.5 Sonnet', created_at: '2024-10-22T00:00:00Z' });
  await mock.setModels('anthropic', anth);
  const gem = [];
  for (let i = 0; i < 1100; i++) gem.push({ name: `models/gemini-mock-${i}`, displayName: `G ${i}`, inputTokenLimit: 32768, outputTokenLimit: 2048, supportedGenerationMethods: ['generateContent'] });
  gem.push({ name: 'models/gemini-1.5-pro', displayName: 'Gemini 1.5 Pro', inputTokenLimit: 2097152, outputTokenLimit: 8192, supportedGenerationMethods: ['generateContent', 'countTokens'] });
  gem.push({ name: 'models/text-embedding-004', displayName: 'Embedding', inputTokenLimit: 2048, outputTokenLimit: 1, supportedGenerationMethods: ['embedContent'] });
  await mock.setModels('gemini', gem);

  await mock.clear();
  const or = await add('openrouter', 'openrouter/api/v1');
  assert.ok(or.sync.total >= 300, 'a few hundred OpenRouter models');
  await add('openai', 'openai/v1');
  const an = await add('anthropic', 'anthropic');
  assert.equal(an.sync.total, 1201);
  const ge = await add('google', 'gemini');
  assert.equal(ge.sync.total, 1102);

  // Explicit syncs: nothing changed.
  for (const name of ['openrouter', 'openai', 'anthropic', 'google']) {
    const s = await u.post(`/api/provider-configs/${name}/sync`, {});
    assert.equal(s.status, 200, s.text);
    assert.deepEqual([s.json.added, s.json.updated, s.json.removed], [0, 0, 0]);
    assert.ok(s.json.total > 0);
  }
  // The mock saw each format's own auth and pagination.
  const anReq = await mock.requests({ family: 'anthropic' });
  assert.ok(anReq.some((r) => r.query.after_id), 'anthropic paginated with after_id');
  assert.ok(anReq.length > 0);
  assert.ok(anReq.every((r) => r.headers['x-api-key'] && r.headers['anthropic-version']));
  const geReq = await mock.requests({ family: 'gemini' });
  assert.ok(geReq.some((r) => r.query.pageToken), 'gemini paginated with pageToken');
  assert.ok(geReq.length > 0);
  assert.ok(geReq.every((r) => r.headers['x-goog-api-key'] && !r.query.key), 'gemini key in a header, not the URL');

  const list = await u.get('/api/models');
  assert.equal(list.status, 200);
  const sonnet = findModel(list, 'openrouter/anthropic/claude-3.5-sonnet');
  assert.equal(sonnet.input_price_per_m, 3);
  assert.equal(sonnet.output_price_per_m, 15);
  assert.equal(sonnet.cache_read_price_per_m, 0.3);
  assert.equal(sonnet.cache_write_price_per_m, 3.75);
  assert.equal(sonnet.context_window, 200000);
  assert.equal(sonnet.max_output, 8192);
  assert.equal(sonnet.aggregator, true);
  assert.ok(sonnet.capabilities.includes('vision'));
  const flash8b = findModel(list, 'openrouter/google/gemini-flash-1.5-8b');
  assert.equal(flash8b.input_price_per_m, 0.0375);
  assert.equal(flash8b.output_price_per_m, 0.15);
  assert.ok(list.text.includes('"input_price_per_m":0.037500'), 'exact decimal text');
  const auto = findModel(list, 'openrouter/openrouter/auto');
  assert.equal(auto.input_price_per_m, null);
  assert.equal(auto.price_known, false);
  const free = findModel(list, 'openrouter/meta-llama/llama-3.1-8b-instruct:free');
  assert.equal(free.input_price_per_m, 0);
  assert.equal(free.price_known, true);
  const mini = findModel(list, 'openai/gpt-4o-mini');
  assert.equal(mini.input_price_per_m, 0.15, 'price from the shipped table');
  assert.equal(mini.context_window, 128000);
  assert.equal(mini.aggregator, false);
  const c35 = findModel(list, 'anthropic/claude-3-5-sonnet-20241022');
  assert.equal(c35.input_price_per_m, 3);
  assert.equal(c35.name, 'Claude 3.5 Sonnet');
  const unknown = findModel(list, 'anthropic/claude-mock-0001');
  assert.equal(unknown.input_price_per_m, null, 'unknown is not zero');
  const g15 = findModel(list, 'google/gemini-1.5-pro');
  assert.equal(g15.context_window, 2097152);
  assert.equal(g15.max_output, 8192);
  assert.equal(g15.input_price_per_m, 1.25);
  assert.equal(findModel(list, 'google/text-embedding-004').type, 'embedding');

  // Filters.
  const emb = await u.get('/api/models?type=embedding&provider=google');
  assert.deepEqual(emb.json.providers.map((g) => g.config), ['google']);
  assert.ok(emb.json.providers[0].models.length > 0);
  assert.ok(emb.json.providers[0].models.every((m) => m.type === 'embedding'));
  const vis = await u.get('/api/models?capability=vision&q=claude-3.5');
  for (const g of vis.json.providers) for (const m of g.models) assert.ok(m.capabilities.includes('vision'));
  assert.ok(findModel(vis, 'openrouter/anthropic/claude-3.5-sonnet'));

  const cfgs = await u.get('/api/provider-configs');
  assert.equal(cfgs.json.configs.length, 4);
  for (const c of cfgs.json.configs) {
    assert.equal(c.status, 'ok');
    assert.ok(c.model_count > 0);
    assert.match(c.last_sync_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(c.month_cost_usd, 0);
  }
  const runs = sql(`SELECT COUNT(*) FROM sync_runs WHERE user_id = ${u.user.id} AND status = 'ok'`);
  assert.equal(runs[0][0], '8');
  assert.equal(sql(`SELECT COUNT(*) FROM user_api_providers WHERE user_id = ${u.user.id} AND api_key_enc LIKE '%sk-test-%'`)[0][0], '0');
});

test('aihubmix: /v1/models for the key, prices from the rich list converted from per-1K', async () => {
  const u = await newUser('ahm');
  const r = await u.post('/api/provider-configs/aihubmix', { api_key: KEY(), base_url: mock.url('aihubmix/v1') });
  assert.equal(r.status, 201, r.text);
  const list = await u.get('/api/models?provider=aihubmix');
  const m = findModel(list, 'aihubmix/gpt-4o-mini');
  assert.equal(m.input_price_per_m, 0.15);
  assert.equal(m.output_price_per_m, 0.6);
  assert.equal(m.cache_read_price_per_m, 0.075);
  const freeM = findModel(list, 'aihubmix/glm-4-flash-free');
  if (freeM) assert.equal(freeM.input_price_per_m, 0);
});

test('sync diff: added, changed and vanished models; vanished rows are kept unavailable', async () => {
  const u = await newUser('diff');
  const item = (id, prompt) => ({ id, name: id, context_length: 1000, pricing: { prompt, completion: '0.000002' },
    architecture: { input_modalities: ['text'], output_modalities: ['text'] }, top_provider: { max_completion_tokens: 100 }, supported_parameters: [] });
  await mock.setModels('openrouter', [item('x/a', '0.000001'), item('x/b', '0.000001'), item('x/c', '0.000001')]);
  const r = await u.post('/api/provider-configs/openrouter', { api_key: KEY(), base_url: mock.url('openrouter/api/v1') });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.sync, { added: 3, updated: 0, removed: 0, total: 3 });
  await mock.setModels('openrouter', [item('x/b', '0.000005'), item('x/c', '0.000001'), item('x/d', '0.000001')]);
  let s = await u.post('/api/provider-configs/openrouter/sync', {});
  assert.deepEqual(s.json, { added: 1, updated: 1, removed: 1, total: 3 });
  const list = await u.get('/api/models?provider=openrouter');
  assert.deepEqual(list.json.providers[0].models.map((m) => m.model), ['x/b', 'x/c', 'x/d']);
  assert.equal(findModel(list, 'openrouter/x/b').input_price_per_m, 5);
  const rows = sql(`SELECT model_id, is_available FROM aggregator_models WHERE user_id = ${u.user.id} ORDER BY model_id`);
  assert.deepEqual(rows, [['x/a', '0'], ['x/b', '1'], ['x/c', '1'], ['x/d', '1']]);
  await mock.setModels('openrouter', [item('x/a', '0.000001'), item('x/b', '0.000005'), item('x/c', '0.000001'), item('x/d', '0.000001')]);
  s = await u.post('/api/provider-configs/openrouter/sync', {});
  assert.deepEqual(s.json, { added: 0, updated: 1, removed: 0, total: 4 });
  await mock.restoreModels('openrouter');
});

test('key test endpoint: ok with latency and count; bad key categorized, key not leaked', async () => {
  const u = await newUser('tst');
  const ok = await u.post('/api/providers/openai/test', { api_key: KEY(), base_url: mock.url('openai/v1') });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.ok, true);
  assert.ok(ok.json.model_count > 0);
  assert.equal(typeof ok.json.latency_ms, 'number');
  const badKey = 'bad-secret-key-987654321';
  const bad = await u.post('/api/providers/openai/test', { api_key: badKey, base_url: mock.url('openai/v1') });
  assert.equal(bad.json.ok, false);
  assert.equal(bad.json.error.type, 'auth');
  assert.equal(bad.json.error.status, 401);
  assert.ok(!bad.text.includes('4321') && !bad.text.includes('bad-'), 'no key fragments');
  const g = await u.post('/api/providers/google/test', { api_key: 'bad-gem-key', base_url: mock.url('gemini') });
  assert.equal(g.json.ok, false);
  assert.equal(g.json.error.type, 'auth');
  const missing = await u.post('/api/providers/openai/test', {});
  assert.equal(missing.status, 400);
  const none = await u.post('/api/providers/nosuch/test', { api_key: 'x' });
  assert.equal(none.status, 404);
});

test('bad key, upstream down, malformed, oversized: refused with our categories, nothing stored', async () => {
  const u = await newUser('bad');
  const cases = [
    ['openai', { api_key: 'bad-key-123456', base_url: mock.url('openai/v1') }, 400, 'auth', 'upstream_auth_failed'],
    ['openai', { api_key: KEY(), base_url: 'http://127.0.0.1:1/v1' }, 502, 'network', 'upstream_unreachable'],
    ['openai', { api_key: KEY(), base_url: mock.url('malformed/v1') }, 502, 'upstream', 'upstream_malformed'],
    ['openai', { api_key: KEY(), base_url: mock.url('oversize/v1') }, 502, 'upstream', 'upstream_too_large'],
    ['anthropic', { api_key: 'bad-anthropic-key', base_url: mock.url('anthropic') }, 400, 'auth', 'upstream_auth_failed'],
    ['openrouter', { api_key: 'bad-or-key', base_url: mock.url('openrouter/api/v1') }, 400, 'auth', 'upstream_auth_failed'],
  ];
  for (const [prov, body, status, type, code] of cases) {
    const r = await u.post(`/api/provider-configs/${prov}`, body);
    assert.equal(r.status, status, `${prov} ${body.base_url}: ${r.text}`);
    assert.equal(r.json.error.type, type);
    assert.equal(r.json.error.code, code);
    assert.ok(r.json.error.message.length > 10);
    assert.ok(!r.text.includes(body.api_key));
  }
  const list = await u.get('/api/provider-configs');
  assert.deepEqual(list.json.configs, []);
  // Upstream 500 on the list.
  const fam = unique('p5');
  await fetch(`${mock.url('')}_mock/list-fault/${fam}`, { method: 'PUT', body: JSON.stringify({ fault: 'fail-503' }) });
  const r5 = await u.post('/api/provider-configs/xai', { api_key: KEY(), base_url: mock.url(`${fam}/v1`) });
  assert.equal(r5.status, 502);
  assert.equal(r5.json.error.code, 'upstream_error');
  await fetch(`${mock.url('')}_mock/list-fault/${fam}`, { method: 'DELETE' });
});

test('timeout: a list that never answers gives a timeout error and a recorded failed run', async () => {
  const u = await newUser('hang');
  const r = await u.post('/api/provider-configs/openai', { api_key: KEY(), base_url: mock.url('hang/v1'), validate: false });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.sync, null);
  const s = await u.post('/api/provider-configs/openai/sync', {});
  assert.equal(s.status, 504, s.text);
  assert.equal(s.json.error.type, 'timeout');
  const c = await u.get('/api/provider-configs/openai');
  assert.equal(c.json.config.status, 'error');
  assert.match(c.json.config.last_error, /did not send/);
  const runs = sql(`SELECT status, error_message IS NOT NULL, finished_at IS NOT NULL FROM sync_runs WHERE user_id = ${u.user.id}`);
  assert.deepEqual(runs, [['error', '1', '1']]);
  assert.equal((await u.del('/api/provider-configs/openai')).status, 204);
});

test('duplicate key detected by fingerprint; same key for another user is fine', async () => {
  const u = await newUser('dup');
  const key = KEY();
  const a = await u.post('/api/provider-configs/openai', { api_key: key, base_url: mock.url('openai/v1') });
  assert.equal(a.status, 201);
  const b = await u.post('/api/provider-configs/xai', { api_key: key, base_url: mock.url('xai/v1') });
  assert.equal(b.status, 409);
  assert.equal(b.json.error.code, 'duplicate_key');
  assert.match(b.json.error.message, /openai/);
  const again = await u.post('/api/provider-configs/openai', { api_key: KEY(), base_url: mock.url('openai/v1') });
  assert.equal(again.status, 409);
  const v = await newUser('dup2');
  const c = await v.post('/api/provider-configs/openai', { api_key: key, base_url: mock.url('openai/v1') });
  assert.equal(c.status, 201);
});

test('base_url is checked: scheme, syntax, reserved addresses, plain http to public hosts', async () => {
  const u = await newUser('url');
  for (const base_url of ['ftp://example.com/v1', 'https://user:pw@example.com/v1', 'https://224.0.0.1/v1',
    'https://0.0.0.0/v1', 'http://8.8.8.8/v1', 'https://example.com/v1?x=1', 'https://[ff02::1]/v1']) {
    const r = await u.post('/api/provider-configs/openai', { api_key: KEY(), base_url, validate: false });
    assert.equal(r.status, 400, base_url);
    assert.equal(r.json.error.code, 'base_url_refused', base_url);
    const t = await u.post('/api/providers/openai/test', { api_key: KEY(), base_url });
    assert.equal(t.json.ok, false, base_url);
    assert.equal(t.json.error.code, 'base_url_refused');
  }
  const c = await u.post('/api/provider-configs/custom', { name: 'nourl', api_key: KEY(), validate: false });
  assert.equal(c.status, 400);
  assert.equal(c.json.error.code, 'base_url_required');
});

test('custom endpoints: several per user, each a routing prefix; update and delete', async () => {
  const u = await newUser('cus');
  const fam1 = unique('ollama'), fam2 = unique('vllm');
  await mock.setModels(fam1, [{ id: 'llama3', object: 'model', created: 1, owned_by: 'me' }, { id: 'gpt-4o', object: 'model', created: 1, owned_by: 'me' }]);
  await mock.setModels(fam2, [{ id: 'qwen2', object: 'model', created: 1, owned_by: 'me' }]);
  const a = await u.post('/api/provider-configs/custom', { name: 'ollama', api_key: KEY(), base_url: mock.url(`${fam1}/v1`), priority: 5 });
  assert.equal(a.status, 201, a.text);
  assert.equal(a.json.config.name, 'ollama');
  assert.equal(a.json.config.provider, 'custom');
  const b = await u.post('/api/provider-configs/custom', { name: 'vllm', api_key: KEY(), base_url: mock.url(`${fam2}/v1`) });
  assert.equal(b.status, 201, b.text);
  const list = await u.get('/api/models');
  assert.ok(findModel(list, 'ollama/llama3'));
  assert.ok(findModel(list, 'vllm/qwen2'));
  assert.equal(list.json.providers[0].config, 'ollama', 'priority order');
  assert.equal(findModel(list, 'ollama/gpt-4o').input_price_per_m, null, 'no table prices for custom servers');
  const bad = await u.post('/api/provider-configs/custom', { name: 'bad/name', api_key: KEY(), base_url: mock.url(`${fam2}/v1`) });
  assert.equal(bad.status, 400);
  const put = await u.put('/api/provider-configs/vllm', { priority: 1, is_active: false });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.config.priority, 1);
  assert.equal(put.json.config.is_active, false);
  const list2 = await u.get('/api/models');
  assert.equal(findModel(list2, 'vllm/qwen2'), undefined, 'inactive config hidden');
  const rekey = await u.put('/api/provider-configs/vllm', { api_key: 'bad-new-key' });
  assert.equal(rekey.status, 400, 'new key validated against the upstream');
  const rekey2 = await u.put('/api/provider-configs/vllm', { api_key: 'new-key-abcd9876' });
  assert.equal(rekey2.status, 200);
  assert.equal(rekey2.json.config.key_hint, '…9876');
  assert.equal((await u.del('/api/provider-configs/vllm')).status, 204);
  assert.equal((await u.get('/api/provider-configs/vllm')).status, 404);
  assert.equal(sql(`SELECT COUNT(*) FROM aggregator_models WHERE user_id = ${u.user.id} AND model_id = 'qwen2'`)[0][0], '0');
});

test('favorites and aliases (user and global)', async () => {
  const a = await admin();
  const u = await newUser('fav');
  await u.post('/api/provider-configs/openai', { api_key: KEY(), base_url: mock.url('openai/v1') });
  const f = await u.put('/api/models/favorites', { model: 'openai/gpt-4o-mini', favorite: true });
  assert.equal(f.status, 200, f.text);
  const al = await u.post('/api/aliases', { alias: 'mini', model: 'openai/gpt-4o-mini' });
  assert.equal(al.status, 201, al.text);
  assert.equal(al.json.alias.scope, 'user');
  assert.equal((await u.post('/api/aliases', { alias: 'mini', model: 'openai/gpt-4o' })).status, 409);
  assert.equal((await u.post('/api/aliases', { alias: 'bad/alias', model: 'openai/gpt-4o' })).status, 400);
  assert.equal((await u.post('/api/aliases', { alias: 'g1', model: 'openai/gpt-4o', global: true })).status, 403);
  const galias = unique('g');
  const g = await a.post('/api/aliases', { alias: galias, model: 'openai/gpt-4o', global: true });
  assert.equal(g.status, 201);
  const list = await u.get('/api/models?provider=openai');
  const mini = findModel(list, 'openai/gpt-4o-mini');
  assert.equal(mini.favorite, true);
  assert.deepEqual(mini.aliases, ['mini']);
  assert.ok(findModel(list, 'openai/gpt-4o').aliases.includes(galias));
  const aliases = await u.get('/api/aliases');
  assert.ok(aliases.json.aliases.some((x) => x.alias === galias && x.scope === 'global'));
  // A user cannot delete a global alias; the admin can.
  assert.equal((await u.del(`/api/aliases/${g.json.alias.id}`)).status, 404);
  assert.equal((await a.del(`/api/aliases/${g.json.alias.id}`)).status, 204);
  assert.equal((await u.del(`/api/aliases/${al.json.alias.id}`)).status, 204);
  const off = await u.put('/api/models/favorites', { model: 'openai/gpt-4o-mini', favorite: false });
  assert.equal(off.status, 200);
  assert.equal(findModel(await u.get('/api/models?provider=openai'), 'openai/gpt-4o-mini').favorite, false);
  assert.equal((await u.put('/api/models/favorites', { model: 'nosuch/x', favorite: true })).status, 404);
});

test('admin catalog: add, change, deactivate (stops listing at once); users cannot', async () => {
  const a = await admin();
  const u = await newUser('cat');
  const name = unique('acme');
  assert.equal((await u.post(`/api/providers/${name}`, { display_name: 'X' })).status, 403);
  const c = await a.post(`/api/providers/${name}`, { display_name: 'Acme AI', type: 'direct', api_format: 'openai',
    base_url: mock.url('openai/v1'), features: { streaming: true, vision: true } });
  assert.equal(c.status, 201, c.text);
  assert.equal(c.json.features.vision, true);
  assert.equal((await a.post(`/api/providers/${name}`, {})).status, 409);
  assert.equal((await a.post(`/api/providers/${name}x`, { api_format: 'soap' })).status, 400);
  const p = await a.put(`/api/providers/${name}`, { display_name: 'Acme 2' });
  assert.equal(p.json.display_name, 'Acme 2');
  const cfg = await u.post(`/api/provider-configs/${name}`, { api_key: KEY() });
  assert.equal(cfg.status, 201, cfg.text);
  const all = await u.get('/api/providers');
  assert.equal(all.json.providers.find((x) => x.name === name).configured, true);
  assert.ok((await u.get(`/api/models?provider=${name}`)).json.providers.length === 1);
  assert.equal((await a.del(`/api/providers/${name}`)).status, 204);
  assert.equal((await u.get(`/api/models?provider=${name}`)).json.providers.length, 0);
  const cf = await u.get(`/api/provider-configs/${name}`);
  assert.equal(cf.json.config.provider_active, false);
  assert.equal((await u.post(`/api/provider-configs/${unique('x')}`, { api_key: KEY() })).status, 404);
  await a.put(`/api/providers/${name}`, { is_active: true });
  assert.equal((await u.get(`/api/models?provider=${name}`)).json.providers.length, 1);
});

test('compare: the same underlying model across providers', async () => {
  const u = await newUser('cmp');
  await u.post('/api/provider-configs/openrouter', { api_key: KEY(), base_url: mock.url('openrouter/api/v1') });
  await u.post('/api/provider-configs/openai', { api_key: KEY(), base_url: mock.url('openai/v1') });
  const r = await u.get('/api/providers/compare?model=gpt-4o-mini');
  assert.equal(r.status, 200);
  const configs = r.json.offers.map((o) => o.config).sort();
  assert.deepEqual(configs, ['openai', 'openrouter']);
  for (const o of r.json.offers) {
    assert.equal(o.input_price_per_m, 0.15);
    assert.ok('success_rate_24h' in o && 'p50_latency_ms' in o);
  }
  assert.equal((await u.get('/api/providers/compare')).status, 400);
});

test('sync errors recorded: validate=false with a bad key fails on sync with status error', async () => {
  const u = await newUser('err');
  const r = await u.post('/api/provider-configs/openai', { api_key: 'bad-key-xyz', base_url: mock.url('openai/v1'), validate: false });
  assert.equal(r.status, 201);
  const s = await u.post('/api/provider-configs/openai/sync', {});
  assert.equal(s.status, 400);
  assert.equal(s.json.error.type, 'auth');
  const c = (await u.get('/api/provider-configs')).json.configs[0];
  assert.equal(c.status, 'error');
  assert.ok(c.last_error.includes('401'));
  assert.equal(sql(`SELECT status FROM sync_runs WHERE user_id = ${u.user.id}`)[0][0], 'error');
  void q;
});

test('provider status is served by providers.fcgi (built by the health module)', async () => {
  const u = await newUser('st');
  await u.post('/api/provider-configs/openai', { api_key: KEY(), base_url: mock.url('openai/v1') });
  const r = await u.get('/api/providers/status');
  assert.equal(r.status, 200, r.text);
  assert.ok(['healthy', 'degraded', 'down', 'unknown'].includes(r.json.overall));
  assert.ok(Array.isArray(r.json.providers));
});

// Check now (issue 15): a saved config's stored key is tried without
// retyping it; the outcome is the config's latest probe on the status page.
test('check now: the stored key tried again; a refused key says so; the status shows the probe', async () => {
  const u = await newUser('check');
  let r = await u.post('/api/provider-configs/openai', { api_key: KEY(), base_url: mock.url('openai/v1') });
  assert.equal(r.status, 201, r.text);
  r = await u.post('/api/provider-configs/xai', { api_key: 'bad-key-' + unique('x'), base_url: mock.url('xai/v1'), validate: false });
  assert.equal(r.status, 201, r.text);

  const good = await u.post('/api/provider-configs/openai/check', {});
  assert.equal(good.status, 200, good.text);
  assert.equal(good.json.ok, true);
  assert.ok(good.json.models > 0);
  assert.equal(good.json.http_status, 200);
  assert.equal(good.json.error, null);
  const bad = await u.post('/api/provider-configs/xai/check', {});
  assert.equal(bad.status, 200, bad.text);
  assert.equal(bad.json.ok, false);
  assert.equal(bad.json.error.type, 'auth');
  assert.equal(bad.json.http_status, 401);
  assert.ok(!bad.text.includes('bad-key-'), 'the key is never echoed');

  const st = (await u.get('/api/providers/status')).json.providers;
  const by = Object.fromEntries(st.map((p) => [p.config, p]));
  assert.equal(by.openai.probe.ok, true);
  assert.equal(by.xai.probe.ok, false);

  // Someone else's config is not found.
  const other = await newUser('check2');
  assert.equal((await other.post('/api/provider-configs/openai/check', {})).status, 404);
});
