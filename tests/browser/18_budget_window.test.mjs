// Budgets by day and week in the UI (issue 15): the Budget page sets the
// window beside the limit and its bar names the period; a key's budget has
// its own window in the key dialog and the list says it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, settled, ensureUser, login, assertClean, unique } from './lib.mjs';

test('budget windows: a daily account budget and a weekly key budget', { timeout: 120000 }, async (t) => {
  const session = await ensureUser();
  t.after(() => session.put('/api/budget', { limit_usd: null, window: 'month' }));
  const b = await launch();
  const page = await b.page();
  t.after(() => b.close());
  await login(page, 'budget.html');
  await settled(page);

  await t.test('a daily limit, by keyboard', async () => {
    await page.getByLabel('Limit (USD)').fill('5');
    await page.getByLabel('Per', { exact: true }).focus();
    await page.keyboard.press('End');	// the last option: Day
    await page.getByRole('button', { name: 'Save budget' }).click();
    await page.getByRole('heading', { name: 'Budget today' }).waitFor();
    const got = (await session.get('/api/budget')).json;
    assert.equal(got.window, 'day');
    assert.equal(got.limit_usd, 5);
    assert.match(got.period, /^\d{4}-\d{2}-\d{2}$/);
  });

  await t.test('a key with a weekly budget', async () => {
    await page.goto('keys.html');
    await settled(page);
    await page.click('#create-key');
    const dlg = page.locator('dialog[open]');
    await dlg.getByLabel('Name').fill('weekly-ui');
    await dlg.getByLabel('Budget (USD)').fill('2');
    await dlg.getByLabel('Per', { exact: true }).selectOption('week');
    await dlg.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('button', { name: 'I have saved it' }).click();
    const row = page.locator('tr', { hasText: 'weekly-ui' }).first();
    await row.waitFor();
    assert.match(await row.textContent(), /\$2\.00 a week/);
  });

  await t.test('an admin sets another user\'s weekly budget on the Admin page', async () => {
    const name = unique('capped');
    const made = await session.post('/api/users', { username: name, password: 'capped-password-1', role: 'user' });
    assert.equal(made.status, 201, made.text);
    await page.goto('admin.html');
    await settled(page);
    await page.getByRole('button', { name: 'Limits of ' + name }).click();
    const dlg = page.locator('dialog[open]');
    await dlg.getByLabel('Budget (USD)').fill('3');
    await dlg.getByLabel('Per', { exact: true }).selectOption('week');
    await dlg.getByRole('button', { name: 'Save limits' }).click();
    await dlg.waitFor({ state: 'detached' });
    const got = (await session.get('/api/budget?user=' + made.json.user.id)).json;
    assert.equal(got.admin_limit_usd, 3);
    assert.equal(got.window, 'week');
    assert.equal(got.hard_stop, true);
  });

  await t.test('clean', () => assertClean(assert, b.problems, 'budget windows'));
});
