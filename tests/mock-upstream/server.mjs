#!/usr/bin/env node
// Mock LLM upstream for Switchboard's integration and browser tests.
// Imitates the wire shapes of OpenAI (and every OpenAI-compatible provider), OpenRouter,
// AiHubMix, Anthropic and Gemini, with fault injection driven by the model name, a request
// record and a control API under /_mock/. Node 20, node:http only, binds 127.0.0.1.
// See README.md in this folder for the routes, triggers and control endpoints.

import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import * as lists from './lists.mjs';

const MAX_BODY = 64 * 1024 * 1024;
const HANG_CAP_MS = 120000;
const DEFAULT_PIECES = ['Hello', ' from', ' mock', ' —', ' ✓', ' 😀'];
const XSS = '<img src=x onerror=alert(1)>';
const XSS_PIECES = ['<img src=x', ' onerror=', 'alert(1)>'];
const TOOL_ARG_PIECES = ['{"loc', 'ation"', ': "Par', 'is"}'];

/* ------------------------------------------------------------------ state */

export function createState() {
  return {
    requests: [],
    failCounts: new Map(),      // model name -> number of requests seen (fail-once/twice)
    overrides: new Map(),       // family -> models array (family's own list item shape)
    listFaults: new Map(),      // family -> trigger string applied to list requests
    seq: 0,
  };
}

/* ---------------------------------------------------------------- helpers */

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rid = (n = 12) => randomBytes(n).toString('hex').slice(0, n * 2);
const nowSec = () => Math.floor(Date.now() / 1000);

function textOf(v) {
  // Collects every text string in a message content value (string, parts array, objects).
  if (v == null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(textOf).join('');
  if (typeof v === 'object') {
    if (typeof v.text === 'string') return v.text;
    if (v.content !== undefined) return textOf(v.content);
    if (v.parts !== undefined) return textOf(v.parts);
  }
  return '';
}

function countTokens(text) {
  return Math.max(1, Math.ceil([...text].length / 4));
}

function splitWords(text) {
  const p = text.match(/\s*\S+/gu) || [];
  const rest = text.slice(p.join('').length);
  if (rest) p.push(rest);
  if (!p.length) p.push(text);
  return p;
}

/* Reads the model-name triggers into a plan. */
export function planFor(model) {
  const m = String(model || '');
  const plan = {
    failStatus: 0, failOnce: 0, failOnceStatus: 500,
    hang: m.includes('hang'),
    slowFirstByte: m.includes('slow-first-byte'),
    slow: /slow(?!-first-byte)(?!list)/.test(m),
    silent: m.includes('silent'),
    truncate: m.includes('truncate'),
    malformed: m.includes('malformed'),
    tool: m.includes('tool'),
    echo: m.includes('echo'),
    xssError: m.includes('xss-error'),
    xss: m.includes('xss') && !m.includes('xss-error'),
    long: m.includes('long'),
    cached: m.includes('cached'),
    thinking: m.includes('thinking'),
    smallContext: m.includes('ctx-small'),
  };
  const f = m.match(/fail-(\d{3})/);
  if (f) plan.failStatus = Number(f[1]);
  const o = m.match(/fail-(once|twice)(?:-(\d{3}))?/);
  if (o) {
    plan.failOnce = o[1] === 'once' ? 1 : 2;
    if (o[2]) plan.failOnceStatus = Number(o[2]);
  }
  return plan;
}

function pacing(plan) {
  return plan.slow ? 200 : 10;
}

/* The reasoning an Anthropic model named "…thinking…" shows first. */
const THINKING = 'Let me think it over.';

/* The answer for a request: text pieces or a tool call. */
function answerFor(plan, lastUserText, toolName) {
  if (plan.tool) return { kind: 'tool', name: toolName || 'get_weather', args: TOOL_ARG_PIECES };
  let pieces;
  if (plan.xss) pieces = XSS_PIECES.slice();
  else if (plan.echo) pieces = splitWords(lastUserText || '');
  else if (plan.long) pieces = Array.from({ length: 200 }, (_, i) => (i ? ' ' : '') + 'word' + i);
  else pieces = DEFAULT_PIECES.slice();
  return { kind: 'text', pieces };
}

/* ------------------------------------------------------------ error shapes */

const OPENAI_TYPES = { 400: 'invalid_request_error', 401: 'invalid_request_error', 403: 'permission_denied',
  404: 'invalid_request_error', 413: 'invalid_request_error', 429: 'requests', 500: 'server_error',
  502: 'server_error', 503: 'server_error', 504: 'server_error' };
const ANTHROPIC_TYPES = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error',
  404: 'not_found_error', 413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error',
  502: 'api_error', 503: 'overloaded_error', 504: 'api_error', 529: 'overloaded_error' };
const GEMINI_STATUS = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND', 413: 'INVALID_ARGUMENT', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 502: 'INTERNAL',
  503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' };
const DEFAULT_MSG = { 400: 'Bad request.', 401: 'Invalid API key.', 403: 'Forbidden.', 404: 'Not found.',
  429: 'Rate limit reached for requests. Please try again in 1s.',
  500: 'The server had an error while processing your request. Sorry about that!',
  502: 'Bad gateway.', 503: 'The server is overloaded or not ready yet.', 504: 'Gateway timeout.' };

/* Each family's wording when a prompt exceeds the context window (ctx-small). */
const CONTEXT_MSG = {
  openai: "This model's maximum context length is 16 tokens. However, your messages resulted in 42 tokens. Please reduce the length of the messages.",
  anthropic: 'prompt is too long: 42 tokens > 16 maximum',
  gemini: 'The input token count (42) exceeds the maximum number of tokens allowed (16).',
};

