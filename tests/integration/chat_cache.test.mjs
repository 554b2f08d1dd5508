// The chat hot path's per-process caches (src/chatcache.c) never serve stale
// data: every change below is made right after a request warmed the caches
// and must take effect on the very next request (chat.fcgi validates cached
// resolutions and provider keys against a fingerprint read with the key).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mock, sql, q, inOneMinute } from './lib.mjs';
import { chatUser, chat, addModel, configId, usageRow, until } from './chatlib.mjs';

let s;
const hi = [{ role: 'user', content: 'hi' }];
const rid = (r) => r.headers.get('x-request-id');

// Several requests, so that every chat.fcgi process has warmed its cache.
async function warm(key, body, n = 6) {
  for (let i = 0; i < n; i++) assert.equal((await chat(key, body)).status, 200);
}

before(async () => {
  s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
});

test('a used key that is revoked or expires is refused at once', async () => {
  const { gatewayKey } = await import('./lib.mjs');
  const k = await gatewayKey(s);
  await warm(k, { model: 'openai/gpt-4o-mini', messages: hi });
  const id = (await s.get('/api/keys')).json.keys.find((x) => k.startsWith(x.prefix)).id;
  assert.equal((await s.del(`/api/keys/${id}`)).status, 204);
  const r = await chat(k, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'key_revoked');

  const k2 = await gatewayKey(s);
  await warm(k2, { model: 'openai/gpt-4o-mini', messages: hi });
  sql(`UPDATE gateway_keys SET expires_at = NOW(6) - INTERVAL 1 SECOND WHERE key_hash = UNHEX(SHA2(${q(k2)}, 256))`);
  assert.equal((await chat(k2, { model: 'openai/gpt-4o-mini', messages: hi })).json.error.code, 'key_expired');
});

test('a changed base URL, provider key or deactivated config is used at once', async () => {
  const body = { model: 'openai/gpt-4o-mini', messages: hi };
  await warm(s.key, body);
  const cid = configId(s.id, 'openai');
  sql(`UPDATE user_api_providers SET base_url='http://127.0.0.1:1/v1' WHERE id=${cid}`);
  const r = await chat(s.key, body, { 'x-switchboard-timeout-ms': '1000' });
  assert.notEqual(r.status, 200, 'the old base URL must not be served from a cache');
  sql(`UPDATE user_api_providers SET base_url=${q(mock.url('openai/v1'))} WHERE id=${cid}`);
  sql(`DELETE FROM circuit_state WHERE config_id=${cid}`);
  await warm(s.key, body);

  // A new provider key (through the API) reaches the upstream on the next call.
  assert.equal((await s.put('/api/provider-configs/openai', { api_key: 'sk-prov-openai-ROTATED0009', validate: false })).status, 200);
  await mock.clear();
  assert.equal((await chat(s.key, body)).status, 200);
  const seen = await mock.requests({ model: 'gpt-4o-mini' });
  assert.equal(seen.at(-1).headers.authorization, 'Bearer sk-prov-openai-ROTATED0009');

  sql(`UPDATE user_api_providers SET is_active = 0 WHERE id=${cid}`);
  const off = await chat(s.key, body);
  assert.equal(off.status, 404, off.text);
  sql(`UPDATE user_api_providers SET is_active = 1 WHERE id=${cid}`);
});

test('new models, prices and aliases are seen at once', async () => {
  const body = { model: 'gpt-cache-x', messages: hi };
  assert.equal((await chat(s.key, body)).status, 404);
  addModel(s.id, 'openai', 'gpt-cache-x', { input: 1000000, output: 1000000 });
  await warm(s.key, body);
  sql(`UPDATE aggregator_models SET input_price = 5000000, output_price = 5000000
       WHERE user_id=${s.id} AND model_id='gpt-cache-x'`);
  const r = await chat(s.key, body);
  const row = await usageRow(rid(r));
  const tokens = Number(row.prompt_tokens) + Number(row.completion_tokens);
  assert.equal(Number(row.cost_micros), Math.floor((tokens * 5000000 + 500000) / 1000000), 'the new price is charged');

  // An alias pointed elsewhere after it was resolved wins on the next request.
  addModel(s.id, 'anthropic', 'claude-3-5-sonnet-20241022');
  assert.equal((await s.post('/api/aliases', { alias: 'cache-fast', model: 'openai/gpt-4o-mini' })).status, 201);
  await warm(s.key, { model: 'cache-fast', messages: hi });
  sql(`UPDATE model_aliases SET target_model = 'anthropic/claude-3-5-sonnet-20241022' WHERE user_id=${s.id} AND alias='cache-fast'`);
  const a = await chat(s.key, { model: 'cache-fast', messages: hi });
  assert.equal(a.status, 200, a.text);
  assert.equal((await usageRow(rid(a))).provider, 'anthropic');
  sql(`DELETE FROM model_aliases WHERE user_id=${s.id}`);
  const b = await chat(s.key, { model: 'cache-fast', messages: hi });
  assert.equal(b.status, 404, b.text);
});

