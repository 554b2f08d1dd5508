// Regressions for defects found by the outside-review pass: gateway-key expiry
// dates that are impossible or already past, cloud metadata addresses as a
// provider base_url (refused even with allow_private_endpoints), and a sweep
// of hostile bodies over the account and provider endpoints that must each get
// a clean JSON 4xx while the server keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, http, newUser, unique } from './lib.mjs';

function assertError(res, status, type) {
  assert.equal(res.status, status, res.text);
  assert.equal(typeof res.json?.error?.message, 'string', res.text);
  assert.equal(typeof res.json.error.code, 'string', res.text);
  if (type) assert.equal(res.json.error.type, type, res.text);
}

test('a gateway key with an impossible calendar date is a 400, not a database error', async () => {
  const u = await newUser('qaexp');
  for (const expires_at of ['2031-02-31', '2031-04-31T10:00:00Z', '2030-02-29']) {
    const res = await u.post('/api/keys', { name: unique('k'), expires_at });
    assertError(res, 400, 'validation');
    assert.equal(res.json.error.code, 'invalid_value');
  }
  const leap = await u.post('/api/keys', { name: unique('k'), expires_at: '2032-02-29' });
  assert.equal(leap.status, 201, leap.text);
  assert.equal(leap.json.key.expires_at, '2032-02-29T23:59:59Z');
});

test('a gateway key that would be born expired is refused', async () => {
  const u = await newUser('qaexp');
  for (const expires_at of ['2020-01-01', '2001-06-01T00:00:00Z']) {
    const res = await u.post('/api/keys', { name: unique('k'), expires_at });
    assertError(res, 400, 'validation');
    assert.match(res.json.error.message, /past/);
  }
  const keys = await u.get('/api/keys');
  assert.equal(keys.json.keys.length, 0, 'nothing was stored');
});

test('cloud metadata addresses are refused as base_url even with private endpoints allowed', async () => {
  const u = await newUser('qameta');
  for (const base_url of ['http://169.254.169.254/latest', 'http://169.254.170.2/v2', 'http://[fd00:ec2::254]/v1']) {
    const t = await u.post('/api/providers/openai/test', { api_key: 'sk-qa-meta-1234', base_url });
    if (t.status === 200) {
      assert.equal(t.json.ok, false, t.text);
      assert.equal(t.json.error.code, 'base_url_refused', t.text);
    } else {
      assertError(t, 400, 'validation');
      assert.equal(t.json.error.code, 'base_url_refused');
    }
    const c = await u.post('/api/provider-configs/custom',
      { name: unique('meta'), api_key: 'sk-qa-meta-1234', base_url, validate: false });
    assertError(c, 400, 'validation');
    assert.equal(c.json.error.code, 'base_url_refused');
  }
  const list = await u.get('/api/provider-configs');
  assert.equal(list.json.configs.length, 0);
});

test('hostile bodies on account and provider endpoints get JSON 4xx and the server keeps serving', async () => {
  const a = await admin();
  const deep = '['.repeat(20000) + ']'.repeat(20000);
  const bodies = ['', '{', 'null', '[]', '"s"', '7', deep, '{"a":1e999999}',
    '{"username":["a"],"password":{"x":1},"name":{"n":1},"api_key":[1]}',
    `{"name":"' OR 1=1 -- ","api_key":"x'; DROP TABLE users; --","alias":"../../x","model":"../../etc"}`,
    '{"monthly_budget_usd":-1,"rpm_limit":1e30,"expires_at":"garbage","priority":"high"}',
    JSON.stringify({ name: 'x'.repeat(70000), username: '\u0000admin', password: '\ud800' })];
  const routes = [['POST', '/api/auth/login'], ['POST', '/api/users'], ['PUT', '/api/users/999999'],
    ['POST', '/api/keys'], ['POST', '/api/providers/openai/test'], ['POST', '/api/provider-configs/custom'],
    ['PUT', '/api/provider-configs/nosuch'], ['PUT', '/api/models/favorites'], ['POST', '/api/aliases']];
  for (const [method, path] of routes) {
    for (const raw of bodies) {
      const res = await a.request(method, path, { raw, headers: { 'content-type': 'application/json' } });
      // Text that merely looks like SQL is a legal key name: no 5xx, and every 4xx in our shape.
      assert.ok(res.status < 500, `${method} ${path} ${raw.slice(0, 40)} → ${res.status} ${res.text.slice(0, 200)}`);
      if (res.status >= 400) assert.equal(typeof res.json?.error?.message, 'string', `${method} ${path}: ${res.text.slice(0, 200)}`);
      else assert.ok(res.json && typeof res.json === 'object', res.text.slice(0, 200));
    }
  }
  for (const id of ['0', '-1', '99999999999999999999999', 'abc', '1%27%20OR%201=1', '1.5']) {
    for (const [method, path] of [['DELETE', `/api/keys/${id}`], ['DELETE', `/api/users/${id}`],
      ['DELETE', `/api/aliases/${id}`], ['GET', `/api/provider-configs/${id}`]]) {
      const res = await a.request(method, path);
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${path} → ${res.status} ${res.text}`);
      assert.equal(typeof res.json?.error?.code, 'string', `${method} ${path}: ${res.text}`);
    }
  }
  assert.equal((await a.get('/api/users')).status, 200, 'the users table survived');
  const h = await http('GET', '/api/health');
  assert.equal(h.status, 200);
});
