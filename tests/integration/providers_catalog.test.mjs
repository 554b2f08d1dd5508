// The provider catalog and each user's model catalog refuse what is not in
// them: the admin catalog refuses empty or malformed entries (names, each
// required field, base_url and the other URLs, a duplicate name before any
// field check), and favoriting a model the user has not synced is a 404, not
// a silent 200.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, newUser, mock, unique, sql } from './lib.mjs';

const KEY = () => 'sk-test-' + unique('k') + unique('');
const GOOD = () => ({ display_name: 'Acme AI', type: 'direct', api_format: 'openai', base_url: mock.url('openai/v1') });

test('catalog: an empty POST /api/providers/{name} is refused and creates nothing', async () => {
  const a = await admin();
  const name = unique('empty');
  const r = await a.post(`/api/providers/${name}`, {});
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error.type, 'validation');
  assert.match(r.json.error.message, /display_name/);
  assert.equal(sql(`SELECT COUNT(*) FROM api_providers WHERE name = '${name}'`)[0][0], '0');
  const list = await a.get('/api/providers');
  assert.ok(!list.json.providers.some((p) => p.name === name), 'not listed under available providers');
});

test('catalog: each required field is named in its own 400', async () => {
  const a = await admin();
  const cases = [
    ['display_name', 'missing_display_name'],
    ['type', 'missing_type'],
    ['api_format', 'missing_api_format'],
    ['base_url', 'missing_base_url'],
  ];
  for (const [field, code] of cases) {
    const body = GOOD();
    delete body[field];
    const r = await a.post(`/api/providers/${unique('req')}`, body);
    assert.equal(r.status, 400, field + ': ' + r.text);
    assert.equal(r.json.error.code, code, field);
    assert.match(r.json.error.message, new RegExp(field));
  }
  const blank = await a.post(`/api/providers/${unique('req')}`, { ...GOOD(), base_url: '' });
  assert.equal(blank.status, 400);
  assert.equal(blank.json.error.code, 'missing_base_url');
  const blankName = await a.post(`/api/providers/${unique('req')}`, { ...GOOD(), display_name: '' });
  assert.equal(blankName.status, 400);
});

test('catalog: base_url must be a valid http(s) URL to an allowed address', async () => {
  const a = await admin();
  for (const bad of ['ftp://example.com/v1', 'javascript:alert(1)', 'not a url', 'https://user:pw@example.com/v1',
    'https://example.com/v1?x=1', 'http://169.254.169.254/latest']) {
    const r = await a.post(`/api/providers/${unique('url')}`, { ...GOOD(), base_url: bad });
    assert.equal(r.status, 400, bad + ': ' + r.text);
    assert.match(r.json.error.code, /invalid_base_url|base_url_refused/, bad);
  }
  const docs = await a.post(`/api/providers/${unique('url')}`, { ...GOOD(), docs_url: 'javascript:alert(1)' });
  assert.equal(docs.status, 400);
  assert.equal(docs.json.error.code, 'invalid_docs_url');
  const keys = await a.post(`/api/providers/${unique('url')}`, { ...GOOD(), keys_url: 'https://x.example/"onmouseover' });
  assert.equal(keys.status, 400);
  const ok = await a.post(`/api/providers/${unique('url')}`, { ...GOOD(), base_url: 'https://api.example.com/v1', docs_url: 'https://example.com/docs?a=1' });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.base_url, 'https://api.example.com/v1');
});

test('catalog: provider names are 1-64 of [a-z0-9_-]', async () => {
  const a = await admin();
  for (const bad of ['Acme' + unique(''), 'acme.' + unique(''), 'a'.repeat(65), 'ac%20me', 'acm%C3%A9']) {
    const r = await a.post(`/api/providers/${bad}`, GOOD());
    assert.equal(r.status, 400, bad + ': ' + r.text);
    assert.equal(r.json.error.code, 'invalid_name', bad);
  }
  for (const good of ['x' + unique(''), 'my_prov-' + unique(''), 'a'.repeat(56) + unique('')]) {
    const r = await a.post(`/api/providers/${good}`, GOOD());
    assert.equal(r.status, 201, good + ': ' + r.text);
  }
  sql("DELETE FROM api_providers WHERE name = 'q'");
  assert.equal((await a.post('/api/providers/q', GOOD())).status, 201, 'one character is enough');
});

test('catalog: an existing name is a 409 before field checks; updates cannot blank base_url', async () => {
  const a = await admin();
  const name = unique('dup');
  assert.equal((await a.post(`/api/providers/${name}`, GOOD())).status, 201);
  const again = await a.post(`/api/providers/${name}`, {});
  assert.equal(again.status, 409);
  assert.equal(again.json.error.code, 'conflict');
  const blank = await a.put(`/api/providers/${name}`, { base_url: '' });
  assert.equal(blank.status, 400);
  const bad = await a.put(`/api/providers/${name}`, { base_url: 'gopher://x' });
  assert.equal(bad.status, 400);
  const fine = await a.put(`/api/providers/${name}`, { display_name: 'Acme 3' });
  assert.equal(fine.status, 200, fine.text);
  assert.equal(fine.json.base_url, mock.url('openai/v1'));
  // `custom` keeps its empty default base_url (each config supplies one).
  const custom = await a.put('/api/providers/custom', { base_url: '' });
  assert.equal(custom.status, 200, custom.text);
});

test('favorites: a model the user has not synced is a 404 with a clear message', async () => {
  const u = await newUser('fav');
  const c = await u.post('/api/provider-configs/openai', { api_key: KEY(), base_url: mock.url('openai/v1') });
  assert.equal(c.status, 201, c.text);
  const ok = await u.put('/api/models/favorites', { model: 'openai/gpt-4o-mini', favorite: true });
  assert.equal(ok.status, 200, ok.text);
  const missing = await u.put('/api/models/favorites', { model: 'openai/no-such-model-' + unique(''), favorite: true });
  assert.equal(missing.status, 404, missing.text);
  assert.equal(missing.json.error.code, 'model_not_found');
  assert.match(missing.json.error.message, /not in your catalog/);
  const noConfig = await u.put('/api/models/favorites', { model: 'anthropic/claude-3-5-sonnet-20241022', favorite: true });
  assert.equal(noConfig.status, 404, noConfig.text);
  assert.match(noConfig.json.error.message, /no provider config named 'anthropic'/);
  // Another user's synced model is not in this user's catalog either.
  const other = await newUser('fav2');
  assert.equal((await other.put('/api/models/favorites', { model: 'openai/gpt-4o-mini', favorite: true })).status, 404);
  // Removing a favorite stays possible even for a model that is gone.
  assert.equal((await u.put('/api/models/favorites', { model: 'openai/gone-model', favorite: false })).status, 200);
  const list = await u.get('/api/models?provider=openai');
  const fav = list.json.providers.flatMap((g) => g.models).filter((m) => m.favorite).map((m) => m.id);
  assert.deepEqual(fav, ['openai/gpt-4o-mini']);
});
