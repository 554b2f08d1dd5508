// Provider status (issue 5): states, success rates, latency percentiles and
// last errors on a scripted sequence of successes and failures per config,
// through `switchboard health --user` and GET /api/providers/status.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { newUser, sql, cli, q } from './lib.mjs';

let U, uid, okSince;
const cfg = {};
const BOUNDS = [25, 50, 100, 250, 500, 1000, 2000, 3000, 5000, 10000, 20000, 30000, 60000, 120000];

function quantile(values, permille) {
  const hist = new Array(15).fill(0);
  for (const v of values) {
    let i = BOUNDS.findIndex((b) => v <= b);
    if (i < 0) i = 14;
    hist[i]++;
  }
  const total = values.length;
  if (!total) return null;
  const rank = Math.floor((total * permille + 999) / 1000);
  let cum = 0, i = 0;
  for (; i < 15; i++) { if (hist[i] > 0 && cum + hist[i] >= rank) break; cum += hist[i]; }
  const lo = i === 0 ? 0 : BOUNDS[i - 1];
  if (i >= 14) return lo;
  return lo + Math.floor(((BOUNDS[i] - lo) * (rank - cum)) / hist[i]);
}

function addConfig(name) {
  sql(`INSERT INTO user_api_providers (user_id, provider_id, name, api_key_enc, key_id, key_hint,
    key_fingerprint, priority) SELECT ${uid}, id, ${q(name)}, X'00', 1, '...x', UNHEX(SHA2(${q(name + uid)}, 256)), 100
    FROM api_providers WHERE name = 'openai'`);
  cfg[name] = Number(sql(`SELECT id FROM user_api_providers WHERE user_id = ${uid} AND name = ${q(name)}`)[0][0]);
}

let seq = 0;
// n rows for config name, minutesAgo before now, status/category, latency
function addRows(name, n, minutesAgo, status, category, latency) {
  const vals = [];
  for (let i = 0; i < n; i++) {
    const rid = `h${uid}x` + String(seq++).padStart(20, '0');
    vals.push(`(${q(rid)}, ${uid}, 'openai', ${cfg[name]}, 'chat', 'gpt-4o', 'gpt-4o', 10, 5, 15, ${latency + i},
      ${status === 'success' ? 200 : 502}, ${q(status)}, ${category ? q(category) : 'NULL'},
      ${category ? q(`${category} failure ${i}`) : 'NULL'}, NOW(6) - INTERVAL ${minutesAgo * 60 + i} SECOND)`);
  }
  sql(`INSERT INTO aggregator_usage_logs (request_id, user_id, provider, config_id, endpoint, requested_model,
    resolved_model, prompt_tokens, completion_tokens, total_tokens, latency_ms, http_status, status,
    error_category, error_message, created_at) VALUES ${vals.join(',')}`);
}

before(async () => {
  U = await newUser('health');
  uid = U.user.id;
  for (const n of ['okcfg', 'flaky', 'dead', 'idle', 'opencirc', 'probed', 'yesterday', 'refused']) addConfig(n);
  // On the database's clock, no later than okcfg's newest success (5 minutes before its insert).
  [[okSince]] = sql("SELECT DATE_FORMAT(NOW() - INTERVAL 5 MINUTE, '%Y-%m-%dT%H:%i:%sZ')");
  addRows('okcfg', 20, 5, 'success', null, 300);
  addRows('okcfg', 30, 300, 'success', null, 1500);      // older: only in the 24 h figures
  addRows('flaky', 8, 3, 'success', null, 800);
  addRows('flaky', 2, 4, 'error', 'timeout', 60000);
  addRows('dead', 1, 2, 'success', null, 400);
  addRows('dead', 4, 1, 'error', 'network', 10);
  addRows('yesterday', 10, 600, 'success', null, 200);
  addRows('opencirc', 5, 2, 'success', null, 200);
  // the gateway's own refusals do not count against a provider
  addRows('refused', 6, 2, 'error', 'budget', 1);
  addRows('refused', 2, 2, 'success', null, 90);
  sql(`INSERT INTO circuit_state (config_id, failures, open_until) VALUES (${cfg.opencirc}, 5, NOW(6) + INTERVAL 1 MINUTE)`);
  sql(`INSERT INTO provider_probes (config_id, user_id, probed_at, ok, latency_ms, http_status, last_success_at)
    VALUES (${cfg.probed}, ${uid}, NOW(6) - INTERVAL 5 MINUTE, 1, 120, 200, NOW(6) - INTERVAL 5 MINUTE)`);
});

