// Prices on the Models page (issue 15): an admin sets a model's price (an
// override of the provider's), sees it applied and recorded under "Price
// changes", and goes back to the provider's price; all by keyboard.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, settled, ensureUser, login, customProvider, assertClean, unique } from './lib.mjs';

test('models: an admin sets a price, sees the change recorded, and removes it', { timeout: 120000 }, async (t) => {
  const session = await ensureUser();
  const model = unique('priced').toLowerCase();
  await customProvider(session, 'pricecfg', 'custom', [model, 'echo-model']);
  const b = await launch();
  const page = await b.page();
  t.after(() => b.close());
  await login(page, 'models.html');
  await settled(page);
  const row = page.locator(`tr[data-model="pricecfg/${model}"]`);

  await t.test('set a price from the row, by keyboard', async () => {
    await page.fill('input[type="search"]', model);
    await row.getByRole('button', { name: /Set the price of/ }).focus();
    await page.keyboard.press('Enter');
    const dlg = page.getByRole('dialog');
    await dlg.getByLabel('Input', { exact: true }).fill('1.5');
    await dlg.getByLabel('Output', { exact: true }).fill('6');
    await dlg.getByRole('button', { name: 'Save price' }).click();
    await row.locator('.tag', { hasText: 'set' }).waitFor();
    const text = await row.textContent();
    assert.match(text, /\$1\.50/);
    assert.match(text, /\$6/);
  });

  await t.test('the change is recorded', async () => {
    const rec = page.locator('#price-changes tr', { hasText: model }).first();
    await rec.waitFor();
    assert.match(await rec.textContent(), /→ \$1\.50/);
  });

  await t.test('back to the provider\'s price', async () => {
    await row.getByRole('button', { name: /Set the price of/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Use the provider\'s price' }).click();
    await row.locator('.tag', { hasText: 'set' }).waitFor({ state: 'detached' });
    await page.locator('#price-changes tr', { hasText: model }).nth(1).waitFor();	// both changes listed
    assert.match(await page.locator('#price-changes tr', { hasText: model }).first().textContent(), /\$1\.50 → —/);
  });

  await t.test('import a price list file', async () => {
    const listed = unique('listed').toLowerCase();
    await page.setInputFiles('#price-file', { name: 'prices.json', mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ [listed]: { input_cost_per_token: 2e-06, output_cost_per_token: 8e-06 } })) });
    await page.click('#price-import');
    const rec = page.locator('#price-changes tr', { hasText: listed }).first();
    await rec.waitFor();
    assert.match(await rec.textContent(), /import/);
  });

  await t.test('clean', () => assertClean(assert, b.problems, 'prices'));
});
