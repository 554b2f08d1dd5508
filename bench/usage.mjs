// usage.mjs — the measuring half of bench/usage.sh: loads the log, rolls it
// up and times each usage endpoint (sequential requests, one client).
import { spawn, execFileSync } from 'node:child_process';
import { admin, newUser, Session, http } from '../tests/integration/lib.mjs';
import { time, stats } from './timing.mjs';

const ROWS = Number(process.env.ROWS ?? 1000000);
const N = Number(process.env.REPEAT ?? 20);
const DAY = 86400000;
const mycnf = `--defaults-file=${process.env.MYCNF}`;
const db = (q) => execFileSync('mariadb', [mycnf, '-uroot', '-N', '-B', 'switchboard', '-e', q], { encoding: 'utf8' }).trim();

function load(users, fromMs, toMs) {
  return new Promise((resolve, reject) => {
    const gen = spawn('node', ['tests/integration/usagegen.mjs', '--rows', String(ROWS), '--users', users.join(','),
      '--from', new Date(fromMs).toISOString().slice(0, 19) + 'Z', '--to', new Date(toMs).toISOString().slice(0, 19) + 'Z',
      '--prefix', 'bench', '--seed', '42'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const sink = spawn('mariadb', [mycnf, '-uroot', 'switchboard'], { stdio: ['pipe', 'inherit', 'inherit'] });
    gen.stdout.pipe(sink.stdin);
    sink.on('exit', (c) => (c === 0 ? resolve() : reject(new Error('mariadb load failed'))));
  });
}

const rows = [];
async function measure(label, s, path, check) {
  for (let i = 0; i < 2; i++) await s.get(path);   // warm-up
  const ms = [];
  let last;
  for (let i = 0; i < N; i++) {
    const [t, r] = await time(() => s.get(path));
    if (r.status !== 200) throw new Error(`${label}: ${r.status} ${r.text.slice(0, 200)}`);
    ms.push(t);
    last = r;
  }
  const st = stats(ms);
  rows.push(`| ${label} | ${st.median.toFixed(1)} | ${st.p95.toFixed(1)} | ${st.max.toFixed(1)} | ${check ? check(last) : ''} |`);
}

const now = Date.now();
const yearAgo = now - 365 * DAY;
const a = await admin();
const users = [];
for (let i = 0; i < 10; i++) users.push(await newUser('bench'));
const ids = users.map((u) => u.user.id);
const u = users[0];

const [tLoad] = await time(() => load(ids, yearAgo, now - 2 * 3600000));
const total = Number(db('SELECT COUNT(*) FROM aggregator_usage_logs'));
const [tRaw, rawOut] = await time(async () => db(`SELECT COUNT(*), SUM(cost_micros) FROM aggregator_usage_logs
  WHERE user_id = ${ids[0]} AND created_at >= NOW() - INTERVAL 365 DAY`));
const [tRollup, ro] = await time(async () => execFileSync(process.env.CLI, ['rollup'], { encoding: 'utf8' }));
const rollRows = Number(db('SELECT COUNT(*) FROM usage_rollup_hourly'));

const from = new Date(yearAgo).toISOString().slice(0, 10);
const fromWeek = new Date(now - 7 * DAY).toISOString().slice(0, 10);
const req = (r) => `${r.json.requests} req`;
await measure('summary, one user, 1 year', u, `/api/usage/summary?from=${from}`, req);
await measure('summary, admin, all users, 1 year', a, `/api/usage/summary?from=${from}&user=all`, req);
await measure('summary, one user, this month', u, '/api/usage/summary', req);
await measure('timeseries, one user, 1 year by day, Europe/Berlin', u, `/api/usage/timeseries?from=${from}&bucket=day&tz=Europe/Berlin`, (r) => `${r.json.buckets.length} buckets`);
await measure('timeseries, all users, 1 year by day', a, `/api/usage/timeseries?from=${from}&bucket=day&user=all`, (r) => `${r.json.buckets.length} buckets`);
await measure('timeseries, one user, 7 days by hour', u, `/api/usage/timeseries?from=${fromWeek}&bucket=hour`, (r) => `${r.json.buckets.length} buckets`);
await measure('models, one user, 1 year', u, `/api/usage/models?from=${from}`, (r) => `${r.json.models.length} models`);
await measure('models, all users, 1 year', a, `/api/usage/models?from=${from}&user=all`, (r) => `${r.json.models.length} models`);
await measure('logs page 1 (50) with total, one user', u, '/api/usage/logs', (r) => `total ${r.json.total}`);
await measure('logs page 1 (50) with total, all users', a, '/api/usage/logs?user=all', (r) => `total ${r.json.total}`);
await measure('logs page 100 (offset 4950), one user', u, '/api/usage/logs?page=100', (r) => `${r.json.logs.length} rows`);
await measure('logs status=error, one user', u, '/api/usage/logs?status=error', (r) => `total ${r.json.total}`);
await measure('logs status=error, all users', a, '/api/usage/logs?status=error&user=all', (r) => `total ${r.json.total}`);
await measure('budget GET (this month)', u, '/api/budget', (r) => `spent ${r.json.spent_usd}`);
await measure('/metrics (all time, all users)', a, '/metrics', (r) => `${r.text.length} bytes`);

const [tCsv, csv] = await time(() => u.get(`/api/usage/export.csv?from=${from}`));
const csvRows = csv.text.split('\r\n').length - 2;

console.log(`## Usage reports over ${total.toLocaleString('en')} log rows`);
console.log();
console.log(`Machine: 2 vCPU, MariaDB 10.11 (buffer pool 512 MB), lighttpd + FastCGI (non-ASan build),`);
console.log(`one sequential client; ${N} timed requests per line after 2 warm-ups. 10 users, one year of traffic,`);
console.log(`6 models on 5 providers.`);
console.log();
console.log(`- load (generate + INSERT): ${(tLoad / 1000).toFixed(1)} s`);
console.log(`- \`switchboard rollup\` from nothing: ${(tRollup / 1000).toFixed(1)} s → ${rollRows.toLocaleString('en')} hourly roll-up rows (${ro.trim()})`);
console.log(`- for comparison, one raw SQL SUM over one user's year (no roll-ups): ${tRaw.toFixed(0)} ms (${rawOut.replace(/\t/g, ' rows, cost ')})`);
console.log(`- CSV export, one user, 1 year: ${(tCsv / 1000).toFixed(2)} s, ${csvRows.toLocaleString('en')} rows, ${(csv.text.length / 1e6).toFixed(1)} MB`);
console.log();
console.log('| request | median ms | p95 ms | max ms | answer |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);