function errorBody(style, status, message, code) {
  const msg = message || DEFAULT_MSG[status] || `Mock error ${status}.`;
  if (style === 'anthropic') {
    return { type: 'error', error: { type: ANTHROPIC_TYPES[status] || 'api_error', message: msg },
      request_id: 'req_' + rid(12) };
  }
  if (style === 'gemini') {
    const body = { error: { code: status, message: msg, status: GEMINI_STATUS[status] || 'UNKNOWN' } };
    if (status === 401) {
      body.error.details = [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID',
        domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } }];
    }
    return body;
  }
  if (style === 'openrouter') {
    return { error: { code: status, message: msg, metadata: code ? { code } : undefined } };
  }
  let c = code ?? null;
  if (c == null) {
    if (status === 429) c = 'rate_limit_exceeded';
    else if (status === 404) c = 'model_not_found';
    else if (status === 401) c = 'invalid_api_key';
  }
  return { error: { message: msg, type: OPENAI_TYPES[status] || 'server_error', param: null, code: c } };
}

/* ------------------------------------------------------------- the server */

export function createMockServer(opts = {}) {
  const state = opts.state || createState();
  const sockets = new Set();

  const server = http.createServer((req, res) => {
    handle(state, req, res).catch((e) => {
      try {
        if (!res.headersSent) sendJson(res, 500, { error: { message: 'mock internal: ' + e.message, type: 'server_error' } });
        else res.destroy();
      } catch { /* ignore */ }
    });
  });
  server.requestTimeout = 0;
  server.headersTimeout = 60000;
  server.keepAliveTimeout = 5000;
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.mockState = state;
  server.destroyAll = () => { for (const s of sockets) s.destroy(); };
  return server;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) { reject(Object.assign(new Error('body too large'), { tooLarge: true })); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res, status, obj, headers = {}) {
  const body = Buffer.from(JSON.stringify(obj));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length, ...headers });
  res.end(body);
}

function sendRaw(res, status, text, headers = {}) {
  const body = Buffer.from(text);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length, ...headers });
  res.end(body);
}

/* Context for one request: tracks disconnects and lets writers stop early. */
function makeCtx(state, req, res, rec) {
  const ctx = { rec, closed: false, selfDestroyed: false, res, state };
  res.on('close', () => {
    ctx.closed = true;
    if (!res.writableFinished && !ctx.selfDestroyed) rec.disconnected = true;
  });
  return ctx;
}

async function handle(state, req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const path = url.pathname;
  const query = Object.fromEntries(url.searchParams);
  let raw;
  try {
    raw = await readBody(req);
  } catch (e) {
    if (e.tooLarge) { res.writeHead(413, { connection: 'close' }); res.end(); }
    return;
  }
  const segs = path.split('/').filter(Boolean);
  const family = (segs[0] || '').toLowerCase();

  if (family === '_mock') return control(state, req, res, segs.slice(1), raw, query);

  const text = raw.toString('utf8');
  let body = null;
  let bodyIsJson = false;
  if (text.length) {
    try { body = JSON.parse(text); bodyIsJson = true; } catch { body = text; }
  }
  const rec = {
    seq: ++state.seq, time: new Date().toISOString(), method: req.method, path, query,
    headers: { ...req.headers }, body, family, disconnected: false, status: null,
  };
  state.requests.push(rec);
  const ctx = makeCtx(state, req, res, rec);
  ctx.body = bodyIsJson ? body : null;
  ctx.rawBody = text;
  ctx.bodyIsJson = bodyIsJson;
  ctx.query = query;
  ctx.family = family;

  const origWriteHead = res.writeHead.bind(res);
  res.writeHead = (status, ...rest) => { rec.status = status; return origWriteHead(status, ...rest); };

  // Special list families.
  if (['hang', 'malformed', 'oversize', 'slowlist'].includes(family) && req.method === 'GET' && segs[segs.length - 1] === 'models') {
    return specialList(ctx, family);
  }

  if (family === 'anthropic') return anthropic(ctx, req, res, segs.slice(1));
  if (family === 'gemini') return gemini(ctx, req, res, segs.slice(1));
  return openaiLike(ctx, req, res, segs.slice(1));
}

/* ---------------------------------------------------------------- control */

function control(state, req, res, segs, raw, query) {
  const [what, fam] = segs;
  const m = req.method;
  if (what === 'health' && m === 'GET') return sendJson(res, 200, { ok: true });
  if (what === 'requests') {
    if (m === 'GET') {
      let out = state.requests;
      if (query.family) out = out.filter((r) => r.family === query.family);
      if (query.path) out = out.filter((r) => r.path.includes(query.path));
      if (query.model) out = out.filter((r) => modelOfRecord(r) === query.model);
      return sendJson(res, 200, out);
    }
    if (m === 'DELETE') { state.requests.length = 0; return sendJson(res, 200, { ok: true }); }
  }
  if (what === 'reset' && m === 'POST') {
    state.requests.length = 0;
    state.failCounts.clear();
    state.overrides.clear();
    state.listFaults.clear();
    return sendJson(res, 200, { ok: true });
  }
  if (what === 'models' && fam) {
    const f = fam.toLowerCase();
    if (m === 'PUT' || m === 'POST') {
      let b;
      try { b = JSON.parse(raw.toString('utf8')); } catch { return sendJson(res, 400, { error: 'body must be JSON {"models":[...]}' }); }
      const models = Array.isArray(b) ? b : b && Array.isArray(b.models) ? b.models : null;
      if (!models) return sendJson(res, 400, { error: 'body must be {"models":[...]}' });
      state.overrides.set(f, models);
      return sendJson(res, 200, { ok: true, family: f, count: models.length });
    }
    if (m === 'DELETE') { state.overrides.delete(f); return sendJson(res, 200, { ok: true }); }
    if (m === 'GET') return sendJson(res, 200, { family: f, models: state.overrides.get(f) ?? null });
  }
  if (what === 'list-fault' && fam) {
    const f = fam.toLowerCase();
    if (m === 'PUT' || m === 'POST') {
      let b;
      try { b = JSON.parse(raw.toString('utf8')); } catch { b = null; }
      if (!b || typeof b.fault !== 'string') return sendJson(res, 400, { error: 'body must be {"fault":"fail-500"}' });
      state.listFaults.set(f, b.fault);
      return sendJson(res, 200, { ok: true });
    }
    if (m === 'DELETE') { state.listFaults.delete(f); return sendJson(res, 200, { ok: true }); }
  }
  return sendJson(res, 404, { error: 'unknown control route' });
}

