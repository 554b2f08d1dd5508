// The usage chart keeps errors off the cost axis: errors, cost and tokens each
// on their own labelled scale, the axes fitting their values, and the legend
// and aria label naming the errors.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, settled, ensureUser, login, assertClean, SHOTS } from './lib.mjs';

test('usage chart axes', { timeout: 120000 }, async (t) => {
  await ensureUser();
  const b = await launch();
  const page = await b.page();
  t.after(() => b.close());
  await login(page);

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
      window.__testChart = () => { destroy(); el.remove(); };
      return res;
    });
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.locator('body > div:last-child').screenshot({ path: path.join(SHOTS, 'usage-chart-axes.png') });
    await page.evaluate(() => window.__testChart());
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

  assertClean(assert, b.problems, 'usage chart');
});
