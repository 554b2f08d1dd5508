// Providers (issue 3), security and operations: isolation between two users
// by every id and name, cloud metadata addresses refused as a base_url (even
// with private endpoints allowed), key rotation with `switchboard rotate-key`
// (and a clear error for an unknown key id), and `switchboard sync --all` with
// its lease so two runs never overlap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { newUser, sql, mock, unique, cli, http, gatewayKey } from './lib.mjs';

const KEY = () => 'sk-sec-' + unique('k') + unique('');

// A JSON error reply: status, a message, a code, and the type when given.
function assertError(res, status, type) {
  assert.equal(res.status, status, res.text);
  assert.equal(typeof res.json?.error?.message, 'string', res.text);
  assert.equal(typeof res.json.error.code, 'string', res.text);
  if (type) assert.equal(res.json.error.type, type, res.text);
}

test('isolation: a second user cannot list, read, change, sync or delete the first user\'s rows', async () => {
  const a = await newUser('isoa');
  const b = await newUser('isob');
  const ca = await a.post('/api/provider-configs/openai', { api_key: KEY(), base_url: mock.url('openai/v1') });
  assert.equal(ca.status, 201);
  const cu = await a.post('/api/provider-configs/custom', { name: 'private-llm', api_key: KEY(), base_url: mock.url('openai/v1') });
  assert.equal(cu.status, 201, cu.text);
  const al = await a.post('/api/aliases', { alias: 'secret-alias', model: 'openai/gpt-4o' });
  assert.equal(al.status, 201);
  await a.put('/api/models/favorites', { model: 'openai/gpt-4o', favorite: true });

  // List: nothing of A's.
  assert.deepEqual((await b.get('/api/provider-configs')).json.configs, []);
  assert.deepEqual((await b.get('/api/models')).json.providers, []);
  assert.ok(!(await b.get('/api/aliases')).json.aliases.some((x) => x.alias === 'secret-alias'));
  assert.equal((await b.get('/api/providers')).json.providers.find((p) => p.name === 'openai').configured, false);
  assert.deepEqual((await b.get('/api/providers/compare?model=gpt-4o')).json.offers, []);
  // By name: read, change, sync, delete.
  for (const name of ['openai', 'private-llm']) {
    assert.equal((await b.get(`/api/provider-configs/${name}`)).status, 404);
    assert.equal((await b.put(`/api/provider-configs/${name}`, { priority: 1, validate: false })).status, 404);
    assert.equal((await b.post(`/api/provider-configs/${name}/sync`, {})).status, 404);
    assert.equal((await b.del(`/api/provider-configs/${name}`)).status, 404);
  }
  // By id: alias delete; favorites need the user's own config.
  assert.equal((await b.del(`/api/aliases/${al.json.alias.id}`)).status, 404);
  assert.equal((await b.put('/api/models/favorites', { model: 'private-llm/gpt-4o', favorite: true })).status, 404);
  // A's rows are untouched.
  const mine = await a.get('/api/provider-configs');
  assert.equal(mine.json.configs.length, 2);
  assert.ok(mine.json.configs.every((c) => c.priority === 100));
  assert.ok((await a.get('/api/aliases')).json.aliases.some((x) => x.alias === 'secret-alias'));
  // B may use the same names in its own namespace.
  const cb = await b.post('/api/provider-configs/openai', { api_key: KEY(), base_url: mock.url('openai/v1') });
  assert.equal(cb.status, 201);
  assert.notEqual(cb.json.config.id, ca.json.config.id);
  const bm = await b.get('/api/models');
  assert.deepEqual(bm.json.providers.map((g) => g.config), ['openai']);
  assert.ok(bm.json.providers[0].models.length > 0);
  assert.ok(bm.json.providers[0].models.every((m) => m.favorite === false && m.aliases.length === 0));
  // Every model row carries its owner.
  const owners = sql(`SELECT DISTINCT m.user_id = c.user_id FROM aggregator_models m JOIN user_api_providers c ON c.id = m.config_id`);
  assert.deepEqual(owners, [['1']]);
});

