// The bell and the alert webhooks (issue 15): unread notifications are
// counted in the header and listed under the bell, "Mark all read" clears
// the count; webhooks are added and removed on the Budget page.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, settled, ensureUser, login, assertClean, sql, unique } from './lib.mjs';

test('alerts: the bell and the webhooks', { timeout: 120000 }, async (t) => {
  const session = await ensureUser();
  const uid = (await session.get('/api/auth/me')).json.user.id;
  const ev = unique('ev');
  sql(`INSERT INTO notifications (user_id, event_key, kind, title, body, link) VALUES
    (${uid}, 'test:${ev}', 'budget_alert', 'Bell test ${ev}', 'Spent $1.00 of $1.20 this month.', 'budget.html')`);
  const b = await launch();
  const page = await b.page();
  t.after(() => b.close());
  await login(page, 'usage.html');
  await settled(page);

  await t.test('the bell counts and lists; mark all read clears the count', async () => {
    await page.locator('#bell .bell-count:not([hidden])').waitFor();
    assert.match(await page.getAttribute('#bell', 'aria-label'), /Notifications: \d+ unread/);
    await page.click('#bell');
    await page.locator('#bell-panel .bell-item', { hasText: `Bell test ${ev}` }).waitFor();
    await page.click('#bell-read');
    await page.locator('#bell .bell-count[hidden]').waitFor({ state: 'attached' });
    assert.equal(await page.getAttribute('#bell', 'aria-label'), 'Notifications');
  });

  await t.test('a webhook is added and removed on the Budget page', async () => {
    await page.goto('budget.html#alerts');
    await settled(page);
    await page.fill('#hook-url', 'https://hooks.example.com/services/T000/B000/secretpart');
    await page.selectOption('#hook-format', 'slack');
    await page.click('#hook-add');
    const item = page.locator('#alert-channels li.hook', { hasText: 'hooks.example.com' });
    await item.waitFor();
    assert.doesNotMatch(await item.textContent(), /T000|secretpart/, 'the path is not shown');
    await item.locator('button', { hasText: 'Remove' }).click();
    await page.locator('#alert-channels', { hasText: 'No webhooks yet.' }).waitFor();
  });

  await t.test('clean', () => assertClean(assert, b.problems, 'alerts'));
});
