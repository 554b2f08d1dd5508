// Check now / Check all on the Providers page (issue 15): a saved provider's
// stored key is tried again without retyping it; each card shows its result,
// a refused key says what to do, and the page says how many answered.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, settled, ensureUser, customProvider, login, assertClean, upstream } from './lib.mjs';

test('providers: check now and check all with the stored keys', { timeout: 120000 }, async (t) => {
  const session = await ensureUser();
  await customProvider(session, 'chkok', 'chkok', ['chk-model']);
  const bad = await session.post('/api/provider-configs/custom', { name: 'chkbad', api_key: 'bad-key-browser',
    base_url: upstream('chkbad'), validate: false });
  assert.equal(bad.status, 201, bad.text);
  t.after(async () => { await session.del('/api/provider-configs/chkbad'); });
  const b = await launch();
  const page = await b.page();
  t.after(() => b.close());
  await login(page, 'providers.html');
  await settled(page);

  await t.test('check now on one card', async () => {
    const card = page.locator('article[data-config="chkok"]');
    await card.locator('[data-action="check"]').click();
    await card.locator('.alert-ok', { hasText: 'Key works' }).waitFor();
    assert.match(await card.locator('.alert-ok').textContent(), /1 models listed/);
  });

  await t.test('check all, from the keyboard: each card gets its result, the refused key says what to do', async () => {
    await page.focus('#check-all');
    await page.keyboard.press('Enter');
    const toast = page.locator('.toast', { hasText: /providers answered/ });
    await toast.waitFor();
    assert.match(await toast.textContent(), /^\d+ of \d+ providers answered/);
    const badCard = page.locator('article[data-config="chkbad"]');
    assert.match(await badCard.locator('.alert-error').textContent(), /refused the stored key: use Replace key/);
    assert.match(await page.locator('article[data-config="chkok"] .alert-ok').textContent(), /Key works/);
  });

  await t.test('clean', () => assertClean(assert, b.problems, 'check'));
});
