// Shared helpers for the browser tests: headless Debian chromium through
// playwright-core with a fresh profile, per-page watchers (console errors, CSP
// violations, JS errors, alert() calls), screenshots under screenshots/, and
// API-side setup (users, provider configs, mock upstream) reusing the
// integration helpers. The stack is started by tests/run.sh (BASE_URL, MOCK_URL).
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, MOCK, ADMIN, Session, http, sql, mock, unique, admin as integrationAdmin } from '../integration/lib.mjs';

export { BASE, MOCK, Session, http, sql, mock, unique };

const here = path.dirname(fileURLToPath(import.meta.url));
export const SHOTS = path.join(here, 'screenshots');
export const USER = { username: 'browser-admin', password: 'browser-pass-2024' };
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 860 };

const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launch chromium with a new, empty user data dir. Returns { context, close }. */
export async function launch({ viewport = DESKTOP, mobile = false, colorScheme = 'light' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-browser-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    viewport,
    isMobile: mobile,
    hasTouch: mobile,
    deviceScaleFactor: 1,
    colorScheme,
    baseURL: BASE,
    timeout: 30000,
  });
  context.setDefaultTimeout(15000);
  // Record CSP violations in every document before any page script runs.
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + (e.lineNumber || ''));
    });
  });
  const problems = { csp: [], errors: [], dialogs: [], console: [] };
  const watch = (page) => {
    page.on('console', (m) => {
      const t = m.text();
      if (/Content Security Policy|Refused to|Trusted Type/i.test(t)) problems.csp.push(t);
      else if (m.type() === 'error' && !/Failed to load resource/.test(t)) problems.console.push(t);
    });
    page.on('pageerror', (e) => problems.errors.push(String(e && e.message || e)));
    page.on('dialog', (d) => { problems.dialogs.push(d.type() + ': ' + d.message()); d.dismiss().catch(() => {}); });
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);
  return {
    context,
    problems,
    async page() { const p = context.pages()[0] || await context.newPage(); return p; },
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** CSP violations recorded by the in-page listener of the current document. */
export async function cspEvents(page) {
  return page.evaluate(() => window.__csp || []).catch(() => []);
}

/** Full-page screenshot into screenshots/<name>.png. */
export async function shot(page, name, { full = true } = {}) {
  fs.mkdirSync(SHOTS, { recursive: true });
  if (full) await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: full });
}

/** Wait until the page's loading placeholders are gone. */
export async function settled(page) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForFunction(() => !document.querySelector('.loading'), null, { timeout: 10000 }).catch(() => {});
}

/**
 * Make sure USER exists and is an admin, through the API. On a fresh stack it
 * performs first-run setup; after the integration tests it uses their admin.
 */
export async function ensureUser() {
  sql('DELETE FROM login_throttle');
  const st = await http('GET', '/api/auth/setup');
  const s = new Session();
  if (st.json?.setup_required) {
    const r = await s.post('/api/auth/setup', USER);
    if (r.status === 201) return s;
  }
  const r = await s.post('/api/auth/login', USER);
  if (r.status === 200) return s;
  const a = await integrationAdmin();
  const c = await a.post('/api/users', { ...USER, role: 'admin' });
  if (c.status !== 201) throw new Error('cannot create the browser user: ' + c.status + ' ' + c.text);
  return new Session().login(USER.username, USER.password);
}

/** Return the stack to first-run state (no users) so setup can be tested in the UI. */
export function forgetUsers() {
  sql('DELETE FROM sessions');
  sql('DELETE FROM login_throttle');
  sql('DELETE FROM users');
}

/** Sign in through the login page. */
export async function login(page, next = '') {
  await page.goto('login.html' + (next ? '?next=' + encodeURIComponent(next) : ''));
  await page.fill('#username', USER.username);
  await page.fill('#password', USER.password);
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/login.html')), page.click('#login-btn')]);
}

/** Mock upstream base URL for a provider family (what a config's base_url points at). */
export function upstream(family) {
  return family === 'openrouter' ? `${MOCK}/openrouter/api/v1` : family === 'anthropic' || family === 'gemini' ? `${MOCK}/${family}` : `${MOCK}/${family}/v1`;
}

/** Create a custom (OpenAI-compatible) provider config through the API and sync it. */
export async function customProvider(session, name, family, models) {
  if (models) await mock.setModels(family, models.map((id) => ({ id, object: 'model', created: 1715367049, owned_by: 'mock' })));
  const r = await session.post('/api/provider-configs/custom', { name, api_key: 'sk-mock-' + name, base_url: upstream(family) });
  if (r.status !== 201 && r.status !== 200 && r.status !== 409) throw new Error('custom provider: ' + r.status + ' ' + r.text);
  const s = await session.post(`/api/provider-configs/${encodeURIComponent(name)}/sync`, {});
  if (s.status !== 200) throw new Error('sync: ' + s.status + ' ' + s.text);
  return s.json;
}

/** Fail with a readable list if any page broke a rule. */
export function assertClean(assert, problems, label = '') {
  assert.deepEqual(problems.csp, [], label + ' CSP violations');
  assert.deepEqual(problems.dialogs, [], label + ' alert/confirm dialogs (script ran?)');
  assert.deepEqual(problems.errors, [], label + ' uncaught page errors');
}

export { ADMIN };
