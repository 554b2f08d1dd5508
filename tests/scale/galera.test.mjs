// Two web nodes over a three-node Galera cluster (make test-scale: the test
// stack runs with DB_CLUSTER=galera, scripts/galera.sh). Every program is
// given all three database hosts, node 1 first, so every write goes to node 1
// while it lives. Node 1 is killed with -9 under mixed traffic through both
// web nodes: clients get their answer or a clean 503, the programs move to
// node 2 without a restart, no usage row is lost or doubled (checked by
// request id against what the clients saw), no budget is overspent; node 1
// restarted rejoins by incremental transfer and all three nodes agree.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { BASE, cli, gatewayKey, inOneMonth, newUser, sql, startNode } from '../integration/lib.mjs';
import { chatUser, addModel, auth } from '../integration/chatlib.mjs';
import { generateRows, toSql, sqlTime } from '../integration/usagegen.mjs';

const P = Number(process.env.GALERA_PORT);
const DAY = 86400000;
// The programs' config with the database hosts in another order.
const hostsFirst = (n) => (ini) => ini.replace(/^host = .*$/m,
  `host = ${[n, ...[1, 2, 3].filter((m) => m !== n)].map((m) => `127.0.0.1:${P + m}`).join(', ')}`);

const galera = (...args) => execFileSync(`${process.env.ROOT}/scripts/galera.sh`, args.map(String),
  { encoding: 'utf8', env: process.env });

// Rows of a query on node n, after it has applied every earlier commit.
function nodeSql(n, query) {
  return galera('sql', n, `SET SESSION wsrep_sync_wait = 1; ${query}`)
    .split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

async function waitFor(what, fn, ms = 60000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let nodeB;
before(async () => { nodeB = await startNode('b', 6); });
after(async () => { if (nodeB) await nodeB.stop(); });

function chatAt(base, key, body) {
  return fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: auth(key), body: JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, text: await r.text() }));
}

// Conflicts Galera resolves at commit (1213) happen only when two nodes
// write the same row at once: a web node whose config lists node 2 first
// makes that happen on the budget row; the statements are retried.
test('writes to two nodes at once: conflicts retried, a budget for 5 admits exactly 5', (t) => inOneMonth(async () => {
  const nodeC = await startNode('c', 7, hostsFirst(2));
  try {
    const conflicts = () => [1, 2, 3].reduce((sum, n) => sum + nodeSql(n, `SELECT SUM(VARIABLE_VALUE)
      FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('WSREP_LOCAL_CERT_FAILURES', 'WSREP_LOCAL_BF_ABORTS')`)
      .reduce((a, [v]) => a + Number(v), 0), 0);
    const before = conflicts();
    const u = await chatUser();
    // $1/M in and out: each request reserves ~232 µ$ and costs ~201 µ$; 1160 µ$ fits exactly 5.
    addModel(u.id, 'openai', 'gpt-long', { input: 1000000, output: 1000000 });
    const key = await gatewayKey(u, { monthly_budget_usd: 0.00116 });
    const res = await Promise.all(Array.from({ length: 48 }, (_, i) =>
      chatAt(i % 2 ? nodeC.url : BASE, key, { model: 'openai/gpt-long', messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 200 })));
    const statuses = res.map((r) => r.status).join();
    assert.equal(res.filter((r) => r.status === 200).length, 5, statuses);
    assert.equal(res.filter((r) => r.status !== 200 && r.status !== 402).length, 0, statuses);
    const keyId = (await u.get('/api/keys')).json.keys.find((k) => key.startsWith(k.prefix)).id;
    const [[spent, reserved, limit]] = nodeSql(2, `SELECT spent_micros, reserved_micros, limit_micros
      FROM budget_periods WHERE scope = 'key' AND scope_id = ${keyId}`);
    assert.ok(+spent <= +limit, `spent ${spent} > limit ${limit}`);
    assert.equal(+reserved, 0);
    t.diagnostic(`${conflicts() - before} certification conflicts and brute-force aborts on the cluster`);
  } finally {
    await nodeC.stop();
  }
}));