function modelOfRecord(r) {
  if (r.body && typeof r.body === 'object' && typeof r.body.model === 'string') return r.body.model;
  const g = r.path.match(/\/models\/([^/:]+):/);
  return g ? decodeURIComponent(g[1]) : null;
}

/* ------------------------------------------------------- common fault flow */

/* Applies error faults before any response. Returns true when a response was sent. */
async function applyFaults(ctx, plan, style, model) {
  const res = ctx.res;
  if (plan.hang) { await hold(ctx); return true; }
  if (plan.slowFirstByte) { await sleep(1500); if (ctx.closed) return true; }
  if (plan.failOnce) {
    const n = (ctx.state.failCounts.get(model) || 0) + 1;
    ctx.state.failCounts.set(model, n);
    if (n <= plan.failOnce) {
      sendError(ctx, style, plan.failOnceStatus, `Mock transient failure ${n} of ${plan.failOnce} for ${model}.`);
      return true;
    }
  }
  if (plan.failStatus) {
    sendError(ctx, style, plan.failStatus, null);
    return true;
  }
  if (plan.smallContext) {
    sendError(ctx, style, 400, CONTEXT_MSG[style] || CONTEXT_MSG.openai, 'context_length_exceeded');
    return true;
  }
  if (plan.xssError) {
    sendError(ctx, style, 400, `Model ${XSS} rejected the request: <script>alert("xss")</script> <b>bold</b>`);
    return true;
  }
  void res;
  return false;
}

function sendError(ctx, style, status, message, code) {
  const headers = {};
  if (status === 429) {
    headers['retry-after'] = '1';
    if (style === 'openai') Object.assign(headers, { 'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1s' });
  }
  if (style === 'anthropic') headers['request-id'] = 'req_' + rid(12);
  else if (style !== 'gemini') headers['x-request-id'] = 'req_' + rid(12);
  sendJson(ctx.res, status, errorBody(style, status, message, code), headers);
}

/* Holds a request without answering until the client leaves (or the cap). */
async function hold(ctx) {
  const start = Date.now();
  while (!ctx.closed && Date.now() - start < HANG_CAP_MS) await sleep(50);
  if (!ctx.closed) { ctx.selfDestroyed = true; ctx.res.destroy(); }
}

/* Writes stream events one by one with pacing; honours silent/truncate/malformed and disconnects. */
async function writeEvents(ctx, plan, events, opts) {
  const { res } = ctx;
  const gap = pacing(plan);
  const truncateAt = plan.truncate ? Math.min(3, Math.max(1, events.length - 2)) : -1;
  for (let i = 0; i < events.length; i++) {
    if (ctx.closed) return false;
    if (i === truncateAt) {
      ctx.selfDestroyed = true;
      ctx.rec.truncated = true;
      res.socket?.destroy();
      res.destroy();
      return false;
    }
    if (plan.malformed && i === opts.malformedAt) res.write(opts.malformedLine);
    res.write(events[i]);
    if (i < events.length - 1) {
      let wait = gap;
      if (plan.silent && i === opts.silentAfter) wait = 3000;
      if (i < opts.noGapBefore) wait = 0;
      const until = Date.now() + wait;
      while (!ctx.closed && Date.now() < until) await sleep(Math.min(50, until - Date.now()));
    }
  }
  if (ctx.closed) return false;
  res.end();
  return true;
}

async function specialList(ctx, family) {
  const res = ctx.res;
  if (family === 'hang') return hold(ctx);
  if (family === 'malformed') return sendRaw(res, 200, '{"object":"list","data":[{"id":"gpt-4o","object":"model",');
  if (family === 'slowlist') { await sleep(3000); if (ctx.closed) return; return sendJson(res, 200, lists.openaiList('slowlist')); }
  if (family === 'oversize') {
    const buf = lists.oversizeBuffer();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': buf.length });
    res.end(buf);
  }
}

/* Applies a list fault set through /_mock/list-fault/{family}. Returns true when handled. */
async function listFault(ctx, style) {
  const fault = ctx.state.listFaults.get(ctx.family);
  if (!fault) return false;
  const plan = planFor(fault);
  if (plan.malformed) { sendRaw(ctx.res, 200, '{"data":[{not json'); return true; }
  if (plan.slow) await sleep(3000);
  if (await applyFaults(ctx, plan, style, 'list:' + ctx.family)) return true;
  return false;
}

/* ------------------------------------------------------- OpenAI-like family */

function openaiStyle(family) {
  return family === 'openrouter' ? 'openrouter' : 'openai';
}

function checkBearer(ctx, req, style) {
  const h = req.headers.authorization || '';
  const m = h.match(/^Bearer\s+(.+)$/i);
  const key = m ? m[1].trim() : '';
  if (!key) {
    const msg = style === 'openrouter' ? 'No auth credentials found'
      : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
    sendError(ctx, style, 401, msg, style === 'openai' ? null : undefined);
    return false;
  }
  if (key.startsWith('bad')) {
    // "badecho…" keys: a careless upstream that echoes the whole key back.
    const msg = style === 'openrouter' ? 'User not found.'
      : key.startsWith('badecho') ? `Incorrect API key provided: ${key} (echoed in full).`
      : `Incorrect API key provided: ${key.slice(0, 3)}***${key.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`;
    sendError(ctx, style, 401, msg, 'invalid_api_key');
    return false;
  }
  return true;
}

