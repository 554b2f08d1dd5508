// Prices in the database (issue 15): sql/prices.tsv seeds model_prices;
// `switchboard prices import FILE` loads LiteLLM's JSON or our TSV, records
// each change and reprices catalog rows the table priced; an admin's
// override beats the provider's price from the next request, is recorded,
// and can be removed; OpenRouter's usage.cost is the request's cost. Usage
// rows keep the cost that was charged. Every model here has a name of its
// own, so no other test's prices move.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admin, newUser, gatewayKey, sql, q, unique, mock, BASE } from './lib.mjs';
import { chatUser, addConfig, addModel, chat, usageRow, configId } from './chatlib.mjs';

const dir = mkdtempSync(join(tmpdir(), 'sb-prices-'));
const rid = (r) => r.headers.get('x-request-id');
const importFile = async (name, text) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  try {
    const { stdout } = await promisify(execFile)(process.env.CLI, ['prices', 'import', f]);
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    return { status: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};
const priceRow = (key) => sql(`SELECT input_price, output_price, cache_read_price, context_window, max_output,
  capabilities, source FROM model_prices WHERE model_key = ${q(key)}`)[0];
const changes = (model) => sql(`SELECT source, old_input_price, new_input_price, new_output_price FROM price_changes
  WHERE model = ${q(model)} ORDER BY changed_at, id`);
// Cost in micro-USD of a request at prices in micro-USD per 1M (usage.c rounds half up).
const costAt = (u, input, output) => Math.floor((u.prompt_tokens * input + u.completion_tokens * output + 500000) / 1000000);

test('the shipped table seeds model_prices', () => {
  assert.ok(Number(sql("SELECT COUNT(*) FROM model_prices WHERE source IN ('seed', 'import')")[0][0]) >= 30);
  const gpt4o = priceRow('gpt-4o');
  assert.ok(gpt4o && Number(gpt4o[0]) > 0 && Number(gpt4o[1]) > 0, 'gpt-4o is priced');
});

test('prices import: LiteLLM JSON and TSV, changes recorded, catalog rows priced from the table follow, from the next request', async () => {
  const name = unique('sbprice').toLowerCase();
  const alpha = `${name}-alpha`;
  const s = await chatUser();
  // A model the provider lists without a price: priced from the table.
  const cid = configId(s.id, 'openai');
  sql(`INSERT INTO aggregator_models (config_id, user_id, model_id, display_name, price_source)
       VALUES (${cid}, ${s.id}, ${q(alpha)}, ${q(alpha)}, 'unknown')`);

  const litellm = {
    sample_spec: { input_cost_per_token: 0, output_cost_per_token: 0, mode: 'chat' },
    [alpha]: { input_cost_per_token: 2.5e-06, output_cost_per_token: 1e-05, cache_read_input_token_cost: 1.25e-06,
      max_input_tokens: 128000, max_output_tokens: 16384, litellm_provider: 'openai', mode: 'chat',
      supports_vision: true, supports_function_calling: true },
    [`azure/${alpha}`]: { input_cost_per_token: 9e-06, output_cost_per_token: 9e-06, litellm_provider: 'azure', mode: 'chat' },
    [`${name}-image`]: { output_cost_per_image: 0.04, litellm_provider: 'openai', mode: 'image_generation' },
  };
  const r1 = await importFile('a.json', JSON.stringify(litellm, null, 2));
  assert.equal(r1.status, 0, r1.stderr);
  assert.match(r1.stdout, /4 entries read, \d+ with token prices/);
  assert.deepEqual(priceRow(alpha), ['2500000', '10000000', '1250000', '128000', '16384', 'vision,tools', 'import'],
    'the bare name wins over azure/…; exact decimals from JSON numbers');
  assert.equal(sql(`SELECT COUNT(*) FROM model_prices WHERE model_key = ${q(name + '-image')}`)[0][0], '0', 'no token price: skipped');
  assert.deepEqual(changes(alpha), [['import', null, '2500000', '10000000']]);
  assert.deepEqual(sql(`SELECT input_price, output_price, price_source FROM aggregator_models WHERE config_id = ${cid} AND model_id = ${q(alpha)}`)[0],
    ['2500000', '10000000', 'table']);

  const before = await chat(s.key, { model: `openai/${alpha}`, messages: [{ role: 'user', content: 'hello there' }] });
  assert.equal(before.status, 200, before.text);
  const row1 = await usageRow(rid(before));
  assert.equal(Number(row1.cost_micros), costAt(before.json.usage, 2500000, 10000000));

  // The same model at a new price, in our TSV format this time.
  const tsv = `# a comment\n${alpha}\t3\t12\t-\t-\t128000\t16384\tvision\n${name}-beta\t0.5\t1.5\t-\t-\t-\t-\t-\n`;
  const r2 = await importFile('b.tsv', tsv);
  assert.equal(r2.status, 0, r2.stderr);
  assert.deepEqual(changes(alpha).at(-1), ['import', '2500000', '3000000', '12000000'], 'the change is recorded');
  assert.equal(priceRow(`${name}-beta`)[0], '500000');
  const after = await chat(s.key, { model: `openai/${alpha}`, messages: [{ role: 'user', content: 'hello there' }] });
  const row2 = await usageRow(rid(after));
  assert.equal(Number(row2.cost_micros), costAt(after.json.usage, 3000000, 12000000), 'the new price applies from the next request');
  assert.equal((await usageRow(rid(before))).cost_micros, row1.cost_micros, 'an old row keeps the cost it was charged');

  // A model no provider lists at all is priced from the table too.
  const other = await chat(s.key, { model: `openai/${name}-beta`, messages: [{ role: 'user', content: 'hello there' }] });
  assert.equal(other.status, 200, other.text);
  const row3 = await usageRow(rid(other));
  assert.equal(row3.price_known, '1');
  assert.equal(Number(row3.cost_micros), costAt(other.json.usage, 500000, 1500000));

  const bad = await importFile('c.json', '{"x": {"input_cost_per_token": "cheap"}');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /prices: /);
  const bad2 = await importFile('d.json', `{"${alpha}": {"input_cost_per_token": "cheap"}, "${name}-text": {"input_cost_per_token": "0.000001"}}`);
  assert.notEqual(bad2.status, 0);
  assert.match(bad2.stderr, /not a price/);
  assert.equal(priceRow(alpha)[0], '3000000', 'a failed import changes nothing');
  assert.equal(priceRow(`${name}-text`), undefined);
  const text = await importFile('e.json', `{"${name}-text": {"input_cost_per_token": "0.000001", "output_cost_per_token": -1}}`);
  assert.equal(text.status, 0, text.stderr);
  assert.deepEqual(priceRow(`${name}-text`).slice(0, 2), ['1000000', null], 'a cost as text is read; a negative one is unknown');
});