test('roll-ups and cron started at once on all three nodes: each hour rolled up once, one cron run', async () => {
  const s = await newUser('roll');
  const now = Date.now();
  const fromMs = Math.floor((now - 6 * DAY) / DAY) * DAY;
  const toMs = Math.floor((now - 2 * DAY) / DAY) * DAY;
  const rows = generateRows({ count: 600, seed: 5, prefix: `g${s.user.id}`, fromMs, toMs,
    users: [{ id: s.user.id, keys: [] }] });
  execFileSync('mariadb', [`--defaults-file=${process.env.MYCNF}`, '-uroot', 'switchboard'],
    { input: [...toSql(rows, 300)].join(''), encoding: 'utf8' });
  const wm = sqlTime((fromMs - DAY) * 1000);
  sql(`UPDATE usage_rollup_state SET rolled_until = '${wm}' WHERE id = 1;
    DELETE FROM usage_rollup_hourly WHERE hour_start >= '${wm}';
    DELETE FROM usage_rollup_daily WHERE day >= DATE('${wm}')`);
  const runs = await Promise.all([1, 2, 3].map((n) => cliFirst(n, ['rollup'])));
  assert.deepEqual(runs.map((r) => r.code), [0, 0, 0], runs.map((r) => r.out).join('\n'));
  const want = `${rows.length} ${rows.reduce((a, r) => a + r.cost_micros, 0)}`;
  for (const n of [1, 2, 3]) {
    const [hourly] = nodeSql(n, `SELECT SUM(requests), SUM(cost_micros) FROM usage_rollup_hourly WHERE user_id = ${s.user.id}`);
    assert.equal(hourly.join(' '), want, `node ${n}: each raw row rolled up once`);
    const [daily] = nodeSql(n, `SELECT SUM(requests), SUM(cost_micros) FROM usage_rollup_daily WHERE user_id = ${s.user.id}`);
    assert.equal(daily.join(' '), want, `node ${n}: and into its day once`);
  }
  // cron started on all three at once: one run holds the lease, the others say so.
  const crons = await Promise.all([1, 2, 3].map((n) => cliFirst(n, ['cron'])));
  assert.ok(crons.every((r) => r.code === 0 || (r.code === 3 && /another run holds the lease/.test(r.out))),
    crons.map((r) => `${r.code}: ${r.out}`).join('\n'));
  assert.ok(crons.some((r) => r.code === 0));
});

// The CLI with node n first in its host list; resolves to { code, out }.
function cliFirst(n, args) {
  const ini = `${process.env.VAR}/switchboard.first${n}.ini`;
  writeFileSync(ini, hostsFirst(n)(readFileSync(`${process.env.VAR}/switchboard.ini`, 'utf8')));
  return new Promise((resolve) => {
    const p = spawn(process.env.CLI, args, { env: { ...process.env, SWITCHBOARD_CONFIG: ini } });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => resolve({ code, out }));
  });
}

test('the cluster: three nodes synced, the programs connected to node 1', () => {
  const status = galera('status');
  assert.equal(status.match(/Synced 3 Primary/g)?.length, 3, status);
  assert.equal(nodeSql(1, "SELECT COUNT(*) FROM information_schema.processlist WHERE user = 'switchboard'")[0][0] > '0', true);
  assert.equal(nodeSql(2, "SELECT COUNT(*) FROM information_schema.processlist WHERE user = 'switchboard'")[0][0], '0');
});

