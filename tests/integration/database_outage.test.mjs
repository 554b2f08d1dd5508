// Long-lived programs survive the database going away: a killed connection
// is re-opened and statements re-prepared; a stopped server gives a clear 503
// and service resumes when it is back. It stops MariaDB, so tests/run.sh runs
// it on its own after every other integration file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { admin, http, sql } from './lib.mjs';

const mycnf = process.env.MYCNF;
const varDir = process.env.VAR;

async function waitFor(fn, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a killed DB connection is reconnected and statements re-prepared', async () => {
  const s = await admin();
  assert.equal((await s.get('/api/auth/me')).status, 200);
  // Kill every connection the FastCGI programs hold.
  const ids = sql("SELECT id FROM information_schema.processlist WHERE user = 'switchboard'");
  assert.ok(ids.length > 0);
  for (const [id] of ids) sql(`KILL ${Number(id)}`);
  for (let i = 0; i < 6; i++) {
    const me = await s.get('/api/auth/me');
    assert.equal(me.status, 200, 'prepared statements work again after reconnect');
    assert.equal((await http('GET', '/api/health')).status, 200);
  }
});

test('health answers 503 while the database is down, 200 when it is back', async () => {
  execFileSync('mariadb-admin', [`--defaults-file=${mycnf}`, '-uroot', 'shutdown']);
  await waitFor(async () => !existsSync(`${varDir}/run/mysqld.pid`));
  const down = await http('GET', '/api/health');
  assert.equal(down.status, 503);
  assert.equal(down.json.db, 'down');
  assert.match(down.json.message, /database/i);
  const login = await http('POST', '/api/auth/login', { body: { username: 'admin', password: 'x-password' } });
  assert.equal(login.status, 503);
  assert.equal(login.json.error.type, 'internal');
  const child = spawn('/usr/sbin/mariadbd', [`--defaults-file=${mycnf}`], { detached: true, stdio: 'ignore' });
  child.unref();
  await waitFor(async () => (await http('GET', '/api/health')).status === 200, 30000);
  const s = await admin();
  assert.equal((await s.get('/api/auth/me')).status, 200);
});

