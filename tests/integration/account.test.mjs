// Foundation: health, first-run setup, login/logout/me, CSRF, users (admin),
// gateway keys (incl. impossible or past expiry dates), and bad or hostile
// inputs answered with a clean JSON 4xx while the server keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { ADMIN, BASE, Session, admin, http, newUser, q, sql, unique, cli, gatewayKey, inOneMinute } from './lib.mjs';

function assertError(res, status, type) {
  assert.equal(res.status, status, res.text);
  assert.equal(typeof res.json?.error?.message, 'string', res.text);
  assert.equal(typeof res.json.error.code, 'string', res.text);
  if (type) assert.equal(res.json.error.type, type, res.text);
}

test('health reports the database and schema', async () => {
  const res = await http('GET', '/api/health');
  assert.equal(res.status, 200);
  assert.equal(res.json.status, 'ok');
  assert.equal(res.json.db, 'ok');
  assert.ok(res.json.schema_version >= 11);
  assert.match(res.json.version, /^\d+\.\d+\.\d+$/);
  assert.match(res.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
});

test('first-run setup creates one admin, then answers 409', async () => {
  const s = await admin();
  assert.equal(s.user.role, 'admin');
  const st = await http('GET', '/api/auth/setup');
  assert.equal(st.json.setup_required, false);
  const again = await http('POST', '/api/auth/setup', { body: { username: unique('x'), password: 'password123' } });
  assert.equal(again.status, 409);
  assert.equal(again.json.error.type, 'validation');
});

test('login sets a hardened session cookie and returns a CSRF token', async () => {
  const res = await http('POST', '/api/auth/login', { body: ADMIN });
  assert.equal(res.status, 200);
  assert.equal(res.json.user.username, 'admin');
  assert.match(res.json.csrf_token, /^[0-9a-f]{64}$/);
  const c = res.headers.get('set-cookie');
  assert.match(c, /sb_session=[0-9a-f]{64}/);
  assert.match(c, /HttpOnly/);
  assert.match(c, /SameSite=Strict/);
  assert.doesNotMatch(c, /Secure/);  // plain http here
  const token = /sb_session=([0-9a-f]{64})/.exec(c)[1];
  const stored = sql(`SELECT COUNT(*) FROM sessions WHERE token_hash = UNHEX(${q(token)})`);
  assert.equal(stored[0][0], '0', 'the raw token is never stored');
  const hashed = sql(`SELECT COUNT(*) FROM sessions WHERE token_hash = UNHEX(SHA2(${q(token)}, 256))`);
  assert.equal(hashed[0][0], '1', 'only its hash is');
});

test('me, logout, and the session is gone after logout', async () => {
  const s = await admin();
  const me = await s.get('/api/auth/me');
  assert.equal(me.status, 200);
  assert.equal(me.json.user.username, 'admin');
  const old = s.cookie;
  const out = await s.post('/api/auth/logout');
  assert.equal(out.status, 204);
  const after = await http('GET', '/api/auth/me', { headers: { cookie: old } });
  assert.equal(after.status, 401);
  assert.equal(after.json.error.type, 'auth');
});

test('wrong password is 401 and repeated failures are throttled with Retry-After', async () => {
  const u = await newUser('throttle');
  let res;
  for (let i = 0; i < 5; i++) {
    res = await http('POST', '/api/auth/login', { body: { username: u.user.username, password: 'wrong-password' } });
    assert.equal(res.status, 401);
    assert.equal(res.json.error.code, 'invalid_credentials');
  }
  res = await http('POST', '/api/auth/login', { body: { username: u.user.username, password: u.password } });
  assert.equal(res.status, 429);
  assert.equal(res.json.error.type, 'rate_limit');
  assert.ok(Number(res.headers.get('retry-after')) > 0);
});

// Issue 10, defect 7: "Admin", "ADMIN " and "admin" are one name to the
// database, so they are one throttle bucket, not three.
test('login throttling counts case and trailing-space variants of a name together', async () => {
  const u = await newUser('Variant');
  const name = u.user.username;
  const variants = [name.toUpperCase(), name + ' ', name.toLowerCase(), name.toUpperCase() + '  ', name];
  for (const v of variants) {
    const res = await http('POST', '/api/auth/login', { body: { username: v, password: 'wrong-password' } });
    assert.equal(res.status, 401, `${JSON.stringify(v)}: ${res.text}`);
  }
  const res = await http('POST', '/api/auth/login', { body: { username: name, password: u.password } });
  assert.equal(res.status, 429, 'five failures across the variants throttle the name');
});

test('state-changing requests without the CSRF token are refused with 403', async () => {
  const s = await admin();
  const res = await s.post('/api/keys', { name: 'no-csrf' }, { csrf: false });
  assert.equal(res.status, 403);
  assert.equal(res.json.error.code, 'csrf_failed');
  const wrong = await s.post('/api/keys', { name: 'bad-csrf' }, { csrf: false, headers: { 'x-csrf-token': 'f'.repeat(64) } });
  assert.equal(wrong.status, 403);
});

test('admin manages users; ordinary users cannot', async () => {
  const a = await admin();
  const name = unique('bob');
  const created = await a.post('/api/users', { username: name, password: 'bob-password-1', role: 'user' });
  assert.equal(created.status, 201);
  assert.equal(created.json.user.role, 'user');
  const dup = await a.post('/api/users', { username: name, password: 'bob-password-1' });
  assert.equal(dup.status, 409);
  const list = await a.get('/api/users');
  assert.ok(list.json.users.some((u) => u.username === name));
  const bob = await new Session().login(name, 'bob-password-1');
  assert.equal((await bob.get('/api/users')).status, 403);
  assert.equal((await bob.post('/api/users', { username: unique('m'), password: 'password123' })).status, 403);
  const id = created.json.user.id;
  const upd = await a.put(`/api/users/${id}`, { role: 'admin' });
  assert.equal(upd.json.user.role, 'admin');
  const dis = await a.put(`/api/users/${id}`, { is_active: false });
  assert.equal(dis.json.user.is_active, false);
  assert.equal((await bob.get('/api/auth/me')).status, 401, 'disabling ends sessions');
  assert.equal((await a.del(`/api/users/${id}`)).status, 204);
  assert.equal((await a.del(`/api/users/${id}`)).status, 404);
  assert.equal((await a.del(`/api/users/${a.user.id}`)).status, 409, 'cannot delete yourself');
});

test('gateway keys: secret once, hash at rest, revoke, isolation', async () => {
  const u = await newUser('keys');
  const res = await u.post('/api/keys', { name: 'ci', monthly_budget_usd: 12.5, rpm_limit: 60,
    allowed_models: ['openai/gpt-4o-mini'], expires_at: '2099-01-01' });
  assert.equal(res.status, 201);
  const { key, secret } = res.json;
  assert.match(secret, /^sk-sb-[A-Za-z0-9_-]{43}$/);
  assert.equal(key.prefix, secret.slice(0, 10));
  assert.equal(key.monthly_budget_usd, 12.5);
  assert.equal(key.rpm_limit, 60);
  assert.deepEqual(key.allowed_models, ['openai/gpt-4o-mini']);
  assert.equal(key.expires_at, '2099-01-01T23:59:59Z');
  assert.equal(key.month_cost_usd, 0);
  const rows = sql(`SELECT COUNT(*) FROM gateway_keys WHERE key_hash = UNHEX(SHA2(${q(secret)}, 256))`);
  assert.equal(rows[0][0], '1');
  assert.equal(sql(`SELECT COUNT(*) FROM gateway_keys WHERE prefix LIKE ${q(secret.slice(0, 10) + '%')} AND name = 'ci' AND HEX(key_hash) LIKE '%${Buffer.from(secret).toString('hex').toUpperCase()}%'`)[0][0], '0');
  const list = await u.get('/api/keys');
  assert.equal(list.json.keys.length, 1);
  assert.ok(!JSON.stringify(list.json).includes(secret), 'the secret is never listed');
  const other = await newUser('other');
  assert.equal((await other.get('/api/keys')).json.keys.length, 0);
  assert.equal((await other.del(`/api/keys/${key.id}`)).status, 404, 'cannot revoke another user\'s key');
  assert.equal((await u.del(`/api/keys/${key.id}`)).status, 204);
  const after = await u.get('/api/keys');
  assert.ok(after.json.keys[0].revoked_at);
});

test('key validation: bad budget, bad date, bad models', async () => {
  const u = await newUser('kv');
  for (const body of [{}, { name: '' }, { name: 'x', monthly_budget_usd: -1 }, { name: 'x', monthly_budget_usd: '1.1234567' },
    { name: 'x', expires_at: 'tomorrow' }, { name: 'x', allowed_models: 'gpt' }, { name: 'x', allowed_models: [1] },
    { name: 'x', rpm_limit: 0 }, { name: 'x', rpm_limit: 1.5 }, { name: 'x'.repeat(101) }]) {
    const res = await u.post('/api/keys', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.json.error.type, 'validation');
  }
});

test('a gateway key with an impossible calendar date is a 400, not a database error', async () => {
  const u = await newUser('keyexp');
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
  const u = await newUser('keyexp');
  for (const expires_at of ['2020-01-01', '2001-06-01T00:00:00Z']) {
    const res = await u.post('/api/keys', { name: unique('k'), expires_at });
    assertError(res, 400, 'validation');
    assert.match(res.json.error.message, /past/);
  }
  const keys = await u.get('/api/keys');
  assert.equal(keys.json.keys.length, 0, 'nothing was stored');
});

test('bad inputs get a clean 4xx and the server keeps serving', async () => {
  const cases = [
    ['missing fields', { body: {} }, 400],
    ['wrong types', { body: { username: 5, password: true } }, 400],
    ['not json', { raw: '{"username":', headers: { 'content-type': 'application/json' } }, 400],
    ['array body', { body: [1, 2] }, 400],
    ['deep json', { raw: '['.repeat(5000) + ']'.repeat(5000), headers: { 'content-type': 'application/json' } }, 400],
    ['sql injection', { body: { username: "admin' OR '1'='1", password: "' OR 1=1 -- pw" } }, 401],
    ['long username', { body: { username: 'a'.repeat(10000), password: 'x' } }, 400],
  ];
  for (const [name, opts, want] of cases) {
    const res = await http('POST', '/api/auth/login', opts);
    assert.equal(res.status, want, name);
    assert.ok(res.json?.error?.message, `${name}: error shape`);
    assert.ok(['validation', 'auth'].includes(res.json.error.type), name);
  }
  const big = await http('POST', '/api/auth/login', { raw: 'x'.repeat(11 * 1024 * 1024), headers: { 'content-type': 'application/json' } });
  assert.equal(big.status, 413);
  assert.equal((await http('GET', '/api/nope')).status, 404);
  assert.equal((await http('DELETE', '/api/health')).status, 405);
  assert.equal((await http('GET', '/api/health')).status, 200, 'still serving');
});

test('expired sessions are refused', async () => {
  const u = await newUser('exp');
  sql(`UPDATE sessions SET expires_at = NOW(6) - INTERVAL 1 SECOND WHERE user_id = ${Number(u.user.id)}`);
  const res = await u.get('/api/auth/me');
  assert.equal(res.status, 401);
});

test('CLI: user add and check', async () => {
  const name = unique('cli');
  const add = cli(['user', 'add', name, '--admin'], 'cli-password-123\n');
  assert.equal(add.status, 0, add.stderr);
  await new Session().login(name, 'cli-password-123');
  const chk = cli(['check']);
  assert.equal(chk.status, 0, chk.stdout);
  assert.match(chk.stdout, /configuration OK/);
});

test('gateway key cannot manage the account', async () => {
  const u = await newUser('gk');
  const secret = await gatewayKey(u);
  const res = await http('GET', '/api/keys', { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(res.status, 401);
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

// Issue 10, defect 7: a password reset ends the user's sessions; deleting a
// user takes their keys, sealed provider keys and budgets with them.
test('a password reset by an admin logs the user out everywhere', async () => {
  const a = await admin();
  const u = await newUser('reset');
  const other = await new Session().login(u.user.username, u.password);
  assert.equal((await u.get('/api/auth/me')).status, 200);
  const set = await a.put(`/api/users/${u.user.id}`, { password: 'a-brand-new-password-1' });
  assert.equal(set.status, 200, set.text);
  assert.equal((await u.get('/api/auth/me')).status, 401, 'the old session is gone');
  assert.equal((await other.get('/api/auth/me')).status, 401, 'and every other one');
  assert.equal((await new Session().post('/api/auth/login', { username: u.user.username, password: u.password })).status, 401);
  await new Session().login(u.user.username, 'a-brand-new-password-1');
});

test('one\'s own new password keeps one\'s session (with a new CSRF token) and ends the others', async () => {
  const u = await newUser('self');
  const a = await admin();
  assert.equal((await a.put(`/api/users/${u.user.id}`, { role: 'admin' })).status, 200);
  const me = await new Session().login(u.user.username, u.password);
  const elsewhere = await new Session().login(u.user.username, u.password);
  const res = await me.put(`/api/users/${u.user.id}`, { password: 'my-own-new-password-2' });
  assert.equal(res.status, 200, res.text);
  assert.equal(typeof res.json.csrf_token, 'string');
  assert.equal((await me.get('/api/auth/me')).status, 200, 'still logged in here');
  assert.equal((await me.post('/api/keys', { name: unique('k') })).status, 201, 'with the new CSRF token');
  assert.equal((await elsewhere.get('/api/auth/me')).status, 401);
});

test('deleting a user deletes their keys, provider configs and budgets', async () => {
  const a = await admin();
  const u = await newUser('gone');
  const me = await u.get('/api/auth/me');
  const id = me.json.user.id;
  const key = await gatewayKey(u, { monthly_budget_usd: 5 });
  assert.equal((await u.post('/api/provider-configs/openai', { api_key: 'sk-gone-user-key-0001', validate: false })).status, 201);
  assert.equal((await u.put('/api/budget', { monthly_limit_usd: 3 })).status, 200);
  assert.equal((await a.del(`/api/users/${id}`)).status, 204);
  for (const t of ['gateway_keys', 'user_api_providers', 'user_budgets', 'sessions']) {
    assert.equal(sql(`SELECT COUNT(*) FROM ${t} WHERE user_id = ${id}`)[0][0], '0', t);
  }
  const r = await http('POST', '/v1/chat/completions', { body: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    headers: { authorization: `Bearer ${key}` } });
  assert.equal(r.status, 401);
});

// Issue 10, defect 7: login CSRF. A cross-site page can POST a text/plain
// body that is JSON without a preflight; such requests are refused.
test('login refuses non-JSON bodies and cross-site origins; HSTS under HTTPS', async () => {
  const body = JSON.stringify({ username: ADMIN.username, password: ADMIN.password });
  const plain = await http('POST', '/api/auth/login', { raw: body, headers: { 'content-type': 'text/plain' } });
  assert.equal(plain.status, 415, plain.text);
  const none = await http('POST', '/api/auth/login', { raw: body });
  assert.equal(none.status, 415, none.text);
  const evil = await http('POST', '/api/auth/login', { raw: body,
    headers: { 'content-type': 'application/json', origin: 'https://evil.example' } });
  assert.equal(evil.status, 403, evil.text);
  assert.equal(evil.json.error.code, 'cross_site');
  const fetchSite = await http('POST', '/api/auth/login', { raw: body,
    headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' } });
  assert.equal(fetchSite.status, 403);
  const own = await http('POST', '/api/auth/login', { raw: body,
    headers: { 'content-type': 'application/json', origin: new URL(BASE).origin, 'sec-fetch-site': 'same-origin' } });
  assert.equal(own.status, 200, own.text);
  assert.equal(own.headers.get('strict-transport-security'), null, 'plain HTTP: no HSTS');
});

// Issue 9: a bad value of any section is refused at load, and
// `switchboard check` names it instead of printing "configuration OK".
test('switchboard check refuses a bad [chat] setting and names it', () => {
  const bad = `${process.env.VAR}/switchboard.badchat.ini`;
  writeFileSync(bad, readFileSync(process.env.SWITCHBOARD_CONFIG, 'utf8') + '\n[chat]\nroute_cache_s = 61\n');
  const out = cli(['check'], '', { SWITCHBOARD_CONFIG: bad });
  assert.notEqual(out.status, 0);
  assert.match(out.stderr + out.stdout, /\[chat\] route_cache_s/);
  assert.doesNotMatch(out.stdout, /configuration OK/i);
});

// Issue 15: a key's name, limits, allowed models and expiry change after
// creation (null lifts a limit); its secret stays the same and keeps working.
test('a gateway key is edited after creation', async () => {
  const u = await newUser('keyedit');
  const created = await u.post('/api/keys', { name: 'before', rpm_limit: 60 });
  assert.equal(created.status, 201, created.text);
  const { key, secret } = created.json;
  let r = await u.put(`/api/keys/${key.id}`, { name: 'after', rpm_limit: 5, monthly_budget_usd: 2.5,
    max_concurrent: 3, allowed_models: ['openai/*'], expires_at: '2099-01-31' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.key.name, 'after');
  assert.equal(r.json.key.rpm_limit, 5);
  assert.equal(r.json.key.monthly_budget_usd, 2.5);
  assert.equal(r.json.key.max_concurrent, 3);
  assert.deepEqual(r.json.key.allowed_models, ['openai/*']);
  assert.match(r.json.key.expires_at, /^2099-01-31T23:59:59Z$/);
  r = await u.put(`/api/keys/${key.id}`, { rpm_limit: null, allowed_models: null, expires_at: null });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.key.rpm_limit, null);
  assert.equal(r.json.key.allowed_models, null);
  assert.equal(r.json.key.expires_at, null);
  assert.equal(r.json.key.name, 'after', 'fields not sent stay');
  assert.equal(r.json.key.max_concurrent, 3);
  assertError(await u.put(`/api/keys/${key.id}`, { rpm_limit: 0 }), 400);
  assertError(await u.put(`/api/keys/${key.id}`, { name: null }), 400);
  const other = await newUser('keyedit-other');
  assertError(await other.put(`/api/keys/${key.id}`, { name: 'stolen' }), 404);
  const models = await http('GET', '/v1/models', { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(models.status, 200, 'the secret still works');
  assert.equal((await u.del(`/api/keys/${key.id}`)).status, 204);
  assertError(await u.put(`/api/keys/${key.id}`, { name: 'revoked' }), 404);
});

// Issue 15: an admin sets a user's rate limits (not SQL); they apply to the
// user's next request, over all of their keys.
test('an admin sets per-user limits', async () => {
  const s = await admin();
  const u = await newUser('limits');
  const me = await u.get('/api/auth/me');
  const id = me.json.user.id;
  let r = await s.get(`/api/users/${id}/limits`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { user_id: id, rpm_limit: null, tpm_limit: null, max_concurrent: null });
  r = await s.put(`/api/users/${id}/limits`, { rpm_limit: 1, max_concurrent: 4 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.rpm_limit, 1);
  assert.equal(r.json.max_concurrent, 4);
  assertError(await s.put(`/api/users/${id}/limits`, { rpm_limit: 0 }), 400);
  assertError(await u.put(`/api/users/${id}/limits`, { rpm_limit: 100 }), 403);
  assertError(await s.get('/api/users/999999999/limits'), 404);
  const { chatUser } = await import('./chatlib.mjs');
  const c = await chatUser();
  assert.equal((await s.put(`/api/users/${c.id}/limits`, { rpm_limit: 1 })).status, 200);
  const ask = () => http('POST', '/v1/chat/completions', { headers: { authorization: `Bearer ${c.key}` },
    body: { model: 'anthropic/claude-3-5-sonnet-20241022', messages: [{ role: 'user', content: 'x' }] } });
  // Both requests in one rate window (a retry takes a fresh minute).
  await inOneMinute(async () => {
    sql(`DELETE FROM rate_windows WHERE scope = 'user' AND scope_id = ${c.id}`);
    const first = await ask();
    const second = await ask();
    assert.equal(first.status, 200, first.text);
    assert.equal(second.status, 429, 'one request per minute for this user');
  });
  r = await s.put(`/api/users/${id}/limits`, { rpm_limit: null });
  assert.equal(r.json.rpm_limit, null);
  assert.equal(r.json.max_concurrent, null, 'fields not sent are lifted too: the body is the whole set');
});

// Rotation with an overlap (issue 15): the key gets a new secret; the old one
// keeps working for the overlap (for chat and for the other key routes),
// then stops; with no overlap it stops at once.
test('a gateway key is rotated with an overlap, then the old secret stops', async () => {
  const { chatUser, addModel, auth } = await import('./chatlib.mjs');
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  const old = await gatewayKey(u, { name: 'rotating', rpm_limit: 1000 });
  const chat = (key) => fetch(`${BASE}/v1/chat/completions`, { method: 'POST', headers: auth(key),
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) }).then((r) => r.status);
  const models = (key) => fetch(`${BASE}/v1/models`, { headers: auth(key) }).then((r) => r.status);
  const id = (await u.get('/api/keys')).json.keys.find((k) => old.startsWith(k.prefix)).id;

  assert.equal((await u.post(`/api/keys/${id}/rotate`, { overlap_hours: 500 })).status, 400);
  const r = await u.post(`/api/keys/${id}/rotate`, { overlap_hours: 2 });
  assert.equal(r.status, 200, r.text);
  const fresh = r.json.secret;
  assert.match(fresh, /^sk-sb-/);
  assert.notEqual(fresh, old);
  assert.equal(r.json.key.id, id);
  assert.equal(r.json.key.rpm_limit, 1000, 'its limits stay');
  assert.ok(fresh.startsWith(r.json.key.prefix));
  assert.ok(Date.parse(r.json.previous_valid_until) > Date.now());
  for (const key of [fresh, old]) {
    assert.equal(await chat(key), 200);
    assert.equal(await models(key), 200);
  }
  // The overlap ends (as if two hours had passed): the old secret stops.
  sql(`UPDATE gateway_keys SET prev_expires_at = NOW(6) - INTERVAL 1 SECOND WHERE id = ${id}`);
  assert.equal(await chat(old), 401);
  assert.equal(await models(old), 401);
  assert.equal(await chat(fresh), 200);
  // No overlap: the secret before stops at once.
  const again = await u.post(`/api/keys/${id}/rotate`, { overlap_hours: 0 });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.previous_valid_until, null);
  assert.equal(await chat(fresh), 401);
  assert.equal(await chat(again.json.secret), 200);
  // Rows of every secret stay on the one key.
  assert.equal(sql(`SELECT COUNT(DISTINCT gateway_key_id) FROM aggregator_usage_logs WHERE gateway_key_id = ${id}`)[0][0], '1');
  // Someone else's key, or a revoked one: 404.
  const other = await newUser('rot');
  assert.equal((await other.post(`/api/keys/${id}/rotate`, {})).status, 404);
  assert.equal((await u.del(`/api/keys/${id}`)).status, 204);
  assert.equal((await u.post(`/api/keys/${id}/rotate`, {})).status, 404);
});
