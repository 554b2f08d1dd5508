// Usage reports, budgets and metrics (issue 5) over a generated log of
// thousands of rows across users, keys, models, statuses, time zones and month
// boundaries: every figure is checked against totals computed here from the
// same rows; CSV is parsed back with a real parser; users are isolated; admin
// views; roll-ups change nothing; prune never deletes un-rolled rows; /metrics
// is checked by a strict text-format parser.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { admin, newUser, http, sql, q, cli, gatewayKey, unique, inOneMonth, dbMonth } from './lib.mjs';
import { generateRows, toSql, sqlTime } from './usagegen.mjs';

const BOUNDS = [25, 50, 100, 250, 500, 1000, 2000, 3000, 5000, 10000, 20000, 30000, 60000, 120000];
const DAY = 86400000;

// ---- expected figures, computed the way docs/api.md says -----------------
function bucket(ms) {
  for (let i = 0; i < BOUNDS.length; i++) if (ms <= BOUNDS[i]) return i;
  return BOUNDS.length;
}
function quantile(hist, permille) {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.floor((total * permille + 999) / 1000);
  let cum = 0, i = 0;
  for (; i < hist.length; i++) {
    if (hist[i] > 0 && cum + hist[i] >= rank) break;
    cum += hist[i];
  }
  const lo = i === 0 ? 0 : BOUNDS[i - 1];
  if (i >= hist.length - 1) return lo;
  return lo + Math.floor(((BOUNDS[i] - lo) * (rank - cum)) / hist[i]);
}
const avg = (sum, n) => (n ? Math.floor((sum + Math.floor(n / 2)) / n) : null);
const ppm = (a, b) => (b ? Math.floor((a * 1e6 + Math.floor(b / 2)) / b) / 1e6 : 0);

function totals(rows) {
  const t = { requests: 0, errors: 0, cancelled: 0, prompt_tokens: 0, completion_tokens: 0,
    total_tokens: 0, cost_micros: 0, lat: 0, ttft: 0, ttftN: 0,
    hist: new Array(15).fill(0), models: new Set() };
  for (const r of rows) {
    t.requests++;
    if (r.status === 'error') t.errors++;
    if (r.status === 'cancelled') t.cancelled++;
    t.prompt_tokens += r.prompt_tokens;
    t.completion_tokens += r.completion_tokens;
    t.total_tokens += r.total_tokens;
    t.cost_micros += r.cost_micros;
    t.lat += r.latency_ms;
    t.hist[bucket(r.latency_ms)]++;
    if (r.ttft_ms !== null) { t.ttft += r.ttft_ms; t.ttftN++; }
    t.models.add(`${r.provider}|${r.resolved_model ?? '(unresolved)'}`);
  }
  return t;
}

function assertFigures(got, t, what) {
  assert.equal(got.requests, t.requests, `${what}: requests`);
  assert.equal(got.errors, t.errors, `${what}: errors`);
  assert.equal(got.cancelled, t.cancelled, `${what}: cancelled`);
  assert.equal(got.success, t.requests - t.errors - t.cancelled, `${what}: success`);
  assert.equal(got.prompt_tokens, t.prompt_tokens, `${what}: prompt_tokens`);
  assert.equal(got.completion_tokens, t.completion_tokens, `${what}: completion_tokens`);
  assert.equal(got.total_tokens, t.total_tokens, `${what}: total_tokens`);
  assert.equal(got.cost_micros, t.cost_micros, `${what}: cost_micros`);
  assert.equal(Math.round(got.cost_usd * 1e6), t.cost_micros, `${what}: cost_usd`);
  assert.equal(got.avg_latency_ms, avg(t.lat, t.requests), `${what}: avg latency`);
  assert.equal(got.p95_latency_ms, t.requests ? quantile(t.hist, 950) : null, `${what}: p95`);
  assert.equal(got.avg_ttft_ms, avg(t.ttft, t.ttftN), `${what}: avg ttft`);
  assert.ok(Math.abs(got.error_rate - ppm(t.errors, t.requests)) < 1e-9, `${what}: error_rate`);
}

// ---- data set --------------------------------------------------------------
function insertRows(rows) {
  const text = [...toSql(rows, 500)].join('');
  execFileSync('mariadb', [`--defaults-file=${process.env.MYCNF}`, '-uroot', 'switchboard'],
    { input: text, encoding: 'utf8', maxBuffer: 1 << 26 });
}