test('the write node killed with -9 under traffic: 503s at most, no row lost or doubled, no budget overspent, the node rejoins', (t) => inOneMonth(async () => {
  const u = await chatUser();
  // $30/M in and out: each request reserves ~630 µ$ and costs ~210 µ$, so
  // the budget key's 3000 µ$ run out during the run.
  addModel(u.id, 'openai', 'gpt-slow', { input: 30000000, output: 30000000 });
  const budgetKey = await gatewayKey(u, { monthly_budget_usd: 0.003 });
  const seen = [];	// { node, key, status, id, type, done }
  let stop = false;
  let killed = false;
  const worker = async (i) => {
    const node = i % 2 ? nodeB.url : BASE;
    const stream = i % 4 < 2;
    while (!stop) {
      // Two workers spend the budget key from the moment of the kill on.
      const key = i % 3 === 2 && killed ? budgetKey : u.key;
      const t0 = Date.now();
      try {
        const res = await fetch(`${node}/v1/chat/completions`, { method: 'POST', headers: auth(key),
          body: JSON.stringify({ model: 'openai/gpt-slow', stream, messages: [{ role: 'user', content: 'hi' }],
            max_tokens: 20 }) });
        const text = await res.text();
        // A JSON error, never a crash page; a stream that ends with [DONE].
        const type = res.status === 200 ? null : JSON.parse(text).error.type;
        seen.push({ node, key, status: res.status, id: res.headers.get('x-request-id'), type,
          done: !stream || res.status !== 200 || text.includes('[DONE]'), ms: Date.now() - t0 });
      } catch (e) {
        seen.push({ node, key, status: 0, id: null, type: String(e), done: false });
      }
    }
  };
  const oks = (from = 0) => seen.slice(from).filter((x) => x.status === 200);
  const workers = [0, 1, 2, 3, 4, 5].map(worker);
  await waitFor('traffic', () => oks().length >= 12);
  galera('kill', 1);
  killed = true;
  const killedAt = seen.length;
  await waitFor('service on node 2', () => oks(killedAt).filter((x) => x.node === BASE).length >= 6 &&
    oks(killedAt).filter((x) => x.node === nodeB.url).length >= 6);
  const moved = nodeSql(2, "SELECT COUNT(*) FROM information_schema.processlist WHERE user = 'switchboard'")[0][0];
  assert.ok(+moved > 0, 'the programs moved to node 2');
  const stalled = Math.max(...seen.slice(killedAt).map((x) => x.ms));
  galera('start-node', 1);	// under traffic, as an operator would
  const backAt = seen.length;
  await waitFor('traffic after the rejoin', () => oks(backAt).length >= 12);
  stop = true;
  await Promise.all(workers);
  const count = (st) => seen.filter((x) => x.status === st).length;
  t.diagnostic(`${seen.length} requests: ${count(200)} × 200, ${count(503)} × 503, ${count(402)} × 402; ` +
    `longest request after the kill ${stalled} ms; ${moved} connections moved to node 2`);

  const odd = seen.filter((x) => !(x.status === 200 || x.status === 503 || (x.status === 402 && x.key === budgetKey)));
  assert.deepEqual(odd, [], 'every answer is a 200, a clean 503 (or the budget key\'s 402)');
  assert.ok(seen.every((x) => x.done), 'every stream that began ended with [DONE]');
  // Every process serves again, on both web nodes, without a restart.
  for (const node of [BASE, nodeB.url]) {
    for (let i = 0; i < 12; i++) {
      const r = await fetch(`${node}/v1/chat/completions`, { method: 'POST', headers: auth(u.key),
        body: JSON.stringify({ model: 'openai/gpt-slow', messages: [{ role: 'user', content: 'hi' }] }) });
      assert.equal(r.status, 200, await r.text());
    }
  }

  // One usage row per request the clients saw, by request id, once the
  // spool (rows a process could not write during the stall) is replayed.
  assert.equal(cli(['spool']).status, 0);
  const answered = seen.filter((x) => x.id);
  assert.equal(answered.length, seen.length, 'every answer carries its request id');
  const ids = answered.map((x) => `'${x.id}'`).join(',');
  const rows = nodeSql(2, `SELECT request_id, COUNT(*), http_status FROM aggregator_usage_logs
    WHERE request_id IN (${ids}) GROUP BY request_id, http_status`);
  assert.equal(rows.length, answered.length, `every answered request has its row (${rows.length} of ${answered.length})`);
  assert.ok(rows.every((r) => r[1] === '1'), 'and only one');
  const statusById = new Map(answered.map((x) => [x.id, String(x.status)]));
  assert.deepEqual(rows.filter((r) => statusById.get(r[0]) !== r[2]), [], 'with the status the client saw');

  // The budget: what was charged never went over the limit.
  const [[limit, charged, served]] = nodeSql(2, `SELECT b.limit_micros, SUM(l.cost_micros), COUNT(*)
    FROM budget_periods b JOIN aggregator_usage_logs l ON l.gateway_key_id = b.scope_id AND l.http_status = 200
    WHERE b.scope = 'key' AND b.scope_id = (SELECT gateway_key_id FROM aggregator_usage_logs WHERE request_id = '${
      answered.find((x) => x.key === budgetKey).id}') GROUP BY b.limit_micros`);
  assert.ok(+charged <= +limit, `charged ${charged} > limit ${limit}`);
  assert.equal(+served, seen.filter((x) => x.key === budgetKey && x.status === 200).length);

  // Node 1 came back by incremental transfer, and the three nodes agree.
  assert.match(readFileSync(`${process.env.GALERA_DIR}/n1/error.log`, 'utf8'), /IST received/);
  const sums = [1, 2, 3].map((n) => nodeSql(n, `SELECT
    (SELECT CONCAT(COUNT(*), '/', COALESCE(SUM(cost_micros), 0)) FROM aggregator_usage_logs),
    (SELECT CONCAT(COUNT(*), '/', SUM(spent_micros), '/', SUM(reserved_micros)) FROM budget_periods),
    (SELECT COUNT(*) FROM inflight_requests)`)[0].join(' '));
  assert.equal(sums[1], sums[0], 'node 2 holds what node 1 holds');
  assert.equal(sums[2], sums[0], 'node 3 holds what node 1 holds');
}));
