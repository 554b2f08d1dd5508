// Shared helpers for the HTTP integration tests: a cookie+CSRF session
// client, SQL access to the test database through the mariadb CLI, the mock
// upstream's control API, and runners for tests whose premise is "all of this
// happens in one rate-limit minute / one budget month". The stack is started
// by tests/run.sh.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:28480';
export const MOCK = process.env.MOCK_URL ?? 'http://127.0.0.1:28481';
export const ADMIN = { username: 'admin', password: 'admin-password-123' };

export function unique(prefix = 'u') {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

// Every secret a test sends or receives (passwords, provider keys, gateway
// keys, session tokens) goes to $VAR/secrets.seen; after the suite,
// tests/secrets_scan.sh proves none of them reached the database or a log.
const SECRET_FIELDS = ['password', 'new_password', 'current_password', 'api_key', 'secret'];
export function noteSecret(value) {
  if (!process.env.VAR || typeof value !== 'string' || value.length < 8) return;
  appendFileSync(`${process.env.VAR}/secrets.seen`, value + '\n');
}
function noteSecrets(obj, cookie) {
  if (obj && typeof obj === 'object') for (const f of SECRET_FIELDS) noteSecret(obj[f]);
  const m = cookie ? /sb_session=([^;]+)/.exec(cookie) : null;
  if (m) noteSecret(m[1]);
}

// One HTTP call; returns { status, headers, text, json }.
export async function http(method, path, { body, headers = {}, raw } = {}) {
  const init = { method, headers: { ...headers }, redirect: 'manual' };
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(BASE + path, init);
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  noteSecrets(body, null);
  noteSecrets(json, res.headers.get('set-cookie'));
  return { status: res.status, headers: res.headers, text, json };
}

// A logged-in browser-like client: keeps the cookie, sends X-CSRF-Token.
export class Session {
  constructor() { this.cookie = ''; this.csrf = ''; this.user = null; }

  async request(method, path, opts = {}) {
    const headers = { ...(opts.headers ?? {}) };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && method !== 'GET' && opts.csrf !== false) headers['x-csrf-token'] = this.csrf;
    const res = await http(method, path, { ...opts, headers });
    const set = res.headers.get('set-cookie');
    if (set) {
      const m = /sb_session=([^;]*)/.exec(set);
      if (m) this.cookie = m[1] ? `sb_session=${m[1]}` : '';
    }
    if (res.json?.csrf_token) this.csrf = res.json.csrf_token;
    if (res.json?.user && res.json?.csrf_token) this.user = res.json.user;
    return res;
  }
  get(path, opts) { return this.request('GET', path, opts); }
  post(path, body, opts = {}) { return this.request('POST', path, { ...opts, body }); }
  put(path, body, opts = {}) { return this.request('PUT', path, { ...opts, body }); }
  del(path, opts) { return this.request('DELETE', path, opts); }

  async login(username, password) {
    const res = await this.post('/api/auth/login', { username, password });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
    return this;
  }
}

// The admin session; performs first-run setup when nobody has yet.
export async function admin() {
  const s = new Session();
  const st = await http('GET', '/api/auth/setup');
  if (st.json?.setup_required) {
    const res = await s.post('/api/auth/setup', ADMIN);
    if (res.status === 201) return s;
  }
  return s.login(ADMIN.username, ADMIN.password);
}

// A fresh ordinary user, logged in.
export async function newUser(prefix = 'user') {
  const a = await admin();
  const username = unique(prefix);
  const password = 'password-' + randomBytes(6).toString('hex');
  const res = await a.post('/api/users', { username, password, role: 'user' });
  if (res.status !== 201) throw new Error(`create user: ${res.status} ${res.text}`);
  const s = await new Session().login(username, password);
  s.password = password;
  return s;
}

// A gateway key for the session's user; returns the secret.
export async function gatewayKey(session, fields = {}) {
  const res = await session.post('/api/keys', { name: unique('key'), ...fields });
  if (res.status !== 201) throw new Error(`create key: ${res.status} ${res.text}`);
  return res.json.secret;
}

// Rows of a query against the test database, as arrays of strings (NULL → null).
// A test that edits what the chat path caches by hand then runs
// `switchboard stamp`, as an operator does after editing the database
// (docs/chat.md).
const CACHED = /\b(INSERT|UPDATE|DELETE|REPLACE)\b[\s\S]*\b(user_api_providers|api_providers|aggregator_models|model_aliases|circuit_state|gateway_keys|users|user_rate_limits|user_budgets|site_settings)\b/i;

