// The main path on a phone-sized viewport: sign in, open the menu, chat with
// a streamed answer, check usage, providers and keys; no page scrolls sideways.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, shot, settled, ensureUser, login, assertClean, cspEvents, PHONE, mock, upstream } from './lib.mjs';

async function noSideScroll(page, label) {
  const { sw, w } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, w: window.innerWidth }));
  assert.ok(sw <= w + 1, `${label}: page is ${sw}px wide in a ${w}px viewport`);
}

test('phone viewport', { timeout: 180000 }, async (t) => {
  const session = await ensureUser();
  await mock.setModels('phone', ['pocket-model', 'echo-model'].map((id) => ({ id, object: 'model', created: 1715367049, owned_by: 'mock' })));
  await session.del('/api/provider-configs/phone');
  const b = await launch({ viewport: PHONE, mobile: true });
  const page = await b.page();
  t.after(() => b.close());

  await t.test('sign in', async () => {
    await page.goto('login.html');
    await shot(page, 'phone-login');
    await login(page);
  });

  await t.test('add a custom OpenAI-compatible provider in the dialog', async () => {
    await page.goto('providers.html');
    await page.click('[data-add="custom"]');
    const dlg = page.locator('dialog[open]');
    await dlg.getByLabel('Name').fill('phone');
    await dlg.getByLabel('API key').fill('none');
    await dlg.getByLabel('Endpoint').fill(upstream('phone'));
    await dlg.getByRole('button', { name: /Test connection/ }).click();
    await dlg.locator('.test-result .alert-ok').waitFor();
    await shot(page, 'phone-add-custom', { full: false });
    await dlg.getByRole('button', { name: 'Add provider' }).click();
    const card = page.locator('[data-config="phone"]');
    await card.locator('.sync-result .alert-ok').waitFor({ timeout: 30000 });
    assert.match(await card.locator('.pcard-name').textContent(), /^phone$/);
    await noSideScroll(page, 'providers');
  });

  await t.test('navigate with the menu button', async () => {
    await page.goto('usage.html');
    await settled(page);
    assert.equal(await page.isVisible('#main-nav'), false, 'nav is folded');
    await page.getByRole('button', { name: 'Menu', exact: true }).click();
    assert.equal(await page.isVisible('#main-nav'), true);
    await shot(page, 'phone-menu', { full: false });
    await Promise.all([page.waitForURL(/index\.html$/), page.locator('#main-nav').getByRole('link', { name: 'Chat' }).click()]);
  });

  await t.test('chat with a streamed answer', async () => {
    await page.waitForSelector('.picker-btn');
    await page.click('.picker-btn');
    await page.keyboard.type('echo-model');
    await page.locator('.picker-opt.is-active').waitFor();
    await shot(page, 'phone-picker', { full: false });
    await page.keyboard.press('Enter');
    await page.fill('#prompt', 'echo these words back');
    await page.click('#send');
    const last = page.locator('.msg-assistant').last();
    await last.locator('.msg-meta').getByText(/tokens/).waitFor({ timeout: 30000 });
    assert.match(await last.locator('.msg-text').textContent(), /echo these words back/);
    await noSideScroll(page, 'chat');
    await shot(page, 'phone-chat', { full: false });
  });

  await t.test('settings pages fit the screen', async () => {
    for (const name of ['usage', 'providers', 'models', 'keys', 'status', 'budget', 'requests', 'admin']) {
      await page.goto(name + '.html');
      await settled(page);
      await noSideScroll(page, name);
      await shot(page, 'phone-' + name);
    }
  });

  await t.test('clean', async () => {
    assert.deepEqual(await cspEvents(page), []);
    assertClean(assert, b.problems, 'phone');
  });
});
