// The one door to the server: every fetch goes through here. It computes URLs
// relative to the folder holding js/ (so the app works under any path prefix),
// adds the CSRF header on state-changing calls, turns error bodies into ApiError,
// sends the person to the login page on 401, and reads NDJSON / SSE streams.

export const BASE = new URL('../', import.meta.url);

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
let csrfToken = '';
let mePromise = null;

export class ApiError extends Error {
  constructor(status, body, requestId, retryAfter) {
    const e = (body && typeof body === 'object' && body.error && typeof body.error === 'object') ? body.error : {};
    super(typeof e.message === 'string' && e.message ? e.message : defaultMessage(status));
    this.name = 'ApiError';
    this.status = status;
    this.type = typeof e.type === 'string' ? e.type : categoryFor(status);
    this.code = typeof e.code === 'string' ? e.code : '';
    this.requestId = (typeof e.request_id === 'string' && e.request_id) || requestId || '';
    this.retryAfter = retryAfter;
    this.provider = typeof e.provider === 'string' ? e.provider : '';
  }
}

function defaultMessage(status) {
  if (status === 0) return 'Could not reach the server. Check your connection and try again.';
  if (status === 404) return 'Not found.';
  if (status >= 500) return 'The server had a problem. Try again in a moment.';
  return 'Request failed (' + status + ').';
}

function categoryFor(status) {
  if (status === 0) return 'network';
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limit';
  if (status === 504) return 'timeout';
  if (status >= 500) return 'internal';
  return 'validation';
}

/** URL of an API path ("api/models") relative to the app root, as a string. */
export function url(path, params) {
  const u = new URL(path, BASE);
  if (params) {
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
    }
  }
  return u.href;
}

/** Same-folder page URL, e.g. page('login.html'). */
export function page(name) { return new URL(name, BASE).href; }

/** The current page as "name.html?query", safe to pass as ?next=. */
export function currentPageRef() {
  const name = location.pathname.split('/').pop() || 'index.html';
  return name + location.search;
}

/** A ?next= value we are willing to follow: a flat page in this folder only. */
export function safeNext(value) {
  if (typeof value !== 'string' || !/^[a-z][a-z0-9_-]*\.html(\?[^#\s]*)?$/.test(value)) return 'index.html';
  if (value.startsWith('login.html') || value.startsWith('setup.html')) return 'index.html';
  return value;
}

export function toLogin() {
  location.assign(page('login.html') + '?next=' + encodeURIComponent(currentPageRef()));
}

export function setCsrf(token) { if (typeof token === 'string') csrfToken = token; }

async function readError(res) {
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  const ra = parseInt(res.headers.get('Retry-After') || '', 10);
  return new ApiError(res.status, body, res.headers.get('X-Request-Id') || '', Number.isFinite(ra) ? ra : undefined);
}

async function send(method, path, { body, raw, params, signal, noRedirect, accept } = {}) {
  method = method.toUpperCase();
  const headers = { Accept: accept || 'application/json' };
  // Pages load their data at once; once the session check says nobody is
  // logged in, nothing else is asked (no request that can only fail).
  if (mePromise && !path.startsWith('api/auth/')) {
    try { await mePromise; } catch (err) { if (err instanceof ApiError && err.status === 401) throw err; }
  }
  if (STATE_CHANGING.has(method)) {
    if (!csrfToken && mePromise) { try { await mePromise; } catch { /* 401 handled below */ } }
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  }
  let payload;
  if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  if (raw !== undefined) { headers['Content-Type'] = 'text/plain; charset=utf-8'; payload = raw; }	// a file's text as it is
  let res;
  try {
    res = await fetch(url(path, params), { method, headers, body: payload, signal, credentials: 'same-origin', cache: 'no-store' });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, null, '', undefined);
  }
  if (res.status === 401 && !noRedirect) { toLogin(); throw await readError(res); }
  if (res.status === 503) {
    // No config file yet: the whole site is the installer.
    const err = await readError(res);
    if (err.code === 'not_installed' && !location.pathname.endsWith('/install.html')) location.assign(page('install.html'));
    throw err;
  }
  if (!res.ok) throw await readError(res);
  return res;
}

/** JSON request. Resolves to the parsed body (null for 204). */
export async function request(method, path, opts = {}) {
  const res = await send(method, path, opts);
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  let json;
  try { json = JSON.parse(text); } catch { throw new ApiError(res.status, { error: { message: 'The server sent a reply that is not JSON.', type: 'internal' } }, res.headers.get('X-Request-Id') || ''); }
  // A new session (one's own password changed) comes with its CSRF token.
  if (json && typeof json.csrf_token === 'string') setCsrf(json.csrf_token);
  return json;
}

export const get = (path, params, opts = {}) => request('GET', path, { ...opts, params });
export const post = (path, body, opts = {}) => request('POST', path, { ...opts, body });
export const put = (path, body, opts = {}) => request('PUT', path, { ...opts, body });
export const del = (path, opts = {}) => request('DELETE', path, opts);

/** The signed-in user; also learns the CSRF token. Cached per page load. */
export function me({ redirect = true } = {}) {
  if (!mePromise) {
    // api/auth/session answers 200 either way: a logged-out visit makes no
    // failing request (the caller's redirect below sends it to the login page).
    mePromise = get('api/auth/session', null, { noRedirect: true }).then((r) => {
      if (!r || !r.authenticated) throw new ApiError(401, { error: { message: 'Not logged in.', type: 'auth' } }, '');
      setCsrf(r.csrf_token);
      return r.user;
    });
    mePromise.catch(() => {});
  }
  return mePromise.catch((err) => {
    if (redirect && err instanceof ApiError && err.status === 401) toLogin();
    throw err;
  });
}

export async function logout() {
  try { await post('api/auth/logout', undefined, { noRedirect: true }); } catch { /* gone anyway */ }
  location.assign(page('login.html'));
}

async function* lines(res, signal) {
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const onAbort = () => { reader.cancel().catch(() => {}); };
  if (signal) signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        yield line;
      }
      if (buf.length > 4 * 1024 * 1024) throw new ApiError(0, { error: { message: 'Stream line too long.', type: 'upstream' } });
    }
    buf += dec.decode();
    if (buf) yield buf;
  } finally {
    if (signal) signal.removeEventListener('abort', onAbort);
    try { reader.releaseLock(); } catch { /* already released */ }
  }
}

/** POST a JSON body and yield each NDJSON object of the reply. Abort with signal. */
export async function* ndjson(path, body, signal) {
  const res = await send('POST', path, { body, signal, accept: 'application/x-ndjson' });
  for await (const line of lines(res, signal)) {
    if (!line.trim()) continue;
    let obj;
    try { obj = JSON.parse(line); } catch { continue; }
    if (obj && typeof obj === 'object') yield obj;
  }
}

/** POST a JSON body and yield each SSE `data:` JSON payload; stops at [DONE]. */
export async function* sse(path, body, signal) {
  const res = await send('POST', path, { body, signal, accept: 'text/event-stream' });
  let data = [];
  for await (const line of lines(res, signal)) {
    if (line === '') {
      if (data.length) {
        const payload = data.join('\n');
        data = [];
        if (payload === '[DONE]') return;
        try { yield JSON.parse(payload); } catch { /* skip junk */ }
      }
      continue;
    }
    if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
}