export function sql(query) {
  const out = execFileSync('mariadb', [`--defaults-file=${process.env.MYCNF}`, '-uroot',
    '-N', '-B', '--raw', 'switchboard', '-e', query], { encoding: 'utf8' });
  if (CACHED.test(query)) execFileSync(process.env.CLI, ['stamp'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t').map((v) => (v === 'NULL' ? null : v)));
}

// Quote a value for a test-side SQL literal (tests only; the product never builds SQL).
export function q(v) {
  return `'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

// Run the CLI against the test config; returns { status, stdout, stderr }.
export function cli(args, input = '', env = {}) {
  try {
    const stdout = execFileSync(process.env.CLI, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env } });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    return { status: e.status, stdout: e.stdout?.toString() ?? '', stderr: e.stderr?.toString() ?? '' };
  }
}

export const mock = {
  async requests(filter = {}) {
    const qs = new URLSearchParams(filter).toString();
    const res = await fetch(`${MOCK}/_mock/requests${qs ? '?' + qs : ''}`);
    return res.json();
  },
  async clear() { await fetch(`${MOCK}/_mock/requests`, { method: 'DELETE' }); },
  async reset() { await fetch(`${MOCK}/_mock/reset`, { method: 'POST' }); },
  async setModels(family, models) {
    await fetch(`${MOCK}/_mock/models/${family}`, { method: 'PUT', body: JSON.stringify({ models }) });
  },
  async restoreModels(family) { await fetch(`${MOCK}/_mock/models/${family}`, { method: 'DELETE' }); },
  url(family) { return `${MOCK}/${family}`; },
};

// ---- clock windows ------------------------------------------------------------
// The server counts rate limits per minute of this host's clock (time(NULL) / 60)
// and budgets per UTC month. A test whose premise is that its requests share one
// such window runs through these: if it fails and the window changed while it
// ran, its requests were split over two windows and the attempt proves nothing,
// so it runs once more in a window it has not touched. A failure inside one
// window is reported as it is.
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const minuteOf = (ms) => Math.floor(ms / 60000);
const toNextMinute = () => wait(60000 - (Date.now() % 60000) + 50);

// Run fn with its requests in one minute. It starts with at least marginMs left
// in the minute; a retry starts at the beginning of a fresh minute.
export async function inOneMinute(fn, marginMs = 15000) {
  if (60000 - (Date.now() % 60000) < marginMs) await toNextMinute();
  const m0 = minuteOf(Date.now());
  try {
    return await fn();
  } catch (e) {
    if (minuteOf(Date.now()) === m0) throw e;
    await toNextMinute();
    return fn();
  }
}

// The UTC month ("YYYY-MM") on the database's clock, as the budget periods use.
export function dbMonth() {
  return sql("SELECT DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m')")[0][0];
}

// The UTC day ("YYYY-MM-DD") and ISO week ("YYYY-Www") on the database's
// clock, as daily and weekly budget periods are named.
export function dbDay() {
  return sql("SELECT DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d')")[0][0];
}
export function dbWeek() {
  return sql("SELECT DATE_FORMAT(UTC_TIMESTAMP(), '%x-W%v')")[0][0];
}

// Run fn with its requests in one budget period (period() names it now). fn
// must not depend on state an earlier attempt left behind (it creates its
// own user, or resets what it sets).
async function inOnePeriod(period, fn) {
  const p0 = period();
  try {
    return await fn();
  } catch (e) {
    if (period() === p0) throw e;
    return fn();
  }
}
export const inOneMonth = (fn) => inOnePeriod(dbMonth, fn);
export const inOneWeek = (fn) => inOnePeriod(dbWeek, fn);
export const inOneDay = (fn) => inOnePeriod(dbDay, fn);

// ---- a second web node ------------------------------------------------------
// Another lighttpd over the same database, programs and mock, on BASE's port
// + offset, with its own FastCGI processes (so nothing cached in one node's
// processes helps the other) and optionally its own ini (editIni gets the
// stack's switchboard.ini text). Returns { url, stop }.
export async function startNode(name, offset, editIni = (ini) => ini) {
  const VAR = process.env.VAR;
  const port = Number(new URL(BASE).port) + offset;
  const ini = `${VAR}/switchboard.${name}.ini`;
  writeFileSync(ini, editIni(readFileSync(`${VAR}/switchboard.ini`, 'utf8')));
  const conf = readFileSync(`${VAR}/lighttpd.conf`, 'utf8')
    .replace(/^server\.port\s*=.*$/m, `server.port = ${port}`)
    .replace(/^server\.pid-file\s*=.*$/m, `server.pid-file = "${VAR}/run/lighttpd-${name}.pid"`)
    .replace(/^server\.errorlog\s*=.*$/m, `server.errorlog = "${VAR}/log/lighttpd-${name}-error.log"`)
    .replaceAll(/\/run\/([a-z]+)\.sock/g, `/run/$1-${name}.sock`)
    .replaceAll(`${VAR}/switchboard.ini`, ini);
  writeFileSync(`${VAR}/lighttpd-${name}.conf`, conf);
  const proc = spawn('lighttpd', ['-D', '-f', `${VAR}/lighttpd-${name}.conf`], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { await fetch(`${url}/api/health`); break; } catch {
      if (i > 200) throw new Error(`node ${name} did not start on ${url}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    // The web server's SIGTERM reaches its programs, which end between
    // requests: none may outlive the node (each holds a database connection).
    async stop() {
      let programs = [];
      try {
        programs = execFileSync('pgrep', ['-P', String(proc.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean);
      } catch { /* none running */ }
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      for (let i = 0; programs.some((pid) => existsSync(`/proc/${pid}`)); i++) {
        if (i > 300) throw new Error(`node ${name}: programs ${programs.join(' ')} outlived their web server`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