function status() {
  const r = cli(['health', '--user', String(uid)]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

test('states follow the scripted successes and failures', () => {
  const s = status();
  const by = Object.fromEntries(s.providers.map((p) => [p.config, p]));
  assert.equal(by.okcfg.state, 'healthy');
  assert.equal(by.flaky.state, 'degraded');
  assert.equal(by.dead.state, 'down');
  assert.equal(by.idle.state, 'unknown');
  assert.equal(by.opencirc.state, 'circuit_open');
  assert.equal(by.opencirc.circuit_open, true);
  assert.equal(by.opencirc.consecutive_failures, 5);
  assert.equal(by.probed.state, 'healthy');
  assert.equal(by.probed.probe.ok, true);
  assert.equal(by.yesterday.state, 'healthy');
  assert.equal(by.refused.state, 'healthy', 'budget refusals are not provider failures');
  assert.equal(s.overall, 'degraded');
  assert.equal(s.user_id, uid);
});

test('success rates, latency percentiles and last error', () => {
  const by = Object.fromEntries(status().providers.map((p) => [p.config, p]));
  assert.equal(by.okcfg.success_rate_15m, 1);
  assert.equal(by.okcfg.requests_15m, 20);
  assert.equal(by.okcfg.requests_24h, 50);
  const ok15 = Array.from({ length: 20 }, (_, i) => 300 + i);
  const ok24 = ok15.concat(Array.from({ length: 30 }, (_, i) => 1500 + i));
  assert.equal(by.okcfg.p95_latency_ms_15m, quantile(ok15, 950));
  assert.equal(by.okcfg.p50_latency_ms, quantile(ok24, 500));
  assert.equal(by.okcfg.p95_latency_ms, quantile(ok24, 950));
  assert.equal(by.okcfg.last_error, null);
  assert.ok(by.okcfg.last_success_at, 'okcfg has a last success');
  const [[newest]] = sql(`SELECT DATE_FORMAT(MAX(created_at), '%Y-%m-%dT%H:%i:%sZ') FROM aggregator_usage_logs
    WHERE config_id = ${cfg.okcfg} AND status = 'success'`);
  assert.equal(by.okcfg.last_success_at, newest, 'the newest success row');
  assert.ok(by.okcfg.last_success_at >= okSince, `${by.okcfg.last_success_at} >= ${okSince}: the recent rows, not the old ones`);
  assert.equal(by.flaky.success_rate_15m, 0.8);
  assert.equal(by.dead.success_rate_15m, 0.2);
  assert.equal(by.dead.last_error.type, 'network');
  assert.equal(by.dead.last_error.message, 'network failure 0', 'the most recent failure');
  assert.equal(by.idle.success_rate_15m, null);
  assert.equal(by.idle.p50_latency_ms, null);
  assert.equal(by.yesterday.success_rate_15m, null);
  assert.equal(by.yesterday.success_rate_24h, 1);
  assert.equal(by.refused.requests_15m, 2);
});

test('GET /api/providers/status is the same object for the user', async () => {
  const res = await U.get('/api/providers/status');
  assert.equal(res.status, 200, res.text);
  const cliView = status();
  assert.equal(res.json.overall, cliView.overall);
  assert.deepEqual(res.json.providers.map((p) => [p.config, p.state, p.requests_24h]),
    cliView.providers.map((p) => [p.config, p.state, p.requests_24h]));
  // another user sees none of these configs
  const other = await newUser('health2');
  const o = await other.get('/api/providers/status');
  assert.equal(o.json.providers.length, 0);
  assert.equal(o.json.overall, 'unknown');
});

test('/metrics shows open circuits by config name', async () => {
  const { readFileSync } = await import('node:fs');
  const tok = /^\s*metrics_token\s*=\s*(\S+)/m.exec(readFileSync(process.env.SWITCHBOARD_CONFIG, 'utf8'))[1];
  const res = await fetch(process.env.BASE_URL + '/metrics', { headers: { authorization: `Bearer ${tok}` } });
  const text = await res.text();
  assert.match(text, /^switchboard_circuit_open\{provider="opencirc"\} 1$/m);
  assert.match(text, /^switchboard_circuit_open\{provider="okcfg"\} 0$/m);
});

test('health --probe records a model-list call per active config', async () => {
  const { mock, unique } = await import('./lib.mjs');
  const P = await newUser('probe');
  const pid = P.user.id;
  const key = 'sk-test-' + unique('k') + unique('');
  let r = await P.post('/api/provider-configs/openai', { api_key: key, base_url: mock.url('openai/v1') });
  assert.equal(r.status, 201, r.text);
  r = await P.post('/api/provider-configs/custom', { name: 'broken', api_key: key + 'b',
    base_url: mock.url('malformed/v1'), validate: false });
  assert.equal(r.status, 201, r.text);
  const out = cli(['health', '--probe', '--user', String(pid)]);
  assert.equal(out.status, 1, 'one config failed its probe');
  assert.match(out.stdout, /probe: config \d+ \(user \d+\): ok/);
  assert.ok(!out.stdout.includes(key) && !out.stderr.includes(key), 'the key is never printed');
  const s = JSON.parse(out.stdout.trim().split('\n').at(-1));
  const by = Object.fromEntries(s.providers.map((p) => [p.config, p]));
  assert.equal(by.openai.state, 'healthy', 'idle but probed fine');
  assert.equal(by.openai.probe.ok, true);
  assert.ok(by.openai.last_success_at);
  assert.equal(by.broken.state, 'down');
  assert.equal(by.broken.probe.ok, false);
  assert.ok(by.broken.last_error.type);
  const rows = sql(`SELECT ok FROM provider_probes WHERE user_id = ${pid} ORDER BY ok`);
  assert.deepEqual(rows, [['0'], ['1']]);
});