// Local calendar date of an epoch-ms instant in a zone.
function localDate(ms, tz) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(ms));
}

const now = Date.now();
const fromMs = Math.floor((now - 75 * DAY) / DAY) * DAY;   // UTC midnight, ~2.5 months back
const toMs = Math.floor((now - 2 * DAY) / DAY) * DAY;      // UTC midnight two days ago
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const Q = `from=${isoDay(fromMs)}&to=${isoDay(toMs)}`;      // UTC dates, tz defaults to UTC

let A, B, adm, aId, bId, aKeys, rows, rowsA, rowsB, tricky;

before(async () => {
  adm = await admin();
  A = await newUser('usea');
  B = await newUser('useb');
  aId = A.user.id;
  bId = B.user.id;
  await gatewayKey(A);
  await gatewayKey(A);
  const keys = await A.get('/api/keys');
  aKeys = keys.json.keys.map((k) => k.id);
  rows = generateRows({ count: 4000, seed: 11, prefix: `t${aId}x`, fromMs, toMs,
    users: [{ id: aId, keys: aKeys }, { id: bId, keys: [] }] });
  // one row whose text would be a spreadsheet formula, with quotes, comma, newline
  tricky = { ...rows[0], request_id: `tricky${aId}`.padEnd(32, '0'), status: 'error',
    user_id: aId, gateway_key_id: null, created_us: (toMs - 3600000) * 1000,
    error_category: 'upstream', http_status: 502, completion_tokens: 0,
    total_tokens: rows[0].prompt_tokens, cost_micros: 0,
    error_message: '=HYPERLINK("http://x","a, b")\nline2', created_at: sqlTime((toMs - 3600000) * 1000) };
  rows.push(tricky);
  rowsA = rows.filter((r) => r.user_id === aId);
  rowsB = rows.filter((r) => r.user_id === bId);
  insertRows(rows);
  // rows imported into the past: re-roll what the watermark already covers
  const rb = cli(['rollup', '--rebuild']);
  assert.equal(rb.status, 0, rb.stderr);
  // and roll everything complete up, so the checks below read daily and
  // hourly roll-ups (the equivalence test at the end compares with raw reads)
  const fw = cli(['rollup']);
  assert.equal(fw.status, 0, fw.stderr);
});

test('summary matches hand-computed totals for the user', async () => {
  const res = await A.get(`/api/usage/summary?${Q}`);
  assert.equal(res.status, 200, res.text);
  const t = totals(rowsA);
  assertFigures(res.json, t, 'summary A');
  assert.equal(res.json.active_models, t.models.size);
  assert.equal(res.json.user_id, aId);
  assert.equal(res.json.from, new Date(fromMs).toISOString().replace('.000', ''));
});

test('filters: key, provider, model, and a key of another user', async () => {
  const k = aKeys[0];
  let res = await A.get(`/api/usage/summary?${Q}&key=${k}`);
  assertFigures(res.json, totals(rowsA.filter((r) => r.gateway_key_id === k)), 'key filter');
  res = await A.get(`/api/usage/summary?${Q}&provider=anthropic`);
  assertFigures(res.json, totals(rowsA.filter((r) => r.provider === 'anthropic')), 'provider filter');
  res = await A.get(`/api/usage/summary?${Q}&model=gpt-4o-mini`);
  assertFigures(res.json, totals(rowsA.filter((r) => (r.resolved_model ?? '(unresolved)') === 'gpt-4o-mini')), 'model filter');
  res = await B.get(`/api/usage/summary?${Q}&key=${k}`);
  assert.equal(res.json.requests, 0, 'B sees nothing of A through A\'s key id');
});

test('isolation: a user never sees another user\'s rows', async () => {
  const res = await B.get(`/api/usage/summary?${Q}`);
  assertFigures(res.json, totals(rowsB), 'summary B');
  const other = await B.get(`/api/usage/summary?${Q}&user=${aId}`);
  assert.equal(other.status, 403);
  assert.equal(other.json.error.code, 'forbidden');
  const all = await B.get(`/api/usage/logs?user=all`);
  assert.equal(all.status, 403);
  const logs = await B.get('/api/usage/logs?per_page=200');
  assert.ok(rowsB.length > 0, 'the data set has rows of B');
  assert.equal(logs.json.logs.length, Math.min(200, rowsB.length));
  assert.ok(logs.json.logs.every((l) => l.user_id === bId));
  const csv = await B.get('/api/usage/export.csv');
  const recs = parseCsv(csv.text, { columns: true });
  assert.equal(recs.length, rowsB.length);
  assert.ok(recs.every((r) => Number(r.user_id) === bId));
});

