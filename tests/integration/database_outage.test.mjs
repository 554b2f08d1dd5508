// Long-lived programs survive the database going away: a killed connection
// is re-opened and statements re-prepared; a stopped server gives a clear 503
// and service resumes when it is back. It stops MariaDB, so tests/run.sh runs
// it on its own after every other integration file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
});