async function openaiLike(ctx, req, res, rest) {
  const family = ctx.family;
  const style = openaiStyle(family);
  // Strip the version prefix: /v1/..., /api/v1/...
  let r = rest.slice();
  const isApiV1 = r[0] === 'api' && r[1] === 'v1';
  if (isApiV1) r = r.slice(2);
  else if (r[0] === 'v1') r = r.slice(1);
  const route = r.join('/');

  // AiHubMix public rich list: no key needed (public endpoint), but a bad key is still rejected.
  if (family === 'aihubmix' && isApiV1 && route === 'models' && req.method === 'GET') {
    const k = (req.headers.authorization || '').replace(/^Bearer\s+/i, '');
    if (k.startsWith('bad')) { sendError(ctx, 'openai', 401, 'Invalid token.', 'invalid_api_key'); return; }
    if (await listFault(ctx, 'openai')) return;
    return sendJson(res, 200, lists.aihubmixRichList(ctx.state.overrides.get('aihubmix-api') ?? ctx.state.overrides.get('aihubmix')));
  }

  if (!checkBearer(ctx, req, style)) return;

  if (route === 'models' && req.method === 'GET') {
    if (await listFault(ctx, style)) return;
    if (family === 'openrouter') return sendJson(res, 200, lists.openrouterList(ctx.state.overrides.get('openrouter')));
    if (family === 'aihubmix') return sendJson(res, 200, lists.aihubmixOpenaiList(ctx.state.overrides.get('aihubmix')));
    return sendJson(res, 200, lists.openaiList(family, ctx.state.overrides.get(family)));
  }
  if (r[0] === 'models' && r.length >= 2 && req.method === 'GET') {
    const id = decodeURIComponent(r.slice(1).join('/'));
    return sendJson(res, 200, { id, object: 'model', created: 1715367049, owned_by: 'system' });
  }
  if (route === 'chat/completions' && req.method === 'POST') return openaiChat(ctx, style);
  if (route === 'responses' && req.method === 'POST' && family === 'openai') return openaiResponses(ctx, style);
  if (route === 'embeddings' && req.method === 'POST') return openaiEmbeddings(ctx, style);
  sendError(ctx, style, 404, `Invalid URL (${req.method} ${new URL(req.url, 'http://x').pathname})`, 'unknown_url');
}

function openaiPromptText(body) {
  const msgs = Array.isArray(body.messages) ? body.messages : [];
  return msgs.map((m) => textOf(m && m.content)).join('\n');
}

function lastUserText(msgs, roleKey = 'role', userRole = 'user', contentKey = 'content') {
  if (!Array.isArray(msgs)) return '';
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i];
    if (m && (m[roleKey] === userRole || (roleKey === 'role' && userRole === 'user' && m[roleKey] === undefined && contentKey === 'parts'))) {
      return textOf(m[contentKey]);
    }
  }
  return '';
}

function openaiUsage(plan, prompt, completion, style, model) {
  const cached = plan.cached ? Math.floor(prompt / 2) : 0;
  const u = {
    prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  if (style === 'openrouter') u.cost = lists.openrouterCost(model, prompt, cached, completion);
  return u;
}

async function openaiChat(ctx, style) {
  const { res } = ctx;
  const body = ctx.body;
  if (!ctx.bodyIsJson || !body || typeof body !== 'object' || Array.isArray(body)) {
    return sendError(ctx, style, 400, 'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)', null);
  }
  if (typeof body.model !== 'string' || !body.model) return sendError(ctx, style, 400, 'you must provide a model parameter', null);
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return sendError(ctx, style, 400, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'empty_array');
  }
  const model = body.model;
  ctx.rec.model = model;
  const plan = planFor(model);
  if (await applyFaults(ctx, plan, style, model)) return;

  const toolName = Array.isArray(body.tools) && body.tools[0] ? (body.tools[0].function?.name || body.tools[0].name) : null;
  const ans = answerFor(plan, lastUserText(body.messages), toolName);
  const prompt = countTokens(openaiPromptText(body));
  const maxTok = Number.isInteger(body.max_completion_tokens) ? body.max_completion_tokens
    : Number.isInteger(body.max_tokens) ? body.max_tokens : 0;
  let finish = ans.kind === 'tool' ? 'tool_calls' : 'stop';
  let pieces = ans.kind === 'tool' ? ans.args : ans.pieces;
  if (ans.kind === 'text' && maxTok > 0 && pieces.length > maxTok) { pieces = pieces.slice(0, maxTok); finish = 'length'; }
  const id = 'chatcmpl-' + rid(14);
  const created = nowSec();
  const callId = 'call_' + rid(12);
  const hdrs = { 'x-request-id': 'req_' + rid(12), 'openai-processing-ms': '12' };

  if (!body.stream) {
    if (plan.malformed) return sendRaw(res, 200, '{"id":"' + id + '","object":"chat.completion","choices":[{not json', hdrs);
    const message = ans.kind === 'tool'
      ? { role: 'assistant', content: null, tool_calls: [{ id: callId, type: 'function', function: { name: ans.name, arguments: pieces.join('') } }], refusal: null, annotations: [] }
      : { role: 'assistant', content: pieces.join(''), refusal: null, annotations: [] };
    const out = {
      id, object: 'chat.completion', created, model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
      usage: openaiUsage(plan, prompt, pieces.length, style, model),
      service_tier: 'default', system_fingerprint: 'fp_mock',
    };
    if (style === 'openrouter') out.provider = 'MockProvider';
    if (plan.truncate) {
      const buf = Buffer.from(JSON.stringify(out));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': buf.length, ...hdrs });
      res.write(buf.subarray(0, Math.floor(buf.length / 2)));
      await sleep(20);
      ctx.selfDestroyed = true; ctx.rec.truncated = true;
      res.socket?.destroy(); res.destroy();
      return;
    }
    return sendJson(res, 200, out, hdrs);
  }

  const includeUsage = !!(body.stream_options && body.stream_options.include_usage);
  const base = { id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_mock' };
  const chunk = (delta, fin) => {
    const c = { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: fin }] };
    if (includeUsage) c.usage = null;
    return 'data: ' + JSON.stringify(c) + '\n\n';
  };
  const events = [];
  if (ans.kind === 'tool') {
    events.push(chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: callId, type: 'function', function: { name: ans.name, arguments: '' } }], refusal: null }, null));
    for (const p of pieces) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: p } }] }, null));
  } else {
    events.push(chunk({ role: 'assistant', content: '', refusal: null }, null));
    for (const p of pieces) events.push(chunk({ content: p }, null));
  }
  events.push(chunk({}, finish));
  if (includeUsage) {
    events.push('data: ' + JSON.stringify({ ...base, choices: [], usage: openaiUsage(plan, prompt, pieces.length, style, model) }) + '\n\n');
  }
  events.push('data: [DONE]\n\n');
  if (style === 'openrouter') events.unshift(': OPENROUTER PROCESSING\n\n');

  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...hdrs });
  res.flushHeaders();
  await writeEvents(ctx, plan, events, {
    silentAfter: style === 'openrouter' ? 2 : 1, malformedAt: style === 'openrouter' ? 3 : 2,
    malformedLine: 'data: {not json\n\n', noGapBefore: 0,
  });
}

