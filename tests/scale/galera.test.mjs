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
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BASE, cli, gatewayKey, startNode } from '../integration/lib.mjs';
import { chatUser, addModel, auth } from '../integration/chatlib.mjs';

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

test('the cluster: three nodes synced, the programs connected to node 1', () => {
  const status = galera('status');
  assert.equal(status.match(/Synced 3 Primary/g)?.length, 3, status);
  assert.equal(nodeSql(1, "SELECT COUNT(*) FROM information_schema.processlist WHERE user = 'switchboard'")[0][0] > '0', true);
  assert.equal(nodeSql(2, "SELECT COUNT(*) FROM information_schema.processlist WHERE user = 'switchboard'")[0][0], '0');
});

test('the write node killed with -9 under traffic: 503s at most, no row lost or doubled, no budget overspent, the node rejoins', async (t) => {
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
});