test('admin views: one user, and everyone', async () => {
  let res = await adm.get(`/api/usage/summary?${Q}&user=${aId}`);
  assertFigures(res.json, totals(rowsA), 'admin on A');
  res = await adm.get(`/api/usage/summary?${Q}&user=all`);
  const [[n, cost]] = sql(`SELECT COUNT(*), SUM(cost_micros) FROM aggregator_usage_logs
    WHERE created_at >= '${sqlTime(fromMs * 1000)}' AND created_at < '${sqlTime(toMs * 1000)}'`);
  assert.equal(res.json.requests, Number(n));
  assert.equal(res.json.cost_micros, Number(cost));
  assert.equal(res.json.user_id, null);
  const logs = await adm.get(`/api/usage/logs?user=${bId}&per_page=5`);
  assert.equal(logs.json.total, rowsB.length);
  assert.equal(logs.json.logs[0].username, B.user.username);
});

test('admin, everyone: summary, models and days from everyone\'s roll-ups equal the raw rows', async () => {
  // Whole days come from usage_rollup_daily_all when no user or key is named.
  const range = `created_at >= '${sqlTime(fromMs * 1000)}' AND created_at < '${sqlTime(toMs * 1000)}'
    AND status IN ('success','error','cancelled')`;
  const [[allRows, allReq]] = sql(`SELECT COUNT(*), COALESCE(SUM(requests), 0) FROM usage_rollup_daily_all
    WHERE day >= '${isoDay(fromMs)}' AND day < '${isoDay(toMs)}'`);
  const [[perUser]] = sql(`SELECT COALESCE(SUM(requests), 0) FROM usage_rollup_daily
    WHERE day >= '${isoDay(fromMs)}' AND day < '${isoDay(toMs)}'`);
  assert.ok(Number(allRows) > 0, 'everyone\'s days are rolled up');
  assert.equal(allReq, perUser, 'everyone\'s days sum the users\' days');
  const [[n, cost, tokens, errors]] = sql(`SELECT COUNT(*), SUM(cost_micros), SUM(total_tokens),
    SUM(status = 'error') FROM aggregator_usage_logs WHERE ${range}`);
  const sum = (await adm.get(`/api/usage/summary?${Q}&user=all`)).json;
  assert.deepEqual([sum.requests, sum.cost_micros, sum.total_tokens, sum.errors],
    [n, cost, tokens, errors].map(Number), 'summary');
  const byModel = new Map(sql(`SELECT IFNULL(provider, ''), IFNULL(resolved_model, '(unresolved)'), COUNT(*),
    SUM(cost_micros) FROM aggregator_usage_logs WHERE ${range} GROUP BY 1, 2`)
    .map(([p, m, c, k]) => [`${p}|${m}`, [Number(c), Number(k)]]));
  const models = (await adm.get(`/api/usage/models?${Q}&user=all`)).json.models;
  assert.equal(models.length, byModel.size);
  for (const m of models) assert.deepEqual([m.requests, m.cost_micros], byModel.get(`${m.provider}|${m.model}`), m.model);
  const byDay = new Map(sql(`SELECT DATE(created_at), COUNT(*), SUM(cost_micros) FROM aggregator_usage_logs
    WHERE ${range} GROUP BY 1`).map(([d, c, k]) => [d, [Number(c), Number(k)]]));
  const days = (await adm.get(`/api/usage/timeseries?${Q}&user=all&bucket=day`)).json.buckets;
  assert.equal(days.length, (toMs - fromMs) / DAY);
  for (const b of days) assert.deepEqual([b.requests, b.cost_micros], byDay.get(b.label) ?? [0, 0], b.label);
  const [[nA]] = sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE ${range} AND provider = 'anthropic'`);
  assert.ok(Number(nA) > 0, 'the data set has anthropic rows');
  const filtered = (await adm.get(`/api/usage/summary?${Q}&user=all&provider=anthropic`)).json;
  assert.equal(filtered.requests, Number(nA), 'provider filter');
});

test('models: per model and provider, cost share, sorted by cost', async () => {
  const res = await A.get(`/api/usage/models?${Q}`);
  assert.equal(res.status, 200);
  const groups = new Map();
  for (const r of rowsA) {
    const k = `${r.provider}|${r.resolved_model ?? '(unresolved)'}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(r);
  }
  assert.equal(res.json.models.length, groups.size);
  const total = totals(rowsA).cost_micros;
  let prev = Infinity, share = 0;
  for (const m of res.json.models) {
    const t = totals(groups.get(`${m.provider}|${m.model}`));
    assertFigures(m, t, `model ${m.model}`);
    assert.ok(Math.abs(m.cost_share - ppm(t.cost_micros, total)) < 1e-9);
    assert.ok(m.cost_micros <= prev, 'sorted by cost');
    prev = m.cost_micros;
    share += m.cost_share;
  }
  assert.ok(Math.abs(share - 1) < 1e-4);
  assert.equal(Math.round(res.json.total_cost_usd * 1e6), total);
});

