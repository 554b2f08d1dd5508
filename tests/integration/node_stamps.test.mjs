// The stamps lease (src/core/nodestamp.c, issue 14): the host that holds it
// counts changes in shared memory, so its warm requests ask the database for
// no stamps; a change made on another node takes the lease back and waits
// out its term before it answers, so it still applies on the very next
// request on the holder. Node B is a second lighttpd over the same MariaDB
// through TCP, which gives it a segment of its own: a node of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, sql, startNode } from './lib.mjs';
import { chatUser, addModel, auth, until } from './chatlib.mjs';

const hi = [{ role: 'user', content: 'hi' }];
const body = { model: 'openai/gpt-4o-mini', messages: hi };
let s, nodeB;

before(async () => {
  s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
  nodeB = await startNode('n2', 7, (ini) => ini.replace(/^host\s*=.*$/m, 'host = 127.0.0.1'));
});
after(async () => {
  if (nodeB) await nodeB.stop();
  sql('UPDATE stamp_lease SET contested_until = NULL WHERE id = 1');
});

function chatAt(base, key) {
  return fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: auth(key), body: JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, json: JSON.parse(await r.text()) }));
}

// s's session on any node (sessions live in the database).
function putAt(base, path, data) {
  return fetch(`${base}${path}`, { method: 'PUT', body: JSON.stringify(data),
    headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' } })
    .then((r) => r.status);
}

const holder = () => sql('SELECT COALESCE(holder, \'\'), lease_until > NOW(6) FROM stamp_lease WHERE id = 1')[0];
const stampReads = () => Number(sql(`SELECT COUNT(*) FROM mysql.general_log
  WHERE command_type = 'Execute' AND argument LIKE '%FROM route_stamps%'`)[0][0]);

// Requests to base until its host holds the lease (it takes it between
// requests, at most once a second), and four in a row then read no stamps.
async function holdAt(base, key) {
  sql('UPDATE stamp_lease SET contested_until = NULL WHERE id = 1');
  let reads;
  await until(`${base} to hold the stamps lease`, async () => {
    for (let i = 0; i < 2; i++) assert.equal((await chatAt(base, key)).status, 200);
    sql("SET GLOBAL general_log = 0; TRUNCATE mysql.general_log; SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 1");
    try {
      for (let i = 0; i < 4; i++) assert.equal((await chatAt(base, key)).status, 200);
      reads = stampReads();
    } finally {
      sql("SET GLOBAL general_log = 0; SET GLOBAL log_output = 'FILE'");
    }
    return reads === 0;
  });
  const [id, live] = holder();
  assert.equal(live, '1');
  return id;
}

test('the host that holds the stamps lease reads no stamps for warm requests', async () => {
  const id = await holdAt(BASE, s.key);
  assert.match(id, /^[0-9a-f]{32}$/);
});

test('a change on another node takes the lease back first: the holder applies it at once', async () => {
  const { gatewayKey } = await import('./lib.mjs');
  const k = await gatewayKey(s);
  const kid = (await s.get('/api/keys')).json.keys.find((x) => k.startsWith(x.prefix)).id;
  await holdAt(BASE, k);
  assert.equal(await putAt(nodeB.url, `/api/keys/${kid}`, { allowed_models: ['anthropic/claude-x'] }), 200);
  assert.equal(sql('SELECT contested_until > NOW(6) FROM stamp_lease WHERE id = 1')[0][0], '1');
  const r = await chatAt(BASE, k);
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'model_not_allowed');
});

test('the lease moves to a node that serves alone, and a change on the first still applies there at once', async () => {
  const { gatewayKey } = await import('./lib.mjs');
  const first = await holdAt(BASE, s.key);
  const k = await gatewayKey(s);
  const kid = (await s.get('/api/keys')).json.keys.find((x) => k.startsWith(x.prefix)).id;
  // BASE falls idle: its term runs out and node B takes the lease.
  const second = await holdAt(nodeB.url, k);
  assert.notEqual(second, first);
  assert.equal(await putAt(BASE, `/api/keys/${kid}`, { allowed_models: ['anthropic/claude-x'] }), 200);
  const r = await chatAt(nodeB.url, k);
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'model_not_allowed');
});
