// Admin API tokens and the audit log (issue 15): a token is shown once,
// stored hashed, used as "Authorization: Bearer" on the management API
// without a session or CSRF token, within its scopes (a read-only reports
// token cannot create a key: 403); every management write by session or
// token leaves an audit row, never a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, newUser, sql, BASE } from './lib.mjs';

const call = (token, method, path, body) => fetch(`${BASE}${path}`, { method,
  headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
  body: body ? JSON.stringify(body) : undefined }).then(async (r) => ({ status: r.status, text: await r.text() }));

test('admin API tokens: scopes, no session or CSRF, revocation; the audit log records who did what', async () => {
  const a = await admin();
  const u = await newUser('tok');
  assert.equal((await u.post('/api/admin/tokens', { name: 'x', scopes: ['reports'] })).status, 403, 'admins only');
  assert.equal((await a.post('/api/admin/tokens', { name: 'x', scopes: ['everything'] })).status, 400);

  const rep = await a.post('/api/admin/tokens', { name: 'reports-bot', scopes: ['reports'] });
  assert.equal(rep.status, 201, rep.text);
  const reports = rep.json.secret;
  assert.match(reports, /^sb-adm-/);
  assert.deepEqual(rep.json.token.scopes, ['reports']);
  assert.ok(reports.startsWith(rep.json.token.prefix));
  const list = await a.get('/api/admin/tokens');
  assert.ok(list.json.tokens.some((t) => t.name === 'reports-bot'));
  assert.ok(!list.text.includes(reports), 'the secret is never listed');
  assert.equal(sql(`SELECT COUNT(*) FROM admin_tokens WHERE token_hash = UNHEX(SHA2('${reports}', 256))`)[0][0], '1', 'stored hashed');

  assert.equal((await call(reports, 'GET', '/api/usage/summary?range=all')).status, 200);
  const denied = await call(reports, 'POST', '/api/keys', { name: 'nope' });
  assert.equal(denied.status, 403, 'a read-only token cannot create a key');
  assert.equal(JSON.parse(denied.text).error.code, 'token_scope');
  assert.equal((await call(reports, 'GET', '/api/keys')).status, 403);
  assert.equal((await call(reports, 'GET', '/api/auth/me')).status, 403, 'session routes are not for tokens');

  const kt = (await a.post('/api/admin/tokens', { name: 'keys-bot', scopes: ['keys', 'users'] })).json;
  const made = await call(kt.secret, 'POST', '/api/keys', { name: 'made-by-token' });
  assert.equal(made.status, 201, made.text);
  const keyId = JSON.parse(made.text).key.id;
  assert.equal((await call(kt.secret, 'DELETE', `/api/keys/${keyId}`)).status, 204);
  assert.equal((await call(kt.secret, 'GET', '/api/users')).status, 200);
  assert.equal((await call(kt.secret, 'POST', '/api/admin/tokens', { name: 'y', scopes: ['keys'] })).status, 403, 'tokens never make tokens');
  assert.equal((await call(kt.secret, 'POST', '/v1/chat/completions', { model: 'x', messages: [] })).status, 401, 'not a gateway key');

  assert.equal((await a.del(`/api/admin/tokens/${rep.json.token.id}`)).status, 204);
  assert.equal((await call(reports, 'GET', '/api/usage/summary?range=all')).status, 401, 'revoked');

  const audit = await a.get('/api/admin/audit?limit=50');
  assert.equal(audit.status, 200, audit.text);
  const e = audit.json.entries;
  const find = (pred) => e.find(pred);
  assert.ok(find((x) => x.via === 'token' && x.token_id === kt.token.id && x.method === 'POST' && x.path === '/api/keys' && x.status === 201),
    'the key made by a token');
  assert.ok(find((x) => x.via === 'token' && x.method === 'POST' && x.path === '/api/keys' && x.status === 403), 'the refused attempt');
  assert.ok(find((x) => x.via === 'session' && x.method === 'POST' && x.path === '/api/admin/tokens' && x.status === 201 &&
    x.username === 'admin'), 'the token made by a session');
  assert.ok(find((x) => x.method === 'DELETE' && x.path === `/api/admin/tokens/${rep.json.token.id}` && x.status === 204));
  assert.ok(e.every((x) => x.request_id && x.at && x.address), 'when, from where, which request');
  assert.ok(!audit.text.includes('sb-adm-') && !audit.text.includes('sk-sb-'), 'never a secret');
  assert.equal((await u.get('/api/admin/audit')).status, 403);
});
