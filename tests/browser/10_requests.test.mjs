// The Requests page (issue 15): the usage log newest first with filters, and
// a request's detail: its route (every target tried and how it ended), the
// error explained with what to do, and the request id to quote.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, shot, settled, ensureUser, customProvider, login, assertClean, BASE } from './lib.mjs';

test('requests: the log, filters and a failed request explained', { timeout: 180000 }, async (t) => {
  const session = await ensureUser();
  await customProvider(session, 'reqs', 'reqs', ['req-ok-model', 'req-fail-503-model']);
  const key = (await session.post('/api/keys', { name: 'requests-page' })).json.secret;
  const ask = (model) => fetch(`${BASE}/v1/chat/completions`, { method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
  const ok = await ask('reqs/req-ok-model');
  assert.equal(ok.status, 200);
  const bad = await ask('reqs/req-fail-503-model');
  assert.equal(bad.status, 502);
  const badId = bad.headers.get('x-request-id');
  const b = await launch();
  const page = await b.page();
  t.after(() => b.close());
  await login(page, 'requests.html?range=all');

  await t.test('the newest requests are listed; the status filter keeps the failed ones', async () => {
    await settled(page);
    await page.waitForSelector(`tr[data-request="${badId}"]`);
    await page.selectOption('#f-status', 'error');
    await page.waitForSelector(`tr[data-request="${badId}"]`);
    const statuses = await page.$$eval('#requests tbody tr', (trs) => trs.map((tr) => tr.dataset.status));
    assert.ok(statuses.length > 0 && statuses.every((s) => s === 'error'), statuses.join(','));
    await page.fill('#f-id', badId.slice(0, 12));
    assert.equal(await page.locator('#requests tbody tr').count(), 1);
  });

  await t.test('a failed request opens its route, the explained error and its id', async () => {
    await page.click(`tr[data-request="${badId}"] button`);
    const dlg = page.locator('dialog[open]');
    await dlg.waitFor();
    assert.match(await dlg.locator('ol.route').textContent(), /reqs\/req-fail-503-model: 502 provider_error after \d attempts/);
    assert.match(await dlg.locator('.alert-error').textContent(), /Provider error/);
    assert.match(await dlg.textContent(), new RegExp(badId));
    assert.match(await dlg.textContent(), /never stored/);
    await shot(page, 'request-detail');
    await page.keyboard.press('Escape');
  });

  await t.test('clean', () => assertClean(assert, b.problems, 'requests'));
});
