// Two web nodes over one database (issue 16): the same traffic through both
// at once gives exactly the results of one node. Node B is a second lighttpd
// with its own FastCGI processes over the same MariaDB (lib.mjs startNode),
// so nothing one node's processes cached can stand in for the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, sql, q, gatewayKey, startNode, inOneMonth, inOneMinute } from './lib.mjs';
import { chatUser, addModel, auth, configId } from './chatlib.mjs';

const hi = [{ role: 'user', content: 'hi' }];
let nodeB;

before(async () => { nodeB = await startNode('b', 6); });
after(async () => { if (nodeB) await nodeB.stop(); });

function chatAt(base, key, body) {
  return fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: auth(key), body: JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, id: r.headers.get('x-request-id'), text: await r.text() }));
}

// Requests alternate A, B, A, B… and all run at once.
function both(n, key, body) {
  return Promise.all(Array.from({ length: n }, (_, i) => chatAt(i % 2 ? nodeB.url : BASE, key, body)));
}

test('a budget for 5 requests admits exactly 5 across both nodes; one usage row each', () => inOneMonth(async () => {
  const u = await chatUser();
  // $1/M in and out: each request reserves ~232 µ$ and costs ~201 µ$; 1160 µ$ fits exactly 5.
  addModel(u.id, 'openai', 'gpt-long', { input: 1000000, output: 1000000 });
  const key = await gatewayKey(u, { monthly_budget_usd: 0.00116 });
  const res = await both(12, key, { model: 'openai/gpt-long', messages: hi, max_tokens: 200 });
  assert.equal(res.filter((r) => r.status === 200).length, 5, res.map((r) => r.status).join());
  assert.equal(res.filter((r) => r.status !== 200 && r.status !== 402).length, 0, res.map((r) => r.status).join());
  // the period never went over its limit, and every request left one row
  const keyId = (await u.get('/api/keys')).json.keys.find((k) => key.startsWith(k.prefix)).id;
  const [[spent, reserved, limit]] = sql(`SELECT spent_micros, reserved_micros, limit_micros FROM budget_periods
    WHERE scope = 'key' AND scope_id = ${keyId}`);
  assert.ok(+spent <= +limit, `spent ${spent} > limit ${limit}`);
  assert.equal(+reserved, 0);
  const ids = res.map((r) => q(r.id)).join(',');
  assert.equal(sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE request_id IN (${ids})`)[0][0], String(res.length));
}));

test('a rate limit of 3 a minute is exact across both nodes; at once, never more than 3', () => inOneMinute(async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  const body = { model: 'openai/gpt-4o-mini', messages: hi };
  // One after another, alternating nodes: exactly 3 pass.
  const key = await gatewayKey(u, { rpm_limit: 3 });
  const seq = [];
  for (let i = 0; i < 6; i++) seq.push((await chatAt(i % 2 ? nodeB.url : BASE, key, body)).status);
  assert.deepEqual(seq, [200, 200, 200, 429, 429, 429]);
  // All at once on both nodes: the counter is incremented before it is read,
  // so a race can refuse a request that would have fitted, never admit a 4th.
  const burst = await gatewayKey(u, { rpm_limit: 3 });
  const res = await both(8, burst, body);
  const ok = res.filter((r) => r.status === 200).length;
  assert.ok(ok >= 1 && ok <= 3, res.map((r) => r.status).join());
  assert.equal(res.filter((r) => r.status !== 200 && r.status !== 429).length, 0);
}));

test('a key revoked through node A is refused by node B on its next request', async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  const key = await gatewayKey(u);
  assert.equal((await chatAt(nodeB.url, key, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200, 'B knows the key');
  const id = (await u.get('/api/keys')).json.keys.find((k) => key.startsWith(k.prefix)).id;
  assert.equal((await u.del(`/api/keys/${id}`)).status, 204);
  assert.equal((await chatAt(nodeB.url, key, { model: 'openai/gpt-4o-mini', messages: hi })).status, 401);
});

test('a provider config changed through node A applies on node B at once', async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  const body = { model: 'openai/gpt-4o-mini', messages: hi };
  assert.equal((await chatAt(nodeB.url, u.key, body)).status, 200);
  assert.equal((await u.put('/api/provider-configs/openai', { is_active: false })).status, 200);
  const off = await chatAt(nodeB.url, u.key, body);
  assert.notEqual(off.status, 200, 'B does not serve a config A turned off');
  assert.equal((await u.put('/api/provider-configs/openai', { is_active: true })).status, 200);
  assert.equal((await chatAt(nodeB.url, u.key, body)).status, 200, 'and serves it again once A turned it on');
  assert.ok(configId(u.id, 'openai'));
});