test('limits set after a key was used apply to its next request', async () => {
  const { gatewayKey } = await import('./lib.mjs');
  const k = await gatewayKey(s);
  const body = { model: 'openai/gpt-4o-mini', messages: hi };
  await warm(k, body);
  const hash = `UNHEX(SHA2(${q(k)}, 256))`;
  sql(`UPDATE gateway_keys SET monthly_budget_micros = 1 WHERE key_hash = ${hash}`);
  const r = await chat(k, body);
  assert.equal(r.status, 402, r.text);
  sql(`UPDATE gateway_keys SET monthly_budget_micros = NULL, rpm_limit = 1 WHERE key_hash = ${hash}`);
  await inOneMinute(async () => {
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await chat(k, body)).status);
    assert.deepEqual(codes, [200, 429, 429]);
  });
});

test('a circuit opened by another process is honoured at once', async () => {
  const body = { model: 'openai/gpt-4o-mini', messages: hi };
  await warm(s.key, body);
  const cid = configId(s.id, 'openai');
  sql(`INSERT INTO circuit_state (config_id, failures, last_failure_at, open_until)
       VALUES (${cid}, 99, NOW(6), NOW(6) + INTERVAL 60 SECOND)
       ON DUPLICATE KEY UPDATE failures = 99, open_until = NOW(6) + INTERVAL 60 SECOND`);
  const r = await chat(s.key, body);
  assert.equal(r.status, 503, r.text);
  assert.equal(r.json.error.code, 'circuit_open');
  sql(`DELETE FROM circuit_state WHERE config_id=${cid}`);
  assert.equal((await chat(s.key, body)).status, 200);
});

// A circuit that is not plainly closed (here a failure on another model of
// the same provider, which nobody asks for again) costs the other targets
// nothing: the snapshot lists the user's circuits that are not closed, so a
// request to a closed target reads no circuit row. Counted in the general log.
test('a failing model costs the other models of its provider no circuit read', async () => {
  const body = { model: 'openai/gpt-4o-mini', messages: hi };
  const cid = configId(s.id, 'openai');
  const logged = (like) => Number(sql(`SELECT COUNT(*) FROM mysql.general_log
    WHERE command_type = 'Execute' AND argument LIKE '%${like}%'`)[0][0]);
  sql(`INSERT INTO circuit_state (config_id, model_id, failures, last_failure_at)
       VALUES (${cid}, 'gpt-other', 1, NOW(6)) ON DUPLICATE KEY UPDATE failures = 1`);
  try {
    await warm(s.key, body);
    sql("SET GLOBAL general_log = 0; TRUNCATE mysql.general_log; SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 1");
    let others;
    try {
      await warm(s.key, body, 4);
      others = logged('FROM circuit_state WHERE config_id');
      // the failing model itself is still asked about
      assert.equal((await chat(s.key, { ...body, model: 'openai/gpt-other' })).status, 200);
      assert.ok(logged('FROM circuit_state WHERE config_id') >= 1, 'the failing model\'s circuit was read');
    } finally {
      sql("SET GLOBAL general_log = 0; SET GLOBAL log_output = 'FILE'");
    }
    assert.equal(others, 0);
  } finally {
    sql(`DELETE FROM circuit_state WHERE config_id=${cid} AND model_id='gpt-other'`);
  }
});

