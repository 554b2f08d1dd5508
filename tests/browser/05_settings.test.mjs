// Settings pages doing real work: favorites move a model to the top of the
// picker, aliases are added and deleted, the budget is saved and shown as a
// bar, and the admin page creates, demotes and disables a user, adds a global
// alias and hides a catalog entry (then restores it).
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, shot, settled, ensureUser, customProvider, login, assertClean, cspEvents, unique, Session, upstream } from './lib.mjs';

test('settings: favorites, aliases, budget, admin', { timeout: 180000 }, async (t) => {
  const session = await ensureUser();
  await customProvider(session, 'setx', 'setx', ['aaa-model', 'zzz-model']);
  const b = await launch();
  const page = await b.page();
  t.after(() => b.close());
  await login(page, 'models.html');

  await t.test('a favorite goes to the top of the picker', async () => {
    await settled(page);
    await page.fill('#model-toolbar input[type=search]', 'zzz-model');
    const star = page.locator('tr[data-model="setx/zzz-model"] .fav-btn');
    if (await star.getAttribute('aria-pressed') === 'true') {
      await star.click();
      await page.waitForSelector('tr[data-model="setx/zzz-model"] .fav-btn[aria-pressed="false"]');
    }
    await star.click();
    await page.waitForSelector('tr[data-model="setx/zzz-model"] .fav-btn[aria-pressed="true"]');
    await page.goto('index.html');
    await page.click('.picker-btn');
    const firstGroup = page.locator('.picker-group').first();
    await firstGroup.waitFor();
    assert.match(await firstGroup.textContent(), /Favorites/);
    assert.match(await page.locator('.picker-gl').first().textContent(), /zzz-model/);
    await page.keyboard.press('Escape');
  });

  await t.test('automatic fallback is switched on and off under Providers', async () => {
    await page.goto('providers.html');
    await settled(page);
    const box = page.locator('#auto-fallback');
    await box.waitFor();
    const before = await box.isChecked();
    await box.click();
    await page.waitForFunction((want) => document.querySelector('#auto-fallback').checked === want, !before);
    await page.waitForSelector('.toast');
    const r = await session.get('/api/providers/routing');
    assert.equal(r.json.auto_fallback, !before);
    await box.click();
    await page.waitForFunction(async (want) => {
      const res = await fetch('api/providers/routing', { credentials: 'same-origin' });
      return (await res.json()).auto_fallback === want;
    }, before);
  });

  await t.test('another key of a provider shares its requests by weight', async () => {
    await session.del('/api/provider-configs/xai-2');
    await session.post('/api/provider-configs/xai', { api_key: 'sk-xai-first-0001', base_url: upstream('xai'), validate: false });
    await page.goto('providers.html');
    await settled(page);
    await page.click('[data-config="xai"] [data-action="addkey"]');
    const dlg = page.locator('dialog[open]');
    await dlg.waitFor();
    assert.equal(await dlg.locator('input[pattern]').inputValue(), 'xai-2');
    await dlg.locator('input[type=password]').fill('sk-xai-second-0002');
    await dlg.locator('input[type=url]').fill(upstream('xai'));
    await dlg.locator('input[aria-label="Weight"]').fill('3');
    await dlg.getByRole('button', { name: 'Add provider' }).click();
    await page.waitForSelector('[data-config="xai-2"]');
    const both = (await session.get('/api/provider-configs')).json.configs.filter((c) => c.provider === 'xai');
    const second = both.find((c) => c.name === 'xai-2');
    assert.equal(second.weight, 3);
    assert.equal(second.priority, both.find((c) => c.name === 'xai').priority, 'same priority: shared');
    assert.match(await page.textContent('[data-config="xai-2"]'), /Shares with xai · weight/);
    const w = page.locator('[data-config="xai-2"] input[aria-label^="Weight of"]');
    assert.equal(await w.inputValue(), '3');
    // The weight is edited in place.
    await w.fill('5');
    await w.press('Enter');
    await w.blur();
    await page.waitForFunction(async () => {
      const res = await fetch('api/provider-configs', { credentials: 'same-origin' });
      return (await res.json()).configs.find((c) => c.name === 'xai-2').weight === 5;
    });
    // The priority arrows move both keys together: they keep sharing.
    const xaiPrio = async () => (await session.get('/api/provider-configs')).json.configs.filter((c) => c.provider === 'xai').map((c) => c.priority);
    const lower = page.locator('[data-config="xai"] [aria-label^="Lower priority"]');
    const raise = page.locator('[data-config="xai"] [aria-label^="Raise priority"]');
    const arrow = (await lower.isDisabled()) ? raise : lower;
    // The page stores every moved key, then draws the list again: wait for
    // the new place on the page, so that both writes are done.
    const was = await page.textContent('[data-config="xai"] .prio');
    await arrow.click();
    await page.waitForFunction((old) => document.querySelector('[data-config="xai"] .prio')?.textContent !== old, was);
    await page.waitForSelector('[data-config="xai-2"] input[aria-label^="Weight of"]');
    const [p1, p2] = await xaiPrio();
    assert.equal(p1, p2, 'moved together');
    // "Stop sharing" gives the second key its own priority.
    await page.click('[data-config="xai-2"] [data-action="unshare"]');
    await page.waitForSelector('[data-config="xai-2"] [data-action="unshare"]', { state: 'detached' });
    const [q1, q2] = await xaiPrio();
    assert.notEqual(q1, q2);
    await session.del('/api/provider-configs/xai-2');
    await session.del('/api/provider-configs/xai');
  });

  await t.test('a fallback list is saved and removed on the Models page', async () => {
    await page.goto('models.html');
    await settled(page);
    await page.fill('#fallback-form input[aria-label="Model"]', 'setx/aaa-model');
    await page.fill('#fallback-form input[aria-label="Fallback models, in order"]', 'setx/zzz-model');
    await page.click('#fallback-form button[type=submit]');
    await page.waitForSelector('#fallbacks tr[data-model="setx/aaa-model"]');
    const r = await session.get('/api/models/fallbacks');
    assert.ok(r.json.fallbacks.some((f) => f.model === 'setx/aaa-model' && f.fallbacks[0] === 'setx/zzz-model'));
    // The second list, for prompts too long for the model, keeps the first.
    await page.fill('#fallback-form input[aria-label="Model"]', 'setx/aaa-model');
    await page.selectOption('#fallback-form select[aria-label="When"]', 'context_fallbacks');
    await page.fill('#fallback-form input[aria-label="Fallback models, in order"]', 'setx/big-model');
    await page.click('#fallback-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#fallbacks tr[data-model="setx/aaa-model"] td:nth-child(3)')?.textContent === 'setx/big-model');
    const both = (await session.get('/api/models/fallbacks')).json.fallbacks.find((f) => f.model === 'setx/aaa-model');
    assert.deepEqual(both, { model: 'setx/aaa-model', fallbacks: ['setx/zzz-model'], context_fallbacks: ['setx/big-model'] });
    await page.click('#fallbacks tr[data-model="setx/aaa-model"] button');
    await page.waitForSelector('#fallbacks tr[data-model="setx/aaa-model"]', { state: 'detached' });
  });

  const alias = unique('al');
  await t.test('add and delete an alias', async () => {
    await page.goto('models.html');
    await settled(page);
    await page.fill('#aliases input[aria-label="Alias"]', alias);
    await page.fill('#aliases input[aria-label="Target model"]', 'setx/aaa-model');
    await page.click('#aliases button[type=submit]');
    const row = page.locator('#aliases tr', { hasText: alias });
    await row.waitFor();
    const r = await session.get('/api/aliases');
    assert.ok(r.json.aliases.some((a) => a.alias === alias));
    await row.getByRole('button', { name: /Delete/ }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
  });

  await t.test('save a monthly budget', async () => {
    await page.goto('budget.html');
    await settled(page);
    await page.fill('#budget-form-card input[type=number] >> nth=0', '25');
    await page.fill('#budget-form-card input[type=number] >> nth=1', '75');
    await page.click('#budget-form-card button[type=submit]');
    await page.locator('#budget-now meter').waitFor();
    assert.match(await page.textContent('#budget-now'), /of \$25\.00/);
    assert.match(await page.textContent('#budget-now'), /alert at 75%/);
    await shot(page, 'budget-set');
    await page.goto('usage.html');
    await page.locator('#budget meter').waitFor();
  });

  const name = unique('person');
  await t.test('admin: create, demote and disable a user', async () => {
    await page.goto('admin.html');
    await settled(page);
    await page.click('#add-user');
    const dlg = page.locator('dialog[open]');
    await dlg.locator('input[type=text]').fill(name);
    await dlg.locator('input[type=password]').fill('person-pass-123');
    await dlg.locator('select').selectOption('admin');
    await dlg.getByRole('button', { name: 'Add user' }).click();
    const row = page.locator(`tr[data-user="${name}"]`);
    await row.waitFor();
    await row.locator('select').selectOption('user');
    await page.waitForFunction((n) => document.querySelector(`tr[data-user="${n}"] select`)?.value === 'user', name);
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('Disabled').waitFor();
    const s = new Session();
    const r = await s.post('/api/auth/login', { username: name, password: 'person-pass-123' });
    assert.notEqual(r.status, 200, 'a disabled user cannot sign in');
    // Their limits, from the Admin page.
    await row.getByRole('button', { name: 'Limits of ' + name }).click();
    const lim = page.locator('dialog[open]');
    await lim.getByLabel('Requests per minute').fill('12');
    await lim.getByRole('button', { name: 'Save limits' }).click();
    await lim.waitFor({ state: 'detached' });
    const users = (await session.get('/api/users')).json.users;
    const id = users.find((x) => x.username === name).id;
    assert.equal((await session.get(`/api/users/${id}/limits`)).json.rpm_limit, 12);
  });

  await t.test('admin: global alias and catalog entry', async () => {
    const g = unique('glob');
    await page.fill('#global-aliases input[aria-label="Alias"]', g);
    await page.fill('#global-aliases input[aria-label="Target model"]', 'setx/aaa-model');
    await page.click('#global-aliases button[type=submit]');
    await page.locator('#global-aliases tr', { hasText: g }).waitFor();
    const xai = page.locator('#catalog tr[data-provider="xai"]');
    await xai.getByRole('button', { name: 'Disable' }).click();
    await xai.getByText('Hidden').waitFor();
    await shot(page, 'admin-changed');
    await xai.getByRole('button', { name: 'Enable' }).click();
    await xai.getByText('Offered').waitFor();
  });

  await t.test('providers: priority, disable/enable, replace key', async () => {
    await customProvider(session, 'setz', 'setz', ['zz-only-model']);
    await page.goto('providers.html');
    const order = () => page.$$eval('#active .pcard', (els) => els.map((e) => e.dataset.config));
    await page.waitForSelector('[data-config="setz"]');
    const before = await order();
    const i = before.indexOf('setz');
    assert.ok(i > 0, 'the newest config is not first');
    await page.locator('[data-config="setz"]').getByRole('button', { name: /Raise priority/ }).click();
    await page.waitForFunction((n) => Array.from(document.querySelectorAll('#active .pcard')).map((e) => e.dataset.config).indexOf('setz') === n, i - 1);
    const cfgs = (await session.get('/api/provider-configs')).json.configs.sort((a, b) => a.priority - b.priority).map((c) => c.name);
    assert.deepEqual(cfgs, await order(), 'the server keeps the new order');
    const card = page.locator('[data-config="setz"]');
    await card.locator('[data-action="toggle"]').click();
    await card.getByText('Disabled').waitFor();
    await card.locator('[data-action="toggle"]').click();
    await card.locator('[data-action="toggle"]', { hasText: 'Disable' }).waitFor();
    await card.locator('[data-action="rekey"]').click();
    const dlg = page.locator('dialog[open]');
    await dlg.locator('.input-group input').fill('bad-replacement');
    await dlg.getByRole('button', { name: /Test connection/ }).click();
    await dlg.locator('.test-result .alert-error').waitFor();
    assert.match(await dlg.locator('.test-result').textContent(), /test again/i);
    await dlg.locator('.input-group input').fill('sk-new-good-key');
    await dlg.getByRole('button', { name: 'Save key' }).click();
    await page.waitForSelector('dialog[open]', { state: 'detached' });
    await card.locator('.pcard-meta', { hasText: 'Key …' }).waitFor();
    assert.match(await card.locator('.pcard-meta').textContent(), /Key …-key|Key …/);
    await shot(page, 'providers-managed');
  });

  await t.test('clean', async () => {
    assert.deepEqual(await cspEvents(page), []);
    assertClean(assert, b.problems, 'settings');
  });
});
