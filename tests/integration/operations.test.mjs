// Running an install without a shell (issue 11). Upgrading is uploading the
// new bundle: a program that starts against an older schema brings it up to
// date itself, one process at a time, keeping the data (`switchboard migrate`
// does the same under the same lock). One crontab line, `switchboard cron`,
// runs each periodic job when it is due, one run at a time. Tested on a
// database of its own, migrated to an early level first.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, cli } from './lib.mjs';

const ROOT = process.env.ROOT;
const db = `sb_upgrade_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'sb-upgrade-'));
const ini = join(dir, 'switchboard.ini');
const files = readdirSync(join(ROOT, 'sql')).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort();
const latest = Number(files.at(-1).slice(0, 3));

function writeIni(sqlDir) {
  writeFileSync(ini, readFileSync(process.env.SWITCHBOARD_CONFIG, 'utf8')
    .replace(/^name = .*$/m, `name = ${db}`).replace(/^sql_dir = .*$/m, `sql_dir = ${sqlDir}`));
}

// One program run as plain CGI, as Apache runs it: its status line.
function cgi(program, path) {
  return new Promise((resolve) => {
    const p = spawn(join(ROOT, 'build', 'asan', program), [], { env: {
      PATH: process.env.PATH, SWITCHBOARD_CONFIG: ini, GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1', SERVER_NAME: 'localhost', SERVER_PORT: '80', REMOTE_ADDR: '127.0.0.1',
      REQUEST_METHOD: 'GET', REQUEST_URI: path, SCRIPT_NAME: path, QUERY_STRING: '', HTTP_HOST: 'localhost',
      ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('close', () => resolve(out));
  });
}

after(() => {
  sql(`DROP DATABASE IF EXISTS ${db}`);
  rmSync(dir, { recursive: true, force: true });
});

test('a program started against an older schema migrates it once, keeping the data', async () => {
  sql(`CREATE DATABASE ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  for (const [host] of sql("SELECT host FROM mysql.user WHERE user = 'switchboard'")) {
    sql(`GRANT ALL ON ${db}.* TO 'switchboard'@'${host}'`);
  }
  // An install at an early level (the first 20 migrations), with a user in it.
  const old = join(dir, 'sql-old');
  mkdirSync(old);
  for (const f of files.slice(0, 20)) copyFileSync(join(ROOT, 'sql', f), join(old, f));
  writeIni(old);
  const env = { SWITCHBOARD_CONFIG: ini };
  let r = cli(['migrate'], '', env);
  assert.equal(r.status, 0, r.stderr);
  r = cli(['user', 'add', 'early-user'], 'early-password-123\n', env);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const level = () => Number(sql(`SELECT MAX(version) FROM ${db}.schema_migrations`)[0][0]);
  assert.equal(level(), Number(files[19].slice(0, 3)));
  // The new bundle: every migration. Three programs start at once.
  writeIni(join(ROOT, 'sql'));
  const outs = await Promise.all([cgi('account.fcgi', '/api/health'), cgi('account.fcgi', '/api/health'), cgi('chat.fcgi', '/v1/models')]);
  for (const out of outs.slice(0, 2)) assert.match(out, /^Status: 200/, out.slice(0, 300));
  assert.match(outs[2], /^Status: 401/, 'the chat program started too (and asks for a key)');
  assert.equal(level(), latest);
  assert.equal(Number(sql(`SELECT COUNT(*) FROM ${db}.schema_migrations WHERE version > 0`)[0][0]), files.length,
    'each migration applied and recorded once');
  assert.equal(sql(`SELECT COUNT(*) FROM ${db}.schema_migrations WHERE version = 0`)[0][0], '0', 'the lock is released');
  assert.equal(sql(`SELECT COUNT(*) FROM ${db}.users WHERE username = 'early-user'`)[0][0], '1');
  // Already current: the CLI has nothing to do.
  r = cli(['migrate'], '', env);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /migrate: 0 applied/);
});