for (const tz of ['UTC', 'Europe/Berlin', 'America/New_York', 'Pacific/Auckland']) {
  test(`timeseries by day in ${tz}: gaps filled, DST-correct, sums agree`, async () => {
    const f = localDate(fromMs + DAY, tz), t = localDate(toMs - DAY, tz);
    const res = await A.get(`/api/usage/timeseries?from=${f}&to=${t}&bucket=day&tz=${encodeURIComponent(tz)}`);
    assert.equal(res.status, 200, res.text);
    const want = new Map();
    for (const r of rowsA) {
      const d = localDate(Math.floor(r.created_us / 1000), tz);
      if (d >= f && d < t) {
        if (!want.has(d)) want.set(d, []);
        want.get(d).push(r);
      }
    }
    const labels = res.json.buckets.map((b) => b.label);
    // every local day from f to t, once, in order
    const days = [];
    for (let d = new Date(f + 'T12:00:00Z'); isoDay(d.getTime()) < t; d = new Date(d.getTime() + DAY)) days.push(isoDay(d.getTime()));
    assert.deepEqual(labels, days);
    for (const b of res.json.buckets) {
      const tt = totals(want.get(b.label) ?? []);
      assert.equal(b.requests, tt.requests, `${tz} ${b.label} requests`);
      assert.equal(b.cost_micros, tt.cost_micros, `${tz} ${b.label} cost`);
      assert.equal(b.total_tokens, tt.total_tokens, `${tz} ${b.label} tokens`);
      assert.equal(localDate(Date.parse(b.start), tz), b.label, 'bucket starts at local midnight');
    }
  });
}

test('timeseries by hour over a DST change has 23 or 25 buckets', async () => {
  // the last Sunday of October (Berlin falls back) inside the data, else March
  const y = new Date(now).getUTCFullYear();
  const candidates = [];
  for (const yy of [y - 1, y]) {
    for (const [mo, want] of [[9, 25], [2, 23]]) {
      const last = new Date(Date.UTC(yy, mo + 1, 0));
      const sunday = last.getUTCDate() - last.getUTCDay();
      candidates.push({ day: `${yy}-${String(mo + 1).padStart(2, '0')}-${String(sunday).padStart(2, '0')}`, want });
    }
  }
  for (const c of candidates) {
    const next = isoDay(Date.parse(c.day + 'T12:00:00Z') + DAY);
    const res = await A.get(`/api/usage/timeseries?from=${c.day}&to=${next}&bucket=hour&tz=Europe/Berlin`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.buckets.length, c.want, c.day);
    const rs = rowsA.filter((r) => localDate(r.created_us / 1000, 'Europe/Berlin') === c.day);
    assert.equal(res.json.buckets.reduce((a, b) => a + b.requests, 0), rs.length);
  }
});