// Nothing is lost: a request that ends while the database is down keeps its
// usage row in the spool (beside the config file), and `switchboard spool`
// (a job of `switchboard cron`, also run by the process's next request)
// writes it once the database is back: exactly once, with its settlement.
test('a request that ends while the database is down keeps its usage row', async () => {
  const { chatUser, addModel, auth } = await import('./chatlib.mjs');
  const { BASE, cli } = await import('./lib.mjs');
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-hang');
  const ac = new AbortController();
  const res = await fetch(`${BASE}/v1/chat/completions`, { method: 'POST', signal: ac.signal,
    headers: { ...auth(u.key), 'x-switchboard-heartbeat-ms': '1000' },
    body: JSON.stringify({ model: 'openai/gpt-hang', stream: true, messages: [{ role: 'user', content: 'hi' }] }) });
  const rid = res.headers.get('x-request-id');
  const reader = res.body.getReader();
  assert.ok(!(await reader.read()).done, 'in flight (a heartbeat came)');
  execFileSync('mariadb-admin', [`--defaults-file=${mycnf}`, '-uroot', 'shutdown']);
  await waitFor(async () => !existsSync(`${varDir}/run/mysqld.pid`));
  ac.abort();	// the request ends now, with the database down
  await reader.cancel().catch(() => {});
  const spooled = () => existsSync(`${varDir}/spool`) && readdirSync(`${varDir}/spool`)
    .some((f) => f.endsWith('.jsonl') && readFileSync(`${varDir}/spool/${f}`, 'utf8').includes(rid));
  await waitFor(async () => spooled(), 30000);
  // A replay that claimed the file and died before finishing: its claim is
  // taken over (same host, its process gone).
  const file = readdirSync(`${varDir}/spool`).find((f) => f.endsWith('.jsonl') &&
    readFileSync(`${varDir}/spool/${f}`, 'utf8').includes(rid));
  const line = readFileSync(`${varDir}/spool/${file}`, 'utf8').split('\n').find((l) => l.includes(rid));
  renameSync(`${varDir}/spool/${file}`, `${varDir}/spool/${file}.replay-${hostname()}-${deadPid()}`);
  const child = spawn('/usr/sbin/mariadbd', [`--defaults-file=${mycnf}`], { detached: true, stdio: 'ignore' });
  child.unref();
  await waitFor(async () => (await http('GET', '/api/health')).status === 200, 30000);
  const r = cli(['spool']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /spool: [1-9][0-9]* usage row\(s\) written/);
  const rows = sql(`SELECT status, http_status FROM aggregator_usage_logs WHERE request_id='${rid}'`);
  assert.deepEqual(rows, [['cancelled', '499']], 'exactly one row, as the request ended');
  assert.equal(sql(`SELECT COUNT(*) FROM inflight_requests WHERE request_id='${rid}'`)[0][0], '0', 'its note is gone');
  assert.match(cli(['spool']).stdout, /spool: 0 usage row/, 'nothing written twice');
  assert.deepEqual(readdirSync(`${varDir}/spool`).filter((f) => f.includes('.replay-')), [], 'no claim left');
  // The same line replayed again (a replay that died after writing it) is
  // skipped: no second row, nothing settled twice.
  writeFileSync(`${varDir}/spool/usage-${hostname()}-${deadPid()}.jsonl`, line + '\n');
  assert.match(cli(['spool']).stdout, /spool: 0 usage row/);
  assert.equal(sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE request_id='${rid}'`)[0][0], '1');
});

// The database restarted under concurrent traffic: while it is down the
// clients get clean 503s (or their answer), every process serves again
// afterwards without a restart, and every answered request has exactly one
// usage row (written at once, or from the spool once the database is back).
test('the database restarted under concurrent traffic: 503s, then service, no row lost or doubled', async () => {
  const { chatUser, addModel, auth } = await import('./chatlib.mjs');
  const { BASE, cli } = await import('./lib.mjs');
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-slow');
  const seen = [];		// [status, request id, error type]
  let stop = false;
  const worker = async (i) => {
    while (!stop) {
      const stream = i % 2 === 1;
      try {
        const res = await fetch(`${BASE}/v1/chat/completions`, { method: 'POST', headers: auth(u.key),
          body: JSON.stringify({ model: 'openai/gpt-slow', stream, messages: [{ role: 'user', content: 'hi' }] }) });
        const text = await res.text();
        let type = null;
        if (res.status !== 200) type = JSON.parse(text).error.type;	// a JSON error, never a crash page
        seen.push([res.status, res.headers.get('x-request-id'), type, stream && res.status === 200 ? text : '']);
      } catch (e) {
        seen.push([0, null, String(e), '']);
      }
    }
  };
  const workers = [0, 1, 2, 3].map(worker);
  await waitFor(async () => seen.filter((x) => x[0] === 200).length >= 8, 30000);
  execFileSync('mariadb-admin', [`--defaults-file=${mycnf}`, '-uroot', 'shutdown']);
  await waitFor(async () => !existsSync(`${varDir}/run/mysqld.pid`));
  const downAt = seen.length;
  await waitFor(async () => seen.slice(downAt).some((x) => x[0] === 503), 30000);
  const child = spawn('/usr/sbin/mariadbd', [`--defaults-file=${mycnf}`], { detached: true, stdio: 'ignore' });
  child.unref();
  await waitFor(async () => (await http('GET', '/api/health')).status === 200, 30000);
  const upAt = seen.length;
  await waitFor(async () => seen.slice(upAt).filter((x) => x[0] === 200).length >= 16, 60000);
  stop = true;
  await Promise.all(workers);
  assert.deepEqual([...new Set(seen.map((x) => x[0]))].filter((st) => st !== 200 && st !== 503), [],
    'every answer is a 200 or a clean 503');
  assert.ok(seen.filter((x) => x[0] === 503).every((x) => x[2] === 'internal' || x[2] === 'network' || x[2] === 'upstream'));
  // Every process serves again: the last answers are all 200.
  assert.ok(seen.slice(-8).every((x) => x[0] === 200), 'service resumed');
  assert.equal(cli(['spool']).status, 0);
  const ok = seen.filter((x) => x[0] === 200 && !(x[3] && !x[3].includes('[DONE]')));
  assert.ok(ok.length >= 24);
  const ids = ok.map((x) => `'${x[1]}'`).join(',');
  const rows = sql(`SELECT request_id, COUNT(*) FROM aggregator_usage_logs WHERE request_id IN (${ids}) GROUP BY request_id`);
  assert.equal(rows.length, ok.length, 'every answered request has its row');
  assert.ok(rows.every((r) => r[1] === '1'), 'and only one');
});

// Rows a busy chat process deferred to its batch (usage_batch.test.mjs)
// when the database goes away: its flush fails, so the batch goes to the
// spool, and `switchboard spool` writes every row once the database is back,
// as it was.
test('rows in a batch when the database goes away are spooled and written once it is back', async () => {
  const { chatUser, addModel, deferRows, usageRow, spoolFiles } = await import('./chatlib.mjs');
  const { cli, gatewayKey } = await import('./lib.mjs');
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-slow-first-byte');
  addModel(u.id, 'openai', 'gpt-hang');
  const key = await gatewayKey(u);
  const { aIds, bIds, readers } = await deferRows(key, 'openai/gpt-hang', { 'x-switchboard-heartbeat-ms': '1000' });
  execFileSync('mariadb-admin', [`--defaults-file=${mycnf}`, '-uroot', 'shutdown']);
  await waitFor(async () => !existsSync(`${varDir}/run/mysqld.pid`));
  await Promise.all(readers.map((r) => r.cancel().catch(() => {})));	// each B ends, then its process is idle
  const inSpool = (id) => spoolFiles(/^usage-.+\.jsonl$/).some((f) => readFileSync(f, 'utf8').includes(id));
  await waitFor(async () => [...aIds, ...bIds].every(inSpool), 30000);
  const child = spawn('/usr/sbin/mariadbd', [`--defaults-file=${mycnf}`], { detached: true, stdio: 'ignore' });
  child.unref();
  await waitFor(async () => (await http('GET', '/api/health')).status === 200, 30000);
  const r = cli(['spool']);
  assert.equal(r.status, 0, r.stderr);
  for (const id of aIds) {
    const row = await usageRow(id);	// throws on a second row
    assert.equal(row.status, 'success');
    assert.equal(row.http_status, '200');
  }
  for (const id of bIds) assert.equal((await usageRow(id)).status, 'cancelled');
  assert.match(cli(['spool']).stdout, /spool: 0 usage row/, 'nothing written twice');
});

// A pid no process has now (a child that has exited).
function deadPid() {
  const r = spawnSync('true');
  return r.pid;
}