test('switchboard cron runs what is due, once per period, one run at a time', () => {
  const env = { SWITCHBOARD_CONFIG: ini };
  let r = cli(['cron'], '', env);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  for (const job of ['rollup', 'health', 'sync', 'prune']) assert.match(r.stdout, new RegExp(`^cron: ${job}$`, 'm'), r.stdout);
  // At once again: only the roll-up (every run) is due.
  r = cli(['cron'], '', env);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^cron: rollup$/m);
  assert.doesNotMatch(r.stdout, /^cron: (health|sync|prune)$/m, r.stdout);
  // Another run holds the lease: nothing is done; an expired lease is taken.
  sql(`UPDATE ${db}.job_leases SET holder = 'other', lease_until = NOW(6) + INTERVAL 1 HOUR WHERE name = 'cron'`);
  r = cli(['cron'], '', env);
  assert.equal(r.status, 3, r.stdout);
  assert.match(r.stdout, /another run holds the lease/);
  sql(`UPDATE ${db}.job_leases SET lease_until = NOW(6) - INTERVAL 1 SECOND WHERE name = 'cron'`);
  sql(`UPDATE ${db}.cron_runs SET last_run = NOW(6) - INTERVAL 2 DAY WHERE job = 'prune'`);
  r = cli(['cron'], '', env);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^cron: prune$/m, 'a job whose period passed runs again');
  assert.doesNotMatch(r.stdout, /^cron: sync$/m);
  assert.equal(sql(`SELECT holder FROM ${db}.job_leases WHERE name = 'cron'`)[0][0], null, 'the lease is freed');
});

test('an upgrade works from every earlier schema level, with data in it', async () => {
  const lvl = `${db}_lvl`;
  const env = { SWITCHBOARD_CONFIG: ini };
  const levelIni = (sqlDir) => writeFileSync(ini, readFileSync(process.env.SWITCHBOARD_CONFIG, 'utf8')
    .replace(/^name = .*$/m, `name = ${lvl}`).replace(/^sql_dir = .*$/m, `sql_dir = ${sqlDir}`));
  try {
    for (let k = 1; k < files.length; k++) {
      sql(`DROP DATABASE IF EXISTS ${lvl}`);
      sql(`CREATE DATABASE ${lvl} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      for (const [host] of sql("SELECT host FROM mysql.user WHERE user = 'switchboard'")) {
        sql(`GRANT ALL ON ${lvl}.* TO 'switchboard'@'${host}'`);
      }
      const old = join(dir, `sql-${k}`);
      mkdirSync(old);
      for (const f of files.slice(0, k)) copyFileSync(join(ROOT, 'sql', f), join(old, f));
      levelIni(old);
      let r = cli(['migrate'], '', env);
      assert.equal(r.status, 0, `level ${k}: ${r.stderr}`);
      const withUsers = files.slice(0, k).some((f) => f.includes('create_users'));
      if (withUsers) {
        r = cli(['user', 'add', 'before-upgrade'], 'before-upgrade-pw-1\n', env);
        assert.equal(r.status, 0, `level ${k}: ${r.stderr}${r.stdout}`);
      }
      levelIni(join(ROOT, 'sql'));
      const out = await cgi('account.fcgi', '/api/health');
      assert.match(out, /^Status: 200/, `from level ${files[k - 1]}: ${out.slice(0, 300)}`);
      assert.equal(Number(sql(`SELECT MAX(version) FROM ${lvl}.schema_migrations`)[0][0]), latest, `from ${files[k - 1]}`);
      if (withUsers) assert.equal(sql(`SELECT COUNT(*) FROM ${lvl}.users`)[0][0], '1', `from ${files[k - 1]}`);
    }
  } finally {
    sql(`DROP DATABASE IF EXISTS ${lvl}`);
    writeIni(join(ROOT, 'sql'));
  }
});
