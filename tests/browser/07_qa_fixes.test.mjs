// Regression tests for QA findings in the browser: the usage chart keeps
// errors off the cost axis and labels its axes; setup.html sends a signed-in
// person to chat and an anonymous one to login once setup is done; the setup
// form's username hint and check match the server (1–64 of A-Za-z0-9._@-).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, settled, ensureUser, login, assertClean, SHOTS } from './lib.mjs';

test('QA fixes in the browser', { timeout: 120000 }, async (t) => {
  await ensureUser();
  const b = await launch();
  const page = await b.page();
  t.after(() => b.close());

  await t.test('anonymous visitor on setup.html (setup done) lands on login', async () => {
    await page.goto('setup.html');
    await page.waitForURL(/login\.html/);
  });

  await t.test('setup form: 1-64 of A-Za-z0-9._@- hint and client check', async () => {
    // Pretend first run so the form stays; answer the POST without touching the server.
    const posts = [];
    await page.route('**/api/auth/setup', async (route) => {
      const req = route.request();
      if (req.method() === 'GET') return route.fulfill({ status: 200, contentType: 'application/json', body: '{"setup_required":true}' });
      posts.push(JSON.parse(req.postData() || '{}'));
      return route.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ error: { message: 'stubbed', type: 'validation', code: 'stub' } }) });
    });
    t.after(() => page.unroute('**/api/auth/setup').catch(() => {}));
    await page.goto('setup.html');
    await page.waitForSelector('#setup-form');
    const hint = await page.textContent('#username-h');
    assert.match(hint, /1\s*[–-]\s*64/, 'hint says 1–64');
    assert.doesNotMatch(hint, /\b3\s*[–-]\s*64/);
    for (const ch of ['.', '_', '-', '@']) assert.ok(hint.includes(ch), 'hint names ' + ch);
    assert.equal(await page.getAttribute('#username', 'maxlength'), '64');
    const pattern = await page.getAttribute('#username', 'pattern');
    assert.ok(new RegExp('^(?:' + pattern + ')$').test('a'), 'pattern accepts one character');
    assert.ok(new RegExp('^(?:' + pattern + ')$').test('a.b_c-d@e'), 'pattern accepts . _ - @');
    assert.ok(!new RegExp('^(?:' + pattern + ')$').test('a b'), 'pattern refuses a space');

    // Refused by the client: a space, a slash (the input's maxlength already stops a 65th character).
    for (const bad of ['bad name', 'a/b']) {
      await page.fill('#username', bad);
      await page.fill('#password', 'long-enough-pw');
      await page.fill('#password2', 'long-enough-pw');
      await page.click('#setup-btn');
      await page.waitForSelector('#notice .alert-error');
      assert.match(await page.textContent('#notice'), /1–64 letters, digits, or \. _ - @/);
      assert.equal(posts.length, 0, 'nothing sent for ' + JSON.stringify(bad.slice(0, 10)));
    }
    // Accepted by the client (the server allows them too): one character, and every allowed symbol.
    for (const good of ['a', 'Ab.9_x-y@z']) {
      await page.fill('#username', good);
      await page.click('#setup-btn');
      await page.waitForFunction((n) => document.querySelector('#notice')?.textContent.includes('stubbed'), null);
      assert.equal(posts.at(-1).username, good);
      await page.evaluate(() => { document.querySelector('#notice').textContent = ''; });
    }
    await page.unroute('**/api/auth/setup');
  });

  await t.test('signed-in person on setup.html (setup done) lands on the chat page', async () => {
    await login(page);
    await page.goto('setup.html');
    await page.waitForURL((u) => u.pathname.endsWith('/index.html') || u.pathname.endsWith('/'));
    assert.ok(!page.url().includes('login.html'));
  });

  await t.test('usage chart: errors on their own labelled axis, not the cost axis', async () => {
    await page.goto('usage.html');
    await settled(page);
    const got = await page.evaluate(async () => {
      const { timeChart } = await import(new URL('js/chart.js', location.href).href);
      const el = document.createElement('div');
      el.style.width = '700px';
      document.body.appendChild(el);
      const t0 = Date.UTC(2026, 0, 1) / 1000;
      const points = [0, 1, 2, 3].map((i) => ({ t: t0 + i * 3600, total_tokens: 50000 * (i + 1), cost_usd: 0.002 * (i + 1), errors: [0, 7, 2, 12][i], requests: 20 }));
      const destroy = timeChart(el, points, { hourly: true });
      const u = destroy.plot;
      await new Promise((r) => setTimeout(r, 100));
      const byLabel = Object.fromEntries(u.series.slice(1).map((s) => [s.label, s.scale]));
      const axes = u.axes.slice(1).map((a) => ({ scale: a.scale, label: a.label, side: a.side }));
      const err = u.scales[byLabel.Errors];
      const res = { byLabel, axes, errMax: err.max, usdMax: u.scales.usd.max, aria: u.root.getAttribute('aria-label') };
      window.__qaChart = () => { destroy(); el.remove(); };
      return res;
    });
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.locator('body > div:last-child').screenshot({ path: path.join(SHOTS, 'qa-usage-chart.png') });
    await page.evaluate(() => window.__qaChart());
    assert.notEqual(got.byLabel.Errors, got.byLabel.Cost, 'errors are not on the cost scale');
    assert.notEqual(got.byLabel.Errors, got.byLabel.Tokens, 'errors are not squashed on the token scale');
    const errAxis = got.axes.find((a) => a.scale === got.byLabel.Errors);
    assert.ok(errAxis, 'the errors scale has an axis');
    assert.match(errAxis.label, /error/i);
    assert.match(got.axes.find((a) => a.scale === got.byLabel.Cost).label, /cost/i);
    assert.match(got.axes.find((a) => a.scale === got.byLabel.Tokens).label, /token/i);
    assert.ok(got.errMax >= 12 && got.errMax < 100, 'errors axis fits the error counts: ' + got.errMax);
    assert.ok(got.usdMax < 1, 'cost axis stays in dollars: ' + got.usdMax);
    assert.match(got.aria, /error/i);
    assert.match(await page.textContent('#time-h + .chart-legend, .section-head .chart-legend'), /Errors/);
  });

  assertClean(assert, b.problems, 'qa fixes');
});