/* OpenAI's Responses API (the openai family only): text or a function call
 * for the first function tool, non-stream or with the documented events. */
async function openaiResponses(ctx, style) {
  const { res } = ctx;
  const body = ctx.body;
  if (!ctx.bodyIsJson || !body || typeof body !== 'object') return sendError(ctx, style, 400, 'Invalid body', null);
  if (typeof body.model !== 'string' || !body.model) return sendError(ctx, style, 400, 'Missing required parameter: \'model\'.', null);
  if (body.input === undefined) return sendError(ctx, style, 400, 'Missing required parameter: \'input\'.', null);
  const issued = (ctx.state.responseIds ??= new Set());
  if (body.previous_response_id && !issued.has(body.previous_response_id)) {
    return sendError(ctx, style, 400, `Previous response with id '${body.previous_response_id}' not found.`, 'previous_response_not_found');
  }
  const model = body.model;
  ctx.rec.model = model;
  const plan = planFor(model);
  if (await applyFaults(ctx, plan, style, model)) return;
  const items = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
  const msgs = items.filter((i) => i && i.role).map((i) => ({ role: i.role,
    content: typeof i.content === 'string' ? i.content : (i.content || []).map((c) => c.text || '').join('') }));
  const fn = Array.isArray(body.tools) ? body.tools.find((t) => t && t.type === 'function') : null;
  const ans = answerFor(plan, lastUserText(msgs), fn ? fn.name : null);
  const prompt = countTokens(msgs.map((m) => m.content).join('\n') + (body.instructions || ''));
  const pieces = ans.kind === 'tool' ? ans.args : ans.pieces;
  const id = 'resp_' + rid(14);
  issued.add(id);
  const usage = { input_tokens: prompt, input_tokens_details: { cached_tokens: 0 }, output_tokens: pieces.length,
    output_tokens_details: { reasoning_tokens: 0 }, total_tokens: prompt + pieces.length };
  const callId = 'call_' + rid(12);
  const item = ans.kind === 'tool'
    ? { id: 'fc_' + rid(8), type: 'function_call', status: 'completed', call_id: callId, name: ans.name, arguments: pieces.join('') }
    : { id: 'msg_' + rid(8), type: 'message', status: 'completed', role: 'assistant',
      content: [{ type: 'output_text', text: pieces.join(''), annotations: [] }] };
  const response = (status, output, u) => ({ id, object: 'response', created_at: nowSec(), status, model, output, usage: u });
  if (!body.stream) return sendJson(res, 200, response('completed', [item], usage));
  let seq = 0;
  const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
  const events = [ev('response.created', { response: response('in_progress', [], null) })];
  if (ans.kind === 'tool') {
    events.push(ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', arguments: '' } }));
    for (const p of pieces) events.push(ev('response.function_call_arguments.delta', { item_id: item.id, output_index: 0, delta: p }));
    events.push(ev('response.function_call_arguments.done', { item_id: item.id, output_index: 0, arguments: item.arguments }));
  } else {
    events.push(ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }));
    events.push(ev('response.content_part.added', { item_id: item.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }));
    for (const p of pieces) events.push(ev('response.output_text.delta', { item_id: item.id, output_index: 0, content_index: 0, delta: p }));
    events.push(ev('response.output_text.done', { item_id: item.id, output_index: 0, content_index: 0, text: pieces.join('') }));
  }
  events.push(ev('response.output_item.done', { output_index: 0, item }));
  events.push(ev('response.completed', { response: response('completed', [item], usage) }));
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  await writeEvents(ctx, plan, events, { silentAfter: 1, malformedAt: 2, malformedLine: 'data: {not json\n\n', noGapBefore: 0 });
}

function embeddingVector(text, dims) {
  let h = 2166136261;
  for (const ch of text) { h ^= ch.codePointAt(0); h = Math.imul(h, 16777619) >>> 0; }
  const v = [];
  for (let i = 0; i < dims; i++) { h = Math.imul(h ^ (h >>> 13), 1274126177) >>> 0; v.push(Math.round(((h / 4294967296) * 2 - 1) * 1e6) / 1e6); }
  return v;
}