// The shape of LiteLLM's published file (our own entries, its structure):
// sample_spec with text where numbers go, image models priced per image or
// pixel, regional names, prefixed duplicates, nested objects and arrays.
test('prices import: a file in the shape of LiteLLM\'s published list', async () => {
  const file = new URL('./fixtures/litellm_shape.json', import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(process.env.CLI, ['prices', 'import', file]);
  assert.match(stdout, /8 entries read, 4 with token prices/);
  const keys = sql("SELECT model_key FROM model_prices WHERE model_key LIKE '%fixture%' ORDER BY model_key").map((r) => r[0]);
  assert.equal(keys.length, 4, keys.join());
  const reasoner = priceRow(keys.find((k) => k.includes('reasoner')));
  assert.deepEqual(reasoner, ['2187500', '17500000', '546875', '1000000', '64000', 'vision,tools,reasoning', 'import'],
    'the bare name over fixture_cloud/…; every field read exactly');
  assert.ok(keys.some((k) => k.startsWith('eu')), 'a regional name is its own row');
  const embed = priceRow(keys.find((k) => k.includes('embedder')));
  assert.deepEqual(embed.slice(0, 2), ['20000', '0']);
  assert.ok(!keys.some((k) => k.includes('image') || k.includes('painter')), 'image models have no token price');
});

test('POST /api/prices/import: an admin (or a providers token) uploads a list; recorded as theirs', async () => {
  const a = await admin();
  const u = await newUser('pimport');
  const name = unique('sbup').toLowerCase();
  const list = JSON.stringify({ [name]: { input_cost_per_token: 4e-06, output_cost_per_token: 1.6e-05, mode: 'chat' } });
  const up = await a.post('/api/prices/import', JSON.parse(list));
  assert.equal(up.status, 200, up.text);
  assert.deepEqual([up.json.read, up.json.priced, up.json.changed], [1, 1, 1]);
  assert.deepEqual(priceRow(name).slice(0, 2), ['4000000', '16000000']);
  const ch = (await a.get('/api/prices/changes?limit=500')).json.changes.find((c) => c.model === name);
  assert.equal(ch.source, 'import');
  assert.equal(ch.by, 'admin');
  assert.equal(ch.provider, null);
  assert.equal((await u.post('/api/prices/import', JSON.parse(list))).status, 403, 'admins only');
  // The TSV as a plain-text body.
  const tsv = await a.request('POST', '/api/prices/import', { raw: `${name}-tsv\t1\t2\t-\t-\t-\t-\t-\n`,
    headers: { 'content-type': 'text/plain' } });
  assert.equal(tsv.status, 200, tsv.text);
  assert.equal(priceRow(`${name}-tsv`)[0], '1000000');
  const bad = await a.post('/api/prices/import', { [name]: { input_cost_per_token: 'cheap' } });
  assert.equal(bad.status, 400, bad.text);
  assert.equal(bad.json.error.code, 'invalid_price_list');
});

test('price overrides: an admin sets a price that beats the provider, recorded, removable; scopes apply', async () => {
  const a = await admin();
  const s = await chatUser();
  const model = unique('sbovr').toLowerCase();
  addModel(s.id, 'openai', model);		// the provider says $2 / $8
  const body = { provider: 'openai', model, input_price_per_m: '1.5', output_price_per_m: 6, cache_read_price_per_m: '0.75' };

  assert.equal((await s.put('/api/prices/overrides', body)).status, 403, 'admins only');
  assert.equal((await a.put('/api/prices/overrides', { ...body, provider: 'no-such-provider' })).status, 404);
  assert.equal((await a.put('/api/prices/overrides', { ...body, input_price_per_m: '-1' })).status, 400);
  assert.equal((await a.put('/api/prices/overrides', { ...body, output_price_per_m: undefined })).status, 400);
  const set = await a.put('/api/prices/overrides', body);
  assert.equal(set.status, 200, set.text);
  assert.ok(set.json.overrides.some((o) => o.provider === 'openai' && o.model === model && o.input_price_per_m === 1.5 &&
    o.output_price_per_m === 6 && o.set_by === 'admin'));

  const listed = (await s.get('/api/models')).json.providers.find((g) => g.config === 'openai').models.find((m) => m.model === model);
  assert.equal(listed.input_price_per_m, 1.5);
  assert.equal(listed.price_source, 'admin');
  const r = await chat(s.key, { model: `openai/${model}`, messages: [{ role: 'user', content: 'hello there' }] });
  assert.equal(r.status, 200, r.text);
  assert.equal(Number((await usageRow(rid(r))).cost_micros), costAt(r.json.usage, 1500000, 6000000), 'from the next request');

  const ch = await a.get('/api/prices/changes?limit=200');
  assert.equal(ch.status, 200, ch.text);
  assert.ok(ch.json.changes.some((c) => c.model === model && c.source === 'admin' && c.by === 'admin' && c.provider === 'openai' &&
    c.old_input_price_per_m === null && c.new_input_price_per_m === 1.5));
  assert.equal((await a.get('/api/prices/changes?limit=0')).status, 400);

  // Tokens: "providers" may set prices, a read-only one may not.
  const tok = (await a.post('/api/admin/tokens', { name: unique('px'), scopes: ['reports'] })).json.secret;
  const ptok = (await a.post('/api/admin/tokens', { name: unique('pp'), scopes: ['providers'] })).json.secret;
  const call = (t, method, path, b) => fetch(`${BASE}${path}`, { method, headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
    body: b ? JSON.stringify(b) : undefined });
  assert.equal((await call(tok, 'PUT', '/api/prices/overrides', body)).status, 403);
  assert.equal((await call(ptok, 'PUT', '/api/prices/overrides', { ...body, input_price_per_m: '1.25' })).status, 200);
  const qs = `?provider=openai&model=${encodeURIComponent(model)}`;
  assert.equal((await call(ptok, 'DELETE', '/api/prices/overrides' + qs)).status, 204);
  assert.equal((await a.del('/api/prices/overrides' + qs)).status, 404, 'already gone');

  const back = (await s.get('/api/models')).json.providers.find((g) => g.config === 'openai').models.find((m) => m.model === model);
  assert.equal(back.input_price_per_m, 2);
  assert.equal(back.price_source, 'upstream');
  const r2 = await chat(s.key, { model: `openai/${model}`, messages: [{ role: 'user', content: 'hello there' }] });
  assert.equal(Number((await usageRow(rid(r2))).cost_micros), costAt(r2.json.usage, 2000000, 8000000), 'the provider\'s price again');
  assert.deepEqual(changes(model).map((c) => c[0] + ':' + c[2]), ['admin:1500000', 'admin:1250000', 'admin:null']);
});

test('OpenRouter: the usage.cost it reports is the request\'s cost, streaming or not', async () => {
  const s = await newUser('orcost');
  s.id = (await s.get('/api/auth/me')).json.user.id;
  await addConfig(s, 'openrouter', { api_key: 'sk-or-prov-SECRET0009', base_url: mock.url('openrouter/api/v1') });
  addModel(s.id, 'openrouter', 'deepseek/deepseek-chat');	// our row says $2 / $8; OpenRouter charges $0.38 / $0.89
  const key = await gatewayKey(s);
  const r = await chat(key, { model: 'openrouter/deepseek/deepseek-chat', messages: [{ role: 'user', content: 'hello there, how are you' }] });
  assert.equal(r.status, 200, r.text);
  const charged = Math.round(r.json.usage.cost * 1e6);
  assert.ok(charged > 0);
  const row = await usageRow(rid(r));
  assert.equal(Number(row.cost_micros), charged);
  assert.notEqual(Number(row.cost_micros), costAt(r.json.usage, 2000000, 8000000));

  const st = await chat(key, { model: 'openrouter/deepseek/deepseek-chat', stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'hello there, how are you' }] });
  assert.equal(st.status, 200);
  const usage = st.text.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6))).find((e) => e.usage)?.usage;
  assert.ok(usage && usage.cost > 0, st.text);
  assert.equal(Number((await usageRow(rid(st))).cost_micros), Math.round(usage.cost * 1e6));
});
