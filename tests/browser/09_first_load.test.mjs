// Issue 15: the first visit of someone not logged in makes no request that
// fails: one session check (200 either way), then the login page. No 4xx in
// the network log, no error in the console.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, ensureUser, launch, assertClean } from './lib.mjs';

test('a logged-out first load makes no failing request and lands on the login page', { timeout: 120000 }, async () => {
  await ensureUser();	// set up, so / does not go to the setup page
  const b = await launch();
  const page = await b.page();
  const failed = [];
  const asked = [];
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (u.pathname.includes('/api/')) asked.push(u.pathname);
    if (r.status() >= 400) failed.push(`${r.status()} ${u.pathname}`);
  });
  page.on('console', (m) => { if (m.type() === 'error') failed.push(`console: ${m.text()}`); });
  try {
    for (const p of ['index.html', 'usage.html', 'providers.html', 'status.html']) {
      await page.goto(`${BASE}/${p}`);
      await page.waitForURL(/login\.html/, { timeout: 30000 });
      await page.waitForLoadState('networkidle');
    }
    assert.deepEqual(failed, [], 'no failing request, no console error');
    assert.ok(asked.includes('/api/auth/session'), asked.join(' '));
    assertClean(assert, b.problems, 'first load');
  } finally {
    await b.close();
  }
});