async function openaiEmbeddings(ctx, style) {
  const body = ctx.body;
  if (!body || typeof body !== 'object') return sendError(ctx, style, 400, 'We could not parse the JSON body of your request.', null);
  if (typeof body.model !== 'string' || !body.model) return sendError(ctx, style, 400, 'you must provide a model parameter', null);
  if (body.input === undefined || body.input === null || body.input === '') return sendError(ctx, style, 400, "'input' is a required property", null);
  const model = body.model;
  ctx.rec.model = model;
  const plan = planFor(model);
  if (await applyFaults(ctx, plan, style, model)) return;
  if (plan.malformed) return sendRaw(ctx.res, 200, '{"object":"list","data":[{not json');
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const dims = Number.isInteger(body.dimensions) && body.dimensions > 0 && body.dimensions <= 4096 ? body.dimensions : 8;
  let tokens = 0;
  const data = inputs.map((inp, index) => {
    const t = typeof inp === 'string' ? inp : JSON.stringify(inp);
    tokens += countTokens(t);
    const vec = embeddingVector(t, dims);
    let embedding = vec;
    if (body.encoding_format === 'base64') {
      const f = new Float32Array(vec);
      embedding = Buffer.from(f.buffer).toString('base64');
    }
    return { object: 'embedding', index, embedding };
  });
  sendJson(ctx.res, 200, { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

/* ------------------------------------------------------------- Anthropic */

async function anthropic(ctx, req, res, rest) {
  const key = req.headers['x-api-key'] || '';
  if (!key) {
    return sendError(ctx, 'anthropic', 401, 'x-api-key header is required');
  }
  if (key.startsWith('bad')) return sendError(ctx, 'anthropic', 401, 'invalid x-api-key');
  if (!req.headers['anthropic-version']) {
    return sendError(ctx, 'anthropic', 400, 'anthropic-version: header is required');
  }
  const route = rest.join('/');
  if (route === 'v1/models' && req.method === 'GET') {
    if (await listFault(ctx, 'anthropic')) return;
    return anthropicModels(ctx);
  }
  if (rest[0] === 'v1' && rest[1] === 'models' && rest.length === 3 && req.method === 'GET') {
    const id = decodeURIComponent(rest[2]);
    const all = ctx.state.overrides.get('anthropic') ?? lists.anthropicModels();
    const m = all.find((x) => x.id === id);
    if (!m) return sendError(ctx, 'anthropic', 404, `model: ${id}`);
    return sendJson(res, 200, m);
  }
  if (route === 'v1/messages/count_tokens' && req.method === 'POST') {
    const b = ctx.body || {};
    return sendJson(res, 200, { input_tokens: countTokens(anthropicPromptText(b)) });
  }
  if (route === 'v1/messages' && req.method === 'POST') return anthropicMessages(ctx);
  sendError(ctx, 'anthropic', 404, `Not found: ${req.method} /${route}`);
}

function anthropicModels(ctx) {
  const all = ctx.state.overrides.get('anthropic') ?? lists.anthropicModels();
  const q = ctx.query;
  let limit = q.limit !== undefined ? Number(q.limit) : 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    return sendError(ctx, 'anthropic', 400, 'limit: Input should be less than or equal to 1000 and greater than or equal to 1');
  }
  let start = 0;
  let end = all.length;
  if (q.after_id) {
    const i = all.findIndex((m) => m.id === q.after_id);
    if (i < 0) return sendError(ctx, 'anthropic', 400, `after_id: invalid id ${q.after_id}`);
    start = i + 1;
  }
  let page;
  if (q.before_id && !q.after_id) {
    const i = all.findIndex((m) => m.id === q.before_id);
    if (i < 0) return sendError(ctx, 'anthropic', 400, `before_id: invalid id ${q.before_id}`);
    end = i;
    start = Math.max(0, end - limit);
    page = all.slice(start, end);
  } else {
    page = all.slice(start, start + limit);
    end = start + page.length;
  }
  const hasMore = q.before_id && !q.after_id ? start > 0 : end < all.length;
  sendJson(ctx.res, 200, {
    data: page, has_more: hasMore,
    first_id: page.length ? page[0].id : null, last_id: page.length ? page[page.length - 1].id : null,
  });
}

function anthropicPromptText(b) {
  const sys = textOf(b.system);
  const msgs = Array.isArray(b.messages) ? b.messages.map((m) => textOf(m && m.content)).join('\n') : '';
  return sys ? sys + '\n' + msgs : msgs;
}

async function anthropicMessages(ctx) {
  const { res } = ctx;
  const b = ctx.body;
  const E = (msg) => sendError(ctx, 'anthropic', 400, msg);
  if (!ctx.bodyIsJson || !b || typeof b !== 'object' || Array.isArray(b)) return E('There was an issue with your request body: invalid JSON');
  if (typeof b.model !== 'string' || !b.model) return E('model: Field required');
  if (b.max_tokens === undefined) return E('max_tokens: Field required');
  if (!Number.isInteger(b.max_tokens) || b.max_tokens < 1) return E('max_tokens: Input should be a valid integer greater than or equal to 1');
  if (!Array.isArray(b.messages)) return E('messages: Field required');
  if (b.messages.length === 0) return E('messages: at least one message is required');
  for (let i = 0; i < b.messages.length; i++) {
    const role = b.messages[i] && b.messages[i].role;
    if (role === 'system') {
      return E(`messages: Unexpected role "system". The Messages API accepts a top-level \`system\` parameter, not "system" as an input message role.`);
    }
    if (role !== 'user' && role !== 'assistant') return E(`messages.${i}.role: Input should be 'user' or 'assistant'`);
  }
  const model = b.model;
  ctx.rec.model = model;
  const plan = planFor(model);
  if (await applyFaults(ctx, plan, 'anthropic', model)) return;

  const toolName = Array.isArray(b.tools) && b.tools[0] ? b.tools[0].name : null;
  const ans = answerFor(plan, lastUserText(b.messages), toolName);
  const prompt = countTokens(anthropicPromptText(b));
  const cacheRead = plan.cached ? Math.floor(prompt / 2) : 0;
  const inputTokens = prompt - cacheRead;
  let pieces = ans.kind === 'tool' ? ans.args : ans.pieces;
  let stop = ans.kind === 'tool' ? 'tool_use' : 'end_turn';
  if (ans.kind === 'text' && pieces.length > b.max_tokens) { pieces = pieces.slice(0, b.max_tokens); stop = 'max_tokens'; }
  const id = 'msg_' + rid(12);
  const toolId = 'toolu_' + rid(12);
  const usage = { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: cacheRead, output_tokens: pieces.length };
  const hdrs = { 'request-id': 'req_' + rid(12) };

  if (!b.stream) {
    if (plan.malformed) return sendRaw(res, 200, '{"id":"' + id + '","type":"message","content":[{not json', hdrs);
    const content = ans.kind === 'tool'
      ? [{ type: 'tool_use', id: toolId, name: ans.name, input: JSON.parse(pieces.join('')) }]
      : [{ type: 'text', text: pieces.join('') }];
    if (plan.thinking) content.unshift({ type: 'thinking', thinking: THINKING, signature: 'sig-mock' });
    const out = { id, type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage };
    if (plan.truncate) {
      const buf = Buffer.from(JSON.stringify(out));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': buf.length, ...hdrs });
      res.write(buf.subarray(0, Math.floor(buf.length / 2)));
      await sleep(20);
      ctx.selfDestroyed = true; ctx.rec.truncated = true;
      res.socket?.destroy(); res.destroy();
      return;
    }
    return sendJson(res, 200, out, hdrs);
  }

  const ev = (name, data) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const events = [];
  events.push(ev('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [],
    stop_reason: null, stop_sequence: null,
    usage: { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: cacheRead, output_tokens: 1 } } }));
  let bi = 0; // the answer's block index: 1 after a thinking block
  if (plan.thinking) {
    events.push(ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }));
    events.push(ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: THINKING } }));
    events.push(ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig-mock' } }));
    events.push(ev('content_block_stop', { type: 'content_block_stop', index: 0 }));
    bi = 1;
  }
  if (ans.kind === 'tool') {
    events.push(ev('content_block_start', { type: 'content_block_start', index: bi, content_block: { type: 'tool_use', id: toolId, name: ans.name, input: {} } }));
    events.push(ev('ping', { type: 'ping' }));
    events.push(ev('content_block_delta', { type: 'content_block_delta', index: bi, delta: { type: 'input_json_delta', partial_json: '' } }));
    for (const p of pieces) events.push(ev('content_block_delta', { type: 'content_block_delta', index: bi, delta: { type: 'input_json_delta', partial_json: p } }));
  } else {
    events.push(ev('content_block_start', { type: 'content_block_start', index: bi, content_block: { type: 'text', text: '' } }));
    events.push(ev('ping', { type: 'ping' }));
    for (const p of pieces) events.push(ev('content_block_delta', { type: 'content_block_delta', index: bi, delta: { type: 'text_delta', text: p } }));
  }
  events.push(ev('content_block_stop', { type: 'content_block_stop', index: bi }));
  events.push(ev('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: pieces.length } }));
  events.push(ev('message_stop', { type: 'message_stop' }));

  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...hdrs });
  res.flushHeaders();
  await writeEvents(ctx, plan, events, {
    silentAfter: 3, malformedAt: 4, malformedLine: 'event: content_block_delta\ndata: {not json\n\n', noGapBefore: 0,
  });
}

