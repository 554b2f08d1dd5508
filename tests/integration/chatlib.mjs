// Helpers for the chat proxy tests (issue 4): a user with provider configs
// pointing at the mock upstream, models with known prices, and readers for
// SSE / NDJSON responses and the usage row of a request.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { newUser, gatewayKey, sql, q, mock, BASE } from './lib.mjs';

// Prices in micro-USD per 1M tokens used for every inserted model.
export const PRICE_IN = 2000000;   // $2 / 1M
export const PRICE_OUT = 8000000;  // $8 / 1M

export async function addConfig(s, provider, body) {
  const res = await s.post(`/api/provider-configs/${provider}`, { validate: false, ...body });
  if (res.status !== 201 && res.status !== 200) throw new Error(`config ${provider}: ${res.status} ${res.text}`);
  return res.json;
}

export function configId(userId, name) {
  return sql(`SELECT id FROM user_api_providers WHERE user_id=${userId} AND name=${q(name)}`)[0][0];
}

export function addModel(userId, config, model, { input = PRICE_IN, output = PRICE_OUT, maxOutput = null, type = 'chat' } = {}) {
  const cid = configId(userId, config);
  sql(`INSERT INTO aggregator_models (config_id, user_id, model_id, display_name, model_type, input_price, output_price,
       max_output, price_source) VALUES (${cid}, ${userId}, ${q(model)}, ${q(model)}, ${q(type)}, ${input}, ${output},
       ${maxOutput ?? 'NULL'}, 'upstream')`);
}

// A user with openai, anthropic and gemini configs on the mock, and a key.
export async function chatUser(opts = {}) {
  const s = await newUser('chat');
  const me = await s.get('/api/auth/me');
  s.id = me.json.user.id;
  await addConfig(s, 'openai', { api_key: 'sk-prov-openai-SECRET0001', base_url: mock.url('openai/v1'), priority: 10 });
  await addConfig(s, 'anthropic', { api_key: 'sk-ant-prov-SECRET0002', base_url: mock.url('anthropic'), priority: 20 });
  await addConfig(s, 'google', { api_key: 'AIzaProvSECRET0003', base_url: mock.url('gemini'), priority: 30 });
  s.key = await gatewayKey(s, opts.key ?? {});
  return s;
}

export function auth(key) {
  return { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
}

// POST a JSON body with a gateway key to any path; the text and, if it parses, the JSON.
export async function post(path, key, body, headers = {}) {
  const res = await fetch(`${BASE}${path}`, {
    method: 'POST', headers: { ...auth(key), ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let json; try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

export function chat(key, body, headers = {}) {
  return post('/v1/chat/completions', key, body, headers);
}

// Parse an SSE body into { events: [parsed JSON], done, comments, errors }.
export function parseSse(text) {
  const out = { events: [], done: false, comments: 0, errors: [] };
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) { out.comments++; continue; }
      if (!line.startsWith('data: ')) continue;
      const d = line.slice(6);
      if (d === '[DONE]') { out.done = true; continue; }
      const o = JSON.parse(d);
      if (o.error) out.errors.push(o.error); else out.events.push(o);
    }
  }
  return out;
}

export function contentOf(events) {
  return events.map((e) => e.choices?.[0]?.delta?.content ?? '').join('');
}

export function toolArgs(events) {
  const calls = [];
  for (const e of events) {
    for (const tc of e.choices?.[0]?.delta?.tool_calls ?? []) {
      calls[tc.index] ??= { id: '', name: '', arguments: '' };
      if (tc.id) calls[tc.index].id = tc.id;
      if (tc.function?.name) calls[tc.index].name = tc.function.name;
      calls[tc.index].arguments += tc.function?.arguments ?? '';
    }
  }
  return calls;
}

const COLS = ['request_id', 'user_id', 'gateway_key_id', 'provider', 'config_id', 'endpoint', 'requested_model',
  'resolved_model', 'is_stream', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cache_read_tokens',
  'cache_write_tokens', 'reasoning_tokens', 'tokens_estimated', 'cost_micros', 'price_known', 'latency_ms',
  'ttft_ms', 'http_status', 'status', 'error_category', 'error_message', 'attempts', 'route'];

// The usage row of a request id (waits briefly: the row is written after the response).
export async function usageRow(requestId) {
  for (let i = 0; i < 50; i++) {
    const rows = sql(`SELECT ${COLS.join(',')} FROM aggregator_usage_logs WHERE request_id=${q(requestId)}`);
    if (rows.length > 1) throw new Error('more than one usage row');
    if (rows.length === 1) return Object.fromEntries(COLS.map((c, j) => [c, rows[0][j]]));
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no usage row for ${requestId}`);
}

export function cost(prompt, completion, cached = 0, input = PRICE_IN, output = PRICE_OUT) {
  return Math.floor(((prompt - cached) * input + cached * input + completion * output + 500000) / 1000000);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Usage rows deferred to the chat processes' batch files (include/spool.h).
// Every chat process takes a request A (1.5 s before its answer) while one
// stream B per process waits in the queue: a process that ends its A sees a B
// waiting, so A's row joins its batch, and it serves B without being idle
// until B ends. The user has openai/gpt-slow-first-byte and the B model.
// Returns the A and B request ids and the B body readers (first event read).
export const CHAT_PROCS = +(process.env.CHAT_PROCS || 4);	// scripts/stack.sh's
const spoolDir = () => `${process.env.VAR}/spool`;
export const spoolFiles = (re) => (existsSync(spoolDir()) ? readdirSync(spoolDir()) : [])
  .filter((f) => re.test(f)).map((f) => `${spoolDir()}/${f}`);
// Note files of requests in flight (not marked ended).
const inFlight = () => spoolFiles(/^inflight-/).filter((f) => readFileSync(f, 'utf8').startsWith('[')).length;

export async function until(what, fn) {
  for (let i = 0; i < 300; i++) {
    if (await fn()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function deferRows(key, bModel, bHeaders = {}) {
  const send = (model, stream, headers = {}) => fetch(`${BASE}/v1/chat/completions`, { method: 'POST',
    headers: { ...auth(key), ...headers }, body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }) });
  const a = Array.from({ length: CHAT_PROCS }, () => send('openai/gpt-slow-first-byte', false));
  await until('every chat process to hold an A', () => inFlight() === CHAT_PROCS);
  const b = Array.from({ length: CHAT_PROCS }, () => send(bModel, true, bHeaders));
  const aRes = await Promise.all(a);
  if (aRes.some((r) => r.status !== 200)) throw new Error('an A failed');
  await Promise.all(aRes.map((r) => r.text()));
  const bRes = await Promise.all(b);
  const readers = bRes.map((r) => r.body.getReader());
  await Promise.all(readers.map((r) => r.read()));
  await until('every B to be noted', () => inFlight() === CHAT_PROCS);
  return { aIds: aRes.map((r) => r.headers.get('x-request-id')),
    bIds: bRes.map((r) => r.headers.get('x-request-id')), readers };
}