function rotate(ini) {
  try {
    const out = execFileSync(process.env.CLI, ['rotate-key'], { env: { ...process.env, SWITCHBOARD_CONFIG: ini }, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return { status: 0, stdout: out };
  } catch (e) {
    return { status: e.status, stdout: String(e.stdout), stderr: String(e.stderr) };
  }
}

test('cloud metadata addresses are refused as base_url even with private endpoints allowed', async () => {
  const u = await newUser('meta');
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

test('rotate-key re-encrypts every key; an unknown key id is reported clearly, never a crash', async () => {
  const u = await newUser('rot');
  const r = await u.post('/api/provider-configs/openai', { api_key: KEY(), base_url: mock.url('openai/v1') });
  assert.equal(r.status, 201);
  assert.equal((await u.post('/api/alert-channels', { url: 'https://hooks.example.com/rotate' })).status, 201);
  const ini = process.env.SWITCHBOARD_CONFIG;
  const text = readFileSync(ini, 'utf8');
  const key2 = randomBytes(32).toString('hex');
  const withNew = text.replace(/current_key_id = 1/, 'current_key_id = 2').replace(/(key_1 = [0-9a-f]+)/, `$1\nkey_2 = ${key2}`);
  assert.notEqual(withNew, text);
  const iniNew = ini.replace(/\.ini$/, '.rot2.ini');
  writeFileSync(iniNew, withNew, { mode: 0o600 });
  const before = sql(`SELECT HEX(api_key_enc), HEX(key_fingerprint) FROM user_api_providers WHERE user_id = ${u.user.id}`)[0];

  const out = rotate(iniNew);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /re-encrypted under key id 2, 0 failed/);
  assert.match(out.stdout, /[1-9]\d* webhook address\(es\) re-encrypted, 0 failed/);
  assert.deepEqual(sql('SELECT DISTINCT key_id FROM user_api_providers'), [['2']]);
  assert.deepEqual(sql('SELECT DISTINCT url_key_id FROM alert_channels'), [['2']], 'webhook addresses too');
  const afterRow = sql(`SELECT HEX(api_key_enc), HEX(key_fingerprint) FROM user_api_providers WHERE user_id = ${u.user.id}`)[0];
  assert.notEqual(afterRow[0], before[0]);

  // The running server only knows key 1: a clear error, and it keeps serving.
  const s = await u.post('/api/provider-configs/openai/sync', {});
  assert.equal(s.status, 500);
  assert.equal(s.json.error.code, 'vault_unknown_key');
  assert.match(s.json.error.message, /encrypted under unknown key id 2/);
  assert.equal((await u.get('/api/provider-configs')).status, 200);

  // Rotate back with both keys present, current 1: everything works again.
  const iniBack = ini.replace(/\.ini$/, '.rot1.ini');
  writeFileSync(iniBack, text.replace(/(key_1 = [0-9a-f]+)/, `$1\nkey_2 = ${key2}`), { mode: 0o600 });
  const back = rotate(iniBack);
  assert.equal(back.status, 0, back.stderr);
  assert.deepEqual(sql('SELECT DISTINCT key_id FROM user_api_providers'), [['1']]);
  assert.deepEqual(sql('SELECT DISTINCT url_key_id FROM alert_channels'), [['1']]);
  assert.equal(sql(`SELECT HEX(key_fingerprint) FROM user_api_providers WHERE user_id = ${u.user.id}`)[0][0], before[1],
    'fingerprint recomputed under the current key');
  const s2 = await u.post('/api/provider-configs/openai/sync', {});
  assert.equal(s2.status, 200, s2.text);
  // Nothing to do now.
  const again = rotate(iniBack);
  assert.match(again.stdout, /0 key\(s\) re-encrypted/);
});

function runCli(args) {
  return new Promise((resolve) => {
    execFile(process.env.CLI, args, { encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ status: err ? err.code : 0, stdout, stderr }));
  });
}

test('sync --all syncs every active config; a second run while one holds the lease does not start', async () => {
  const u = await newUser('cron');
  const fam = unique('cron');
  await mock.setModels(fam, [{ id: 'm1', object: 'model', created: 1, owned_by: 'x' }]);
  const r = await u.post('/api/provider-configs/custom', { name: 'cronned', api_key: KEY(), base_url: mock.url(`${fam}/v1`) });
  assert.equal(r.status, 201, r.text);
  const slow = await u.post('/api/provider-configs/custom', { name: 'slowone', api_key: KEY(), base_url: mock.url('slowlist/v1'), validate: false });
  assert.equal(slow.status, 201);
  await mock.setModels(fam, [{ id: 'm1', object: 'model', created: 1, owned_by: 'x' }, { id: 'm2', object: 'model', created: 1, owned_by: 'x' }]);

  const first = runCli(['sync', '--all']);
  await new Promise((res) => setTimeout(res, 700));
  const second = await runCli(['sync', '--all']);
  assert.equal(second.status, 3, second.stdout + second.stderr);
  assert.match(second.stderr, /another `sync --all` is running/);
  const done = await first;
  assert.match(done.stdout, /\(user \d+, cronned\): \+1 ~0 -0 = 2 models/);
  assert.match(done.stdout, /slowone\): \+\d+/);
  assert.equal(sql(`SELECT COUNT(*) FROM sync_runs WHERE user_id = ${u.user.id} AND trigger_src = 'cron' AND status = 'ok'`)[0][0], '2');
  assert.deepEqual(sql("SELECT holder IS NULL FROM job_leases WHERE name = 'sync_all'"), [['1']]);
  // Runs again fine once the lease is free; bad usage is refused.
  assert.equal(cli(['sync']).status, 2);
  await u.del('/api/provider-configs/slowone');
});

// Issue 10, defect 2: a stolen session must not be able to move a stored key
// to a host of its choosing. Changing scheme, host or port needs the key.
test('moving a saved config to another endpoint needs its key; the stored key never goes there', async () => {
  const u = await newUser('move');
  const name = unique('mv');
  const made = await u.post('/api/provider-configs/custom', { name, api_key: KEY(), base_url: mock.url('openai/v1'), validate: false });
  assert.equal(made.status, 201, made.text);
  const hits = [];
  const trap = net.createServer((c) => { hits.push(1); c.destroy(); });
  await new Promise((r) => trap.listen(0, '127.0.0.1', r));
  const elsewhere = `http://127.0.0.1:${trap.address().port}/v1`;
  try {
    for (const validate of [true, false]) {
      const res = await u.put(`/api/provider-configs/${name}`, { base_url: elsewhere, validate });
      assertError(res, 400, 'validation');
      assert.equal(res.json.error.code, 'api_key_required', res.text);
    }
    const other = await u.put(`/api/provider-configs/${name}`, { base_url: mock.url('openai/v1').replace('127.0.0.1', 'localhost'), validate: false });
    assert.equal(other.json?.error?.code, 'api_key_required', 'another host name is another endpoint');
    assert.equal(hits.length, 0, 'nothing connected to the new endpoint');
    assert.equal((await u.get(`/api/provider-configs/${name}`)).json.config.base_url, mock.url('openai/v1'));
    // Same scheme, host and port, another path: no key needed.
    const path = await u.put(`/api/provider-configs/${name}`, { base_url: mock.url('custom/v1'), validate: false });
    assert.equal(path.status, 200, path.text);
    // With the key in the same request, the move is the owner's decision.
    const moved = await u.put(`/api/provider-configs/${name}`, { base_url: elsewhere, api_key: KEY(), validate: false });
    assert.equal(moved.status, 200, moved.text);
  } finally {
    trap.close();
  }
});

// Issue 10, defect 4: what an unauthenticated caller can make the server
// spend. Login and setup take small bodies only; any JSON body is refused by
// its number of values before it is parsed (a 10 MiB array was ~400 MB).
test('pre-authentication bodies are bounded: small auth bodies, a cap on JSON values', async () => {
  const big = await http('POST', '/api/auth/login', { raw: JSON.stringify({ username: 'x', password: 'y'.repeat(20000) }),
    headers: { 'content-type': 'application/json' } });
  assertError(big, 413, 'validation');
  const values = '[' + Array(150000).fill('0').join(',') + ']';
  const body = `{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"metadata":${values}}`;
  assert.ok(body.length < 1024 * 1024, 'well under the body size limit');
  const anon = await http('POST', '/v1/chat/completions', { raw: body, headers: { 'content-type': 'application/json' } });
  assert.equal(anon.status, 401, 'no key: refused before the body is read');
  const u = await newUser('cap');
  const key = await gatewayKey(u);
  const keyed = await http('POST', '/v1/chat/completions', { raw: body,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } });
  assert.equal(keyed.status, 413, keyed.text);
  assert.equal(keyed.json.error.code, 'json_too_many_values');
});