/* ---------------------------------------------------------------- Gemini */

async function gemini(ctx, req, res, rest) {
  const key = req.headers['x-goog-api-key'] || ctx.query.key || '';
  if (!key) {
    return sendError(ctx, 'gemini', 401, 'Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.');
  }
  if (String(key).startsWith('bad')) return sendError(ctx, 'gemini', 401, 'API key not valid. Please pass a valid API key.');
  // rest: [v1beta|v1, models, ...]
  if ((rest[0] !== 'v1beta' && rest[0] !== 'v1') || rest[1] !== 'models') {
    return sendError(ctx, 'gemini', 404, `Requested entity was not found.`);
  }
  if (rest.length === 2 && req.method === 'GET') {
    if (await listFault(ctx, 'gemini')) return;
    return geminiModels(ctx);
  }
  const tail = decodeURIComponent(rest.slice(2).join('/'));
  const colon = tail.lastIndexOf(':');
  if (colon < 0) {
    if (req.method !== 'GET') return sendError(ctx, 'gemini', 404, 'Requested entity was not found.');
    const all = ctx.state.overrides.get('gemini') ?? lists.geminiModels();
    const m = all.find((x) => x.name === 'models/' + tail);
    if (!m) return sendError(ctx, 'gemini', 404, `models/${tail} is not found for API version ${rest[0]}.`);
    return sendJson(res, 200, m);
  }
  const model = tail.slice(0, colon);
  const method = tail.slice(colon + 1);
  if (req.method !== 'POST') return sendError(ctx, 'gemini', 404, 'Requested entity was not found.');
  ctx.rec.model = model;
  if (method === 'generateContent') return geminiGenerate(ctx, model, false);
  if (method === 'streamGenerateContent') return geminiGenerate(ctx, model, true);
  if (method === 'countTokens') return sendJson(res, 200, { totalTokens: countTokens(geminiPromptText(ctx.body || {})) });
  if (method === 'embedContent' || method === 'batchEmbedContents') return geminiEmbed(ctx, model, method === 'batchEmbedContents');
  return sendError(ctx, 'gemini', 404, `Method ${method} is not supported.`);
}

function geminiModels(ctx) {
  const all = ctx.state.overrides.get('gemini') ?? lists.geminiModels();
  const q = ctx.query;
  let size = q.pageSize !== undefined ? Number(q.pageSize) : 50;
  if (!Number.isInteger(size) || size < 0) return sendError(ctx, 'gemini', 400, 'Invalid pageSize.');
  if (size === 0) size = 50;
  if (size > 1000) size = 1000;
  let start = 0;
  if (q.pageToken) {
    const s = Buffer.from(q.pageToken, 'base64url').toString('utf8');
    const m = s.match(/^off:(\d+)$/);
    if (!m) return sendError(ctx, 'gemini', 400, 'Invalid page token.');
    start = Number(m[1]);
  }
  const page = all.slice(start, start + size);
  const out = { models: page };
  if (start + size < all.length) out.nextPageToken = Buffer.from('off:' + (start + size)).toString('base64url');
  sendJson(ctx.res, 200, out);
}

function geminiPromptText(b) {
  const sys = textOf(b.systemInstruction || b.system_instruction);
  const c = Array.isArray(b.contents) ? b.contents.map((x) => textOf(x && x.parts)).join('\n') : '';
  return sys ? sys + '\n' + c : c;
}