// A warm key's identity and limits are cached as well, checked against the
// stamps on every request: each change below is made through the API (no
// hand bump) right after the key was used, and holds on the next request.
test('changes made through the API apply to a warm key at once', async () => {
  const { admin, gatewayKey } = await import('./lib.mjs');
  const a = await admin();
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  const body = { model: 'openai/gpt-4o-mini', messages: hi };
  let k = await gatewayKey(u);
  const kid = (await u.get('/api/keys')).json.keys.find((x) => k.startsWith(x.prefix)).id;
  const refused = async (status, code) => {
    const r = await chat(k, body);
    assert.equal(r.status, status, r.text);
    assert.equal(r.json.error.code, code);
  };

  await warm(k, body);
  assert.equal((await u.put(`/api/keys/${kid}`, { allowed_models: ['anthropic/claude-x'] })).status, 200);
  await refused(403, 'model_not_allowed');
  assert.equal((await u.put(`/api/keys/${kid}`, { allowed_models: null })).status, 200);

  await warm(k, body);
  assert.equal((await u.put('/api/budget', { monthly_limit_usd: 0 })).status, 200);
  await refused(402, 'budget_exceeded');
  assert.equal((await u.put('/api/budget', { monthly_limit_usd: null })).status, 200);

  await warm(k, body);
  assert.equal((await u.put(`/api/budget?key=${kid}`, { monthly_limit_usd: 0 })).status, 200);
  await refused(402, 'budget_exceeded');
  assert.equal((await u.put(`/api/budget?key=${kid}`, { monthly_limit_usd: null })).status, 200);

  await warm(k, body);
  assert.equal((await a.put(`/api/users/${u.id}/limits`, { max_concurrent: 1, rpm_limit: 1 })).status, 200);
  await inOneMinute(async () => {
    await chat(k, body);	// this minute's one request, if the warm-up's minute ended
    await refused(429, 'rate_limit_exceeded');
  });
  assert.equal((await a.put(`/api/users/${u.id}/limits`, {})).status, 200);

  await warm(k, body);
  const rot = await u.post(`/api/keys/${kid}/rotate`, { overlap_hours: 0 });
  assert.equal(rot.status, 200, rot.text);
  await refused(401, 'invalid_api_key');
  k = rot.json.secret;

  await warm(k, body);
  assert.equal((await a.put(`/api/users/${u.id}`, { is_active: false })).status, 200);
  await refused(401, 'invalid_api_key');
  assert.equal((await a.put(`/api/users/${u.id}`, { is_active: true })).status, 200);

  await warm(k, body);
  assert.equal((await a.del(`/api/users/${u.id}`)).status, 204);
  await refused(401, 'invalid_api_key');
});

test('a warm key stops working when it expires, with nothing written', async () => {
  const { gatewayKey } = await import('./lib.mjs');
  const body = { model: 'openai/gpt-4o-mini', messages: hi };
  const at = sql(`SELECT DATE_FORMAT(UTC_TIMESTAMP() + INTERVAL 8 SECOND, '%Y-%m-%dT%H:%i:%sZ')`)[0][0];
  const k = await gatewayKey(s, { expires_at: at });
  await warm(k, body, 2);
  const hash = `UNHEX(SHA2(${q(k)}, 256))`;
  await until('the key to expire', () => sql(`SELECT expires_at <= NOW(6) FROM gateway_keys WHERE key_hash = ${hash}`)[0][0] === '1');
  const r = await chat(k, body);
  assert.equal(r.status, 401, r.text);
  assert.equal(r.json.error.code, 'key_expired');
});

// Where this host does not hold the stamps lease (nodestamp.h: here it is
// taken away, as a change on another node does, and its term waited out),
// every request reads the stamps, and the stack's MariaDB answers that
// statement from its query cache (query_cache_type = DEMAND, the statement
// asks with SQL_CACHE); a change through the API still holds on the next
// request, because the write to route_stamps empties it.
test('without the lease the stamps come from the query cache, and a change still applies at once', async () => {
  const { gatewayKey } = await import('./lib.mjs');
  const body = { model: 'openai/gpt-4o-mini', messages: hi };
  const k = await gatewayKey(s);
  const kid = (await s.get('/api/keys')).json.keys.find((x) => k.startsWith(x.prefix)).id;
  const hits = () => Number(sql("SHOW GLOBAL STATUS LIKE 'Qcache_hits'")[0][1]);
  sql('UPDATE stamp_lease SET contested_until = NOW(6) + INTERVAL 600 SECOND WHERE id = 1');
  try {
    await until('the lease\'s term to pass', () =>
      sql('SELECT COALESCE(lease_until < NOW(6) - INTERVAL 1 SECOND, 1) FROM stamp_lease')[0][0] === '1');
    await warm(k, body);
    const before = hits();
    await warm(k, body, 4);
    assert.ok(hits() - before >= 4, `query cache hits: ${hits() - before} for 4 warm requests`);

    assert.equal((await s.put(`/api/keys/${kid}`, { allowed_models: ['anthropic/claude-x'] })).status, 200);
    const r = await chat(k, body);
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json.error.code, 'model_not_allowed');
  } finally {
    sql('UPDATE stamp_lease SET contested_until = NULL WHERE id = 1');
  }
});