test('logs: newest first, pages and cursor cover every row once', async () => {
  const first = await A.get('/api/usage/logs?per_page=7&page=2');
  assert.equal(first.status, 200);
  assert.equal(first.json.total, rowsA.length);
  assert.equal(first.json.pages, Math.ceil(rowsA.length / 7));
  const seen = new Set();
  let cursor = null, last = Infinity, pages = 0;
  do {
    const res = await A.get(`/api/usage/logs?per_page=200${cursor ? '&cursor=' + cursor : ''}`);
    assert.equal(res.status, 200, res.text);
    for (const l of res.json.logs) {
      assert.ok(!seen.has(l.request_id), 'no row twice');
      seen.add(l.request_id);
      const t = Date.parse(l.created_at);
      assert.ok(t <= last, 'newest first');
      last = t;
    }
    cursor = res.json.next_cursor;
    pages++;
  } while (cursor && pages < 100);
  assert.equal(seen.size, rowsA.length);
  const errs = await A.get('/api/usage/logs?status=error&per_page=200');
  const nErr = rowsA.filter((r) => r.status === 'error').length;
  assert.ok(nErr > 0, 'the data set has error rows of A');
  assert.equal(errs.json.total, nErr);
  assert.equal(errs.json.logs.length, Math.min(200, nErr));
  assert.ok(errs.json.logs.every((l) => l.status === 'error' && l.error));
  const one = (await A.get(`/api/usage/logs?per_page=200&model=${encodeURIComponent(tricky.resolved_model ?? '(unresolved)')}&status=error`)).json.logs
    .find((l) => l.request_id === tricky.request_id);
  assert.equal(one.error.message, tricky.error_message);
  assert.equal(one.cost_usd, 0);
});

