// The Usage page says what its ranges are (today, the last 7 days, this
// month, or a custom span of days), asks every report in the browser's time
// zone, filters by provider, key and model, and its CSV export takes the
// same range and filters (issue 15).
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, settled, ensureUser, customProvider, login, assertClean, BASE } from './lib.mjs';

const day = (n) => {
  const d = new Date();
  const x = new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
  return `${x.getFullYear()}-${String(x.getMonth() + 1).padStart(2, '0')}-${String(x.getDate()).padStart(2, '0')}`;
};

test('usage: honest ranges, one time zone, filters the export honours', { timeout: 120000 }, async (t) => {
  const session = await ensureUser();
  await customProvider(session, 'usg', 'usg', ['usg-model']);
  const key = (await session.post('/api/keys', { name: 'usage-range' })).json.secret;
  const r = await fetch(`${BASE}/v1/chat/completions`, { method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'usg/usg-model', messages: [{ role: 'user', content: 'hi' }] }) });
  assert.equal(r.status, 200);
  const b = await launch();
  const page = await b.page();
  t.after(() => b.close());
  const asked = [];
  page.on('request', (req) => { if (/\/api\/usage\/(summary|timeseries|models)/.test(req.url())) asked.push(new URL(req.url())); });
  await login(page, 'usage.html');
  await settled(page);

  await t.test('the buttons say what they show, and every report is asked in the browser\'s zone', async () => {
    assert.deepEqual(await page.$$eval('#range button', (bs) => bs.map((x) => x.textContent)), ['Today', 'Last 7 days', 'This month', 'Custom']);
    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    assert.match(await page.textContent('#range-note'), new RegExp(`the last 7 days, today included, times in ${zone}`));
    assert.ok(asked.length >= 3);
    assert.deepEqual([...new Set(asked.map((u) => u.searchParams.get('tz')))], [zone], 'cards, chart and table: one zone');
    await page.focus('#range button[data-range="day"]');
    await page.keyboard.press('Enter');
    await page.locator('#range button[data-range="day"][aria-pressed="true"]').waitFor();
    assert.match(page.url(), /range=day/);
  });

  await t.test('a custom span of days with a provider filter: cards, table and export agree', async () => {
    await page.click('#range button[data-range="custom"]');
    await page.fill('#f-from', day(-1));
    await page.fill('#f-to', day(1));
    await page.selectOption('#f-provider', 'usg');
    await page.click('#f-apply');
    await settled(page);
    await page.locator('#model-table tbody tr').first().waitFor();
    const providers = await page.$$eval('#model-table tbody tr .cell-sub', (cells) => cells.map((c) => c.textContent));
    assert.ok(providers.length > 0 && providers.every((p) => p === 'usg'), providers.join(','));
    assert.ok(Number((await page.textContent('[data-stat="requests"] .stat-value')).replace(/\D/g, '')) >= 1);
    const href = new URL(await page.getAttribute('#export', 'href'));
    assert.equal(href.searchParams.get('provider'), 'usg');
    assert.equal(href.searchParams.get('from'), day(-1));
    assert.equal(href.searchParams.get('to'), day(2), 'the last day included');
    assert.ok(href.searchParams.get('tz'));
    const csv = await page.evaluate(async (u) => (await fetch(u)).text(), href.href);
    const lines = csv.trim().split('\n');
    assert.ok(lines.length >= 2, 'our request is in the export');
    assert.ok(lines.slice(1).every((l) => l.includes(',usg,')), 'and only usg rows');
    assert.match(page.url(), /provider=usg/);
    // the same period by provider and by key
    await page.locator('#by-key tr[data-split="usage-range"]').waitFor();
    assert.deepEqual(await page.$$eval('#by-provider tbody tr', (trs) => trs.map((tr) => tr.dataset.split)), ['usg']);
    assert.ok(Number(await page.textContent('#by-key tr[data-split="usage-range"] td:nth-child(2)')) >= 1);
  });

  await t.test('clean', () => assertClean(assert, b.problems, 'usage range'));
});