async function geminiGenerate(ctx, model, stream) {
  const { res } = ctx;
  const b = ctx.body;
  const E = (msg) => sendError(ctx, 'gemini', 400, msg);
  if (!ctx.bodyIsJson || !b || typeof b !== 'object' || Array.isArray(b)) return E('Invalid JSON payload received.');
  if (!Array.isArray(b.contents) || b.contents.length === 0) return E('* GenerateContentRequest.contents: contents is not specified\n');
  const plan = planFor(model);
  if (await applyFaults(ctx, plan, 'gemini', model)) return;

  let toolName = null;
  if (Array.isArray(b.tools)) {
    for (const t of b.tools) {
      const decls = t && (t.functionDeclarations || t.function_declarations);
      if (Array.isArray(decls) && decls[0] && decls[0].name) { toolName = decls[0].name; break; }
    }
  }
  let last = '';
  for (let i = b.contents.length - 1; i >= 0; i--) {
    const c = b.contents[i];
    if (c && (c.role === 'user' || c.role === undefined)) { last = textOf(c.parts); break; }
  }
  const ans = answerFor(plan, last, toolName);
  const prompt = countTokens(geminiPromptText(b));
  const cached = plan.cached ? Math.floor(prompt / 2) : 0;
  const thoughts = plan.thinking ? 7 : 0;
  const gc = b.generationConfig || b.generation_config || {};
  const maxOut = Number.isInteger(gc.maxOutputTokens) ? gc.maxOutputTokens : 0;
  let finish = 'STOP';
  let pieces = ans.kind === 'tool' ? [] : ans.pieces;
  if (ans.kind === 'text' && maxOut > 0 && pieces.length > maxOut) { pieces = pieces.slice(0, maxOut); finish = 'MAX_TOKENS'; }
  const completionTotal = ans.kind === 'tool' ? ans.args.length : pieces.length;
  const responseId = rid(12);
  const usage = (cand) => {
    const u = { promptTokenCount: prompt, candidatesTokenCount: cand, totalTokenCount: prompt + cand + thoughts,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }] };
    if (thoughts) u.thoughtsTokenCount = thoughts;
    if (cached) { u.cachedContentTokenCount = cached; u.cacheTokensDetails = [{ modality: 'TEXT', tokenCount: cached }]; }
    return u;
  };
  const toolPart = () => ({ functionCall: { name: ans.name, args: JSON.parse(ans.args.join('')) } });

  if (!stream) {
    if (plan.malformed) return sendRaw(res, 200, '{"candidates":[{"content":{not json');
    const parts = ans.kind === 'tool' ? [toolPart()] : [{ text: pieces.join('') }];
    const out = { candidates: [{ content: { parts, role: 'model' }, finishReason: finish, index: 0 }],
      usageMetadata: usage(completionTotal), modelVersion: model, responseId };
    if (plan.truncate) {
      const buf = Buffer.from(JSON.stringify(out));
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': buf.length });
      res.write(buf.subarray(0, Math.floor(buf.length / 2)));
      await sleep(20);
      ctx.selfDestroyed = true; ctx.rec.truncated = true;
      res.socket?.destroy(); res.destroy();
      return;
    }
    return sendJson(res, 200, out, { 'content-type': 'application/json; charset=UTF-8' });
  }

  const sse = ctx.query.alt === 'sse';
  const objs = [];
  if (ans.kind === 'tool') {
    objs.push({ candidates: [{ content: { parts: [toolPart()], role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: usage(completionTotal), modelVersion: model, responseId });
  } else {
    pieces.forEach((p, i) => {
      const cand = { content: { parts: [{ text: p }], role: 'model' }, index: 0 };
      if (i === pieces.length - 1) cand.finishReason = finish;
      objs.push({ candidates: [cand], usageMetadata: usage(i + 1), modelVersion: model, responseId });
    });
  }
  let events;
  if (sse) events = objs.map((o) => 'data: ' + JSON.stringify(o) + '\r\n\r\n');
  else events = objs.map((o, i) => (i === 0 ? '[' : ',\r\n') + JSON.stringify(o) + (i === objs.length - 1 ? ']' : ''));
  res.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/json; charset=UTF-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
  await writeEvents(ctx, plan, events, {
    silentAfter: 0, malformedAt: 1, malformedLine: sse ? 'data: {not json\r\n\r\n' : ',{not json', noGapBefore: 0,
  });
}

async function geminiEmbed(ctx, model, batch) {
  const b = ctx.body;
  if (!b || typeof b !== 'object') return sendError(ctx, 'gemini', 400, 'Invalid JSON payload received.');
  const plan = planFor(model);
  if (await applyFaults(ctx, plan, 'gemini', model)) return;
  const dims = Number.isInteger(b.outputDimensionality) && b.outputDimensionality > 0 && b.outputDimensionality <= 4096 ? b.outputDimensionality : 8;
  if (batch) {
    const reqs = Array.isArray(b.requests) ? b.requests : [];
    if (!reqs.length) return sendError(ctx, 'gemini', 400, '* BatchEmbedContentsRequest.requests: requests is not specified');
    return sendJson(ctx.res, 200, { embeddings: reqs.map((r) => ({ values: embeddingVector(textOf(r && r.content && r.content.parts), dims) })) });
  }
  if (!b.content) return sendError(ctx, 'gemini', 400, '* EmbedContentRequest.content: content is not specified');
  sendJson(ctx.res, 200, { embedding: { values: embeddingVector(textOf(b.content.parts), dims) } });
}

/* ------------------------------------------------------------------ main */

function parseArgs(argv) {
  let port = Number(process.env.MOCK_PORT || 28490);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port' && argv[i + 1] !== undefined) port = Number(argv[++i]);
    else if (argv[i].startsWith('--port=')) port = Number(argv[i].slice(7));
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('mock-upstream: invalid --port\n');
    process.exit(2);
  }
  return { port };
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  const { port } = parseArgs(process.argv.slice(2));
  const server = createMockServer();
  server.on('error', (e) => { process.stderr.write(`mock-upstream: ${e.message}\n`); process.exit(1); });
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`mock-upstream listening on 127.0.0.1:${server.address().port}\n`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.destroyAll();
    setTimeout(() => process.exit(0), 500).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