test('CSV export parses back to the same rows, formulas neutralised', async () => {
  const res = await A.get(`/api/usage/export.csv`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/csv/);
  assert.match(res.headers.get('content-disposition'), /attachment; filename="usage-/);
  const recs = parseCsv(res.text, { columns: true, strict: true });
  assert.equal(recs.length, rowsA.length);
  const byId = new Map(rowsA.map((r) => [r.request_id, r]));
  let cost = 0;
  for (const rec of recs) {
    const r = byId.get(rec.request_id);
    assert.ok(r, 'known row');
    assert.equal(Number(rec.prompt_tokens), r.prompt_tokens);
    assert.equal(Number(rec.total_tokens), r.total_tokens);
    assert.equal(rec.status, r.status);
    assert.equal(rec.model, r.requested_model);
    assert.match(rec.cost_usd, /^\d+\.\d{6}$/);
    cost += Math.round(Number(rec.cost_usd) * 1e6);
  }
  assert.equal(cost, totals(rowsA).cost_micros);
  const t = recs.find((r) => r.request_id === tricky.request_id);
  assert.equal(t.error_message, "'" + tricky.error_message, 'formula prefixed with an apostrophe');
  assert.match(res.text.split('\r\n')[0], /^created_at,request_id,/);
});

test('bad parameters are clean 400s', async () => {
  for (const q of ['tz=../../etc/passwd', 'tz=Mars/Olympus', 'from=2026-02-30', 'from=yesterday',
    'range=year', 'user=abc', 'key=-1', 'from=2001-01-01&to=2026-01-01', 'bucket=minute']) {
    const res = await A.get(`/api/usage/timeseries?${q}`);
    assert.equal(res.status, 400, q + ' ' + res.text);
    assert.equal(res.json.error.type, 'validation');
  }
  for (const q of ['per_page=0', 'per_page=201', 'page=x', 'cursor=abc', 'status=pending']) {
    const res = await A.get(`/api/usage/logs?${q}`);
    assert.equal(res.status, 400, q);
  }
  const anon = await http('GET', '/api/usage/summary');
  assert.equal(anon.status, 401);
});

// ---- /metrics --------------------------------------------------------------
function metricsToken() {
  const ini = readFileSync(process.env.SWITCHBOARD_CONFIG, 'utf8');
  return /^\s*metrics_token\s*=\s*(\S+)/m.exec(ini)[1];
}

// A strict parser for the Prometheus text format 0.0.4.
function parseProm(text) {
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  const fams = new Map(), series = new Set();
  const nameRe = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
  for (const line of text.slice(0, -1).split('\n')) {
    let m;
    if ((m = /^# HELP ([^ ]+) (.*)$/.exec(line))) {
      assert.match(m[1], nameRe);
      assert.ok(!fams.has(m[1]) || !fams.get(m[1]).help, `one HELP for ${m[1]}`);
      fams.set(m[1], { ...(fams.get(m[1]) ?? { samples: [] }), help: m[2] });
      continue;
    }
    if ((m = /^# TYPE ([^ ]+) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
      const f = fams.get(m[1]) ?? { samples: [] };
      assert.ok(!f.type, `one TYPE for ${m[1]}`);
      assert.equal(f.samples.length, 0, 'TYPE before samples');
      fams.set(m[1], { ...f, type: m[2] });
      continue;
    }
    assert.ok(!line.startsWith('#'), `unknown comment: ${line}`);
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.]+(e[+-]?\d+)?|\+Inf|-Inf|NaN)$/.exec(line);
    assert.ok(m, `bad sample line: ${JSON.stringify(line)}`);
    const labels = {};
    if (m[3] !== undefined && m[3] !== '') {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/y;
      let pos = 0, lm;
      while (pos < m[3].length && (lm = re.exec(m[3])) && lm.index === pos) {
        assert.ok(!(lm[1] in labels), 'no repeated label');
        labels[lm[1]] = lm[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        pos = re.lastIndex;
      }
      assert.equal(pos, m[3].length, `bad labels: ${m[3]}`);
    }
    const base = m[1].replace(/_(bucket|sum|count)$/, '');
    const fam = fams.get(m[1]) ?? fams.get(base);
    assert.ok(fam && fam.type, `sample ${m[1]} has a declared family`);
    const key = m[1] + JSON.stringify(Object.entries(labels).sort());
    assert.ok(!series.has(key), `duplicate series ${key}`);
    series.add(key);
    fam.samples.push({ name: m[1], labels, value: m[4] });
  }
  return fams;
}

function checkHistograms(fams) {
  for (const [name, f] of fams) {
    if (f.type !== 'histogram') continue;
    const groups = new Map();
    for (const s of f.samples) {
      const { le, ...rest } = s.labels;
      const k = JSON.stringify(rest);
      if (!groups.has(k)) groups.set(k, { buckets: [], sum: null, count: null });
      const g = groups.get(k);
      if (s.name === name + '_bucket') g.buckets.push([le, Number(s.value)]);
      else if (s.name === name + '_sum') g.sum = Number(s.value);
      else if (s.name === name + '_count') g.count = Number(s.value);
      else assert.fail(`stray sample ${s.name}`);
    }
    for (const g of groups.values()) {
      assert.equal(g.buckets.at(-1)[0], '+Inf');
      for (let i = 1; i < g.buckets.length; i++) {
        assert.ok(g.buckets[i][1] >= g.buckets[i - 1][1], 'cumulative');
        if (g.buckets[i][0] !== '+Inf') assert.ok(Number(g.buckets[i][0]) > Number(g.buckets[i - 1][0]));
      }
      assert.equal(g.buckets.at(-1)[1], g.count, '+Inf bucket equals _count');
      assert.ok(g.sum !== null);
    }
  }
}

test('/metrics: protected, valid text format, agrees with the log', async () => {
  assert.equal((await http('GET', '/metrics')).status, 401);
  assert.equal((await http('GET', '/metrics', { headers: { authorization: 'Bearer nope' } })).status, 401);
  assert.equal((await A.get('/metrics')).status, 401, 'a non-admin session is not enough');
  assert.equal((await adm.get('/metrics')).status, 200);
  const res = await http('GET', '/metrics', { headers: { authorization: `Bearer ${metricsToken()}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const fams = parseProm(res.text);
  checkHistograms(fams);
  for (const n of ['switchboard_requests_total', 'switchboard_request_duration_seconds',
    'switchboard_time_to_first_token_seconds', 'switchboard_tokens_total', 'switchboard_cost_usd_total',
    'switchboard_upstream_errors_total', 'switchboard_circuit_open']) assert.ok(fams.has(n), n);
  const [[n, cost, prompt, errs, lat]] = sql(`SELECT COUNT(*), SUM(cost_micros), SUM(prompt_tokens),
    SUM(status='error'), SUM(latency_ms) FROM aggregator_usage_logs`);
  const req = fams.get('switchboard_requests_total').samples;
  assert.equal(req.reduce((a, s) => a + Number(s.value), 0), Number(n));
  const c = fams.get('switchboard_cost_usd_total').samples[0].value;
  assert.equal(Math.round(Number(c) * 1e6), Number(cost));
  const tok = fams.get('switchboard_tokens_total').samples.find((s) => s.labels.direction === 'prompt');
  assert.equal(Number(tok.value), Number(prompt));
  const e = fams.get('switchboard_upstream_errors_total').samples.reduce((a, s) => a + Number(s.value), 0);
  assert.equal(e, Number(errs));
  const dur = fams.get('switchboard_request_duration_seconds').samples.filter((s) => s.name.endsWith('_count'));
  assert.equal(dur.reduce((a, s) => a + Number(s.value), 0), Number(n));
  const sum = fams.get('switchboard_request_duration_seconds').samples.filter((s) => s.name.endsWith('_sum'));
  assert.equal(Math.round(sum.reduce((a, s) => a + Number(s.value), 0) * 1000), Number(lat));
});

// ---- budgets -----------------------------------------------------------------
// The generated rows end two days ago, so from the 1st to the 3rd of a month
// none is in the current month: the test adds its own spend a minute ago (never
// before the month's start), for the user and for one of its keys, and expects
// the generated rows of the month on top. It runs in one budget month.
const OWN_USER_COST = 2345678, OWN_KEY_COST = 1234567;

function insertOwnSpend(keyId) {
  const at = "GREATEST(UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE, DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-01 00:00:00'))";
  const row = (key, cost) => `(${q(unique(`bud${aId}x`))}, ${aId}, ${key ?? 'NULL'}, 'openai', 'chat', 'openai/gpt-4o',
    'gpt-4o', 1000, 100, 1100, ${cost}, 1, 300, 200, 'success', ${at})`;
  sql(`INSERT INTO aggregator_usage_logs (request_id, user_id, gateway_key_id, provider, endpoint, requested_model,
    resolved_model, prompt_tokens, completion_tokens, total_tokens, cost_micros, price_known, latency_ms, http_status,
    status, created_at) VALUES ${row(null, OWN_USER_COST)}, ${row(keyId, OWN_KEY_COST)}`);
}

test('budget: spent this month, limit, alert and exceeded; key budgets', () => inOneMonth(async () => {
  const k = aKeys[1];
  // What an attempt cut by a month rollover may have set (nothing, the first time).
  sql(`DELETE FROM user_budgets WHERE user_id = ${aId}`);
  sql(`UPDATE gateway_keys SET monthly_budget_micros = NULL, budget_alert_pct = 80, budget_hard_stop = 1 WHERE id = ${k}`);
  const month = dbMonth();
  insertOwnSpend(k);
  const inMonth = (r) => new Date(r.created_us / 1000).toISOString().slice(0, 7) === month;
  const spent = rowsA.filter(inMonth).reduce((a, r) => a + r.cost_micros, 0) + OWN_USER_COST + OWN_KEY_COST;
  let res = await A.get('/api/budget');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.month, month);
  assert.equal(res.json.scope, 'user');
  assert.equal(res.json.monthly_limit_usd, null);
  assert.equal(res.json.status, 'ok');
  assert.equal(Math.round(res.json.spent_usd * 1e6), spent);

  const usd = (m) => (m / 1e6).toFixed(6);
  res = await A.put('/api/budget', { monthly_limit_usd: usd(Math.floor(spent / 2)) });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.status, 'exceeded');
  assert.equal(res.json.hard_stop, true);
  res = await A.put('/api/budget', { monthly_limit_usd: usd(Math.ceil(spent * 1.1) + 1), alert_threshold_pct: 80, hard_stop: false });
  assert.equal(res.json.status, 'alert');
  assert.equal(res.json.hard_stop, false);
  res = await A.put('/api/budget', { monthly_limit_usd: usd(spent * 10 + 1000000) });
  assert.equal(res.json.status, 'ok');
  assert.equal(res.json.alert_threshold_pct, 80, 'unchanged fields stay');
  assert.equal(Math.round(res.json.remaining_usd * 1e6), spent * 10 + 1000000 - spent);
  assert.equal((await A.get('/api/budget')).json.monthly_limit_usd, Number(usd(spent * 10 + 1000000)));
  res = await A.put('/api/budget', { monthly_limit_usd: null });
  assert.equal(res.json.monthly_limit_usd, null);

  const kSpent = rowsA.filter((r) => r.gateway_key_id === k && inMonth(r)).reduce((a, r) => a + r.cost_micros, 0)
    + OWN_KEY_COST;
  res = await A.put(`/api/budget?key=${k}`, { monthly_limit_usd: 5, alert_threshold_pct: 50 });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.scope, 'key');
  assert.equal(res.json.key_id, k);
  assert.equal(res.json.month, month);
  assert.equal(Math.round(res.json.spent_usd * 1e6), kSpent);
  assert.deepEqual(sql(`SELECT monthly_budget_micros, budget_alert_pct FROM gateway_keys WHERE id = ${k}`), [['5000000', '50']]);

  // B cannot read or change A's key or A's budget
  assert.equal((await B.get(`/api/budget?key=${k}`)).status, 404);
  assert.equal((await B.put(`/api/budget?key=${k}`, { monthly_limit_usd: 1 })).status, 404);
  assert.equal((await B.get(`/api/budget?user=${aId}`)).status, 403);
  assert.equal((await adm.get(`/api/budget?user=${aId}`)).status, 200);
  // validation and CSRF
  for (const body of [{ monthly_limit_usd: -1 }, { alert_threshold_pct: 0 }, { alert_threshold_pct: 101 },
    { hard_stop: 'yes' }, { monthly_limit_usd: '1.1234567' }]) {
    assert.equal((await A.put('/api/budget', body)).status, 400, JSON.stringify(body));
  }
  assert.equal((await A.put('/api/budget', { monthly_limit_usd: 1 }, { csrf: false })).status, 403);
}));

// ---- roll-ups and prune -------------------------------------------------------
async function snapshot(s, who = '') {
  return {
    summary: (await s.get(`/api/usage/summary?${Q}${who}`)).json,
    models: (await s.get(`/api/usage/models?${Q}${who}`)).json,
    series: (await s.get(`/api/usage/timeseries?${Q}${who}&tz=Europe/Berlin`)).json,
    days: (await s.get(`/api/usage/timeseries?${Q}${who}&bucket=day`)).json,
  };
}

test('roll-up equivalence: reports from roll-ups equal reports from raw rows', async () => {
  // force everything raw: watermark back to the start, roll-ups gone
  sql(`UPDATE usage_rollup_state SET rolled_until = '2000-01-01 00:00:00', pruned_before = '2000-01-01 00:00:00' WHERE id = 1`);
  sql('DELETE FROM usage_rollup_hourly');
  // (each read may roll one day forward: the answer must not change either way)
  const rawA = await snapshot(A);
  const rawAll = await snapshot(adm, '&user=all');
  assertFigures(rawA.summary, totals(rowsA), 'raw-ish summary');
  const r = cli(['rollup']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rolled up until/);
  const [[w]] = sql('SELECT rolled_until FROM usage_rollup_state WHERE id = 1');
  assert.ok(Date.parse(w.replace(' ', 'T') + 'Z') > toMs, 'watermark past the data');
  const rolled = await snapshot(A);
  assert.deepEqual(rolled, rawA);
  assert.deepEqual(await snapshot(adm, '&user=all'), rawAll, 'everyone, rolled up');
  const again = cli(['rollup', '--rebuild']);
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(await snapshot(A), rawA, 'a rebuild changes nothing');
  assert.deepEqual(await snapshot(adm, '&user=all'), rawAll, 'everyone, rebuilt');
});

test('prune deletes only rolled-up rows older than retention; reports unchanged', async () => {
  const before = await snapshot(A);
  // pretend cron has not rolled up the last 30 days
  const wm = new Date(toMs - 30 * DAY).toISOString().slice(0, 13).replace('T', ' ') + ':00:00';
  sql(`UPDATE usage_rollup_state SET rolled_until = '${wm}' WHERE id = 1`);
  const [[older]] = sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE created_at < '${wm}'`);
  const [[newer]] = sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE created_at >= '${wm}'`);
  assert.ok(Number(older) > 0 && Number(newer) > 0);
  const p = cli(['prune', '--days', '2']);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, new RegExp(`deleted ${older} raw usage row`));
  assert.deepEqual(sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE created_at < '${wm}'`), [['0']]);
  assert.deepEqual(sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE created_at >= '${wm}'`), [[newer]],
    'un-rolled rows survive');
  assert.deepEqual(await snapshot(A), before, 'reports still count pruned rows');
  assert.equal(cli(['prune', '--days', '1']).status, 2, 'retention below the minimum is refused');
  // a rebuild never reaches below what was pruned
  assert.equal(cli(['rollup', '--rebuild']).status, 0);
  assert.equal(cli(['rollup']).status, 0);
  assert.deepEqual(await snapshot(A), before);
});
