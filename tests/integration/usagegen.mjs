// usagegen: deterministic generator of realistic aggregator_usage_logs rows
// (users, gateway keys, providers, models, statuses, streams, month and DST
// boundaries) for the usage tests and the benchmark. As a module it returns
// rows (so a test can hand-compute totals) and SQL; as a CLI it streams SQL:
//   node tests/integration/usagegen.mjs --rows 1000000 --users 1,2 \
//        --from 2025-01-01 --to 2026-01-01 [--seed 7] [--prefix bench] | mariadb …
import { pathToFileURL } from 'node:url';

// provider config name, model id, input/output price in micro-USD per 1M tokens
export const MODELS = [
  { provider: 'openai', model: 'gpt-4o', inPrice: 2500000, outPrice: 10000000 },
  { provider: 'openai', model: 'gpt-4o-mini', inPrice: 150000, outPrice: 600000 },
  { provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', inPrice: 3000000, outPrice: 15000000 },
  { provider: 'openrouter', model: 'meta-llama/llama-3.1-70b-instruct', inPrice: 520000, outPrice: 750000 },
  { provider: 'gemini', model: 'gemini-1.5-flash', inPrice: 75000, outPrice: 300000 },
  { provider: 'ollama', model: 'llama3', inPrice: 0, outPrice: 0 },
];
const ERRORS = [
  ['rate_limit', 429, 'Upstream rate limit reached, retry later'],
  ['upstream', 502, 'Upstream returned 500: "internal", error'],
  ['timeout', 504, 'Upstream did not answer within 60 s'],
  ['network', 502, 'Could not connect to upstream'],
  ['budget', 402, 'Monthly budget exceeded'],
];

// mulberry32: small, fast, deterministic
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (r, arr) => arr[Math.floor(r() * arr.length)];
const pad = (n, w = 2) => String(n).padStart(w, '0');

// "YYYY-MM-DD HH:MM:SS.ffffff" in UTC from epoch microseconds
export function sqlTime(us) {
  const d = new Date(Math.floor(us / 1000));
  const frac = pad(((us % 1000000) + 1000000) % 1000000, 6);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${frac}`;
}

// One row. users: [{id, keys:[keyId,…]}]; fromMs/toMs: epoch ms range.
function makeRow(r, i, opts) {
  const u = pick(r, opts.users);
  const m = pick(r, opts.models || MODELS);
  const span = opts.toMs - opts.fromMs;
  const us = Math.floor((opts.fromMs + r() * span) * 1000);
  const roll = r();
  const status = roll < 0.90 ? 'success' : roll < 0.97 ? 'error' : 'cancelled';
  const stream = r() < 0.5;
  let prompt = 20 + Math.floor(r() * r() * 6000);
  let completion = status === 'success' ? 5 + Math.floor(r() * r() * 2000) : 0;
  let err = null;
  if (status === 'error') {
    err = pick(r, ERRORS);
    if (r() < 0.7) prompt = 0;
  }
  if (status === 'cancelled') completion = Math.floor(r() * 200);
  const cost = Math.floor((prompt * m.inPrice + completion * m.outPrice) / 1000000);
  const latency = Math.floor(40 + Math.exp(r() * 9.5));   // 41 ms .. ~13 s, long tail
  const ttft = stream && status !== 'error' ? Math.floor(latency * (0.05 + r() * 0.4)) : null;
  const key = u.keys && u.keys.length && r() < 0.7 ? pick(r, u.keys) : null;
  return {
    request_id: opts.prefix + i.toString(16).padStart(32 - opts.prefix.length, '0'),
    user_id: u.id,
    gateway_key_id: key,
    provider: m.provider,
    config_id: null,
    endpoint: r() < 0.8 ? 'chat' : 'api_chat',
    requested_model: `${m.provider}/${m.model}`,
    resolved_model: status === 'error' && err[0] === 'budget' ? null : m.model,
    is_stream: stream ? 1 : 0,
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    cost_micros: cost,
    latency_ms: latency,
    ttft_ms: ttft,
    http_status: err ? err[1] : (status === 'cancelled' ? 499 : 200),
    status,
    error_category: err ? err[0] : null,
    error_message: err ? err[2] : null,
    created_us: us,
    created_at: sqlTime(us),
  };
}

export function* generate(opts) {
  const o = { prefix: 'gen', seed: 1, ...opts };
  o.prefix = o.prefix.replace(/[^0-9a-z]/gi, '').slice(0, 16);
  const r = rng(o.seed);
  for (let i = 0; i < o.count; i++) yield makeRow(r, i, o);
}

export function generateRows(opts) {
  return [...generate(opts)];
}

const COLS = ['request_id', 'user_id', 'gateway_key_id', 'provider', 'config_id', 'endpoint',
  'requested_model', 'resolved_model', 'is_stream', 'prompt_tokens', 'completion_tokens',
  'total_tokens', 'cost_micros', 'latency_ms', 'ttft_ms', 'http_status', 'status',
  'error_category', 'error_message', 'created_at'];

function lit(v) {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return String(v);
  return "'" + String(v).replace(/\\/g, '\\\\').replace(/'/g, "''") + "'";
}

// SQL INSERT statements, `batch` rows each.
export function* toSql(rows, batch = 1000) {
  let buf = [];
  const head = `INSERT INTO aggregator_usage_logs (${COLS.join(',')}) VALUES\n`;
  for (const row of rows) {
    buf.push('(' + COLS.map((c) => lit(row[c])).join(',') + ')');
    if (buf.length >= batch) {
      yield head + buf.join(',\n') + ';\n';
      buf = [];
    }
  }
  if (buf.length) yield head + buf.join(',\n') + ';\n';
}

function parseArgs(argv) {
  const a = { rows: 1000, users: '1', from: '2025-01-01', to: '2026-01-01', seed: 7, prefix: 'gen', keys: '' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in a)) throw new Error(`unknown option --${k}`);
    a[k] = argv[i + 1];
  }
  return a;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  // --keys "1:10,11;2:12" gives user 1 keys 10 and 11, user 2 key 12
  const keyMap = {};
  for (const part of a.keys.split(';').filter(Boolean)) {
    const [u, ks] = part.split(':');
    keyMap[u] = ks.split(',').map(Number);
  }
  const users = a.users.split(',').map((id) => ({ id: Number(id), keys: keyMap[id] || [] }));
  const opts = {
    count: Number(a.rows), users, seed: Number(a.seed), prefix: a.prefix,
    fromMs: Date.parse(a.from + (a.from.length === 10 ? 'T00:00:00Z' : '')),
    toMs: Date.parse(a.to + (a.to.length === 10 ? 'T00:00:00Z' : '')),
  };
  process.stdout.write('SET autocommit=0;\n');
  let n = 0;
  for (const stmt of toSql(generate(opts))) {
    if (!process.stdout.write(stmt)) await new Promise((res) => process.stdout.once('drain', res));
    if (++n % 20 === 0) process.stdout.write('COMMIT;\n');
  }
  process.stdout.write('COMMIT;\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  main().catch((e) => { console.error(e.message); process.exit(2); });
}
