// Admin API tokens and the audit log on the Admin page (issue 15): a token
// is created with its scopes and shown once, works as a Bearer token within
// them, and the audit log lists what it did.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, settled, ensureUser, login, assertClean, BASE } from './lib.mjs';

test('admin: an API token made in the UI, used, and seen in the audit log', { timeout: 120000 }, async (t) => {
  await ensureUser();
  const b = await launch();
  const page = await b.page();
  t.after(() => b.close());
  await login(page, 'admin.html');
  await settled(page);

  await t.test('create a reports token; it reads reports and may not make keys', async () => {
    await page.click('#add-token');
    await page.fill('#token-name', 'ui-reports');
    await page.check('input[data-scope="reports"]');
    await page.click('#token-create');
    const secret = (await page.locator('#new-token').textContent()).trim();
    assert.match(secret, /^sb-adm-/);
    await page.click('text=I have saved it');
    await page.locator('tr[data-token="ui-reports"]').waitFor();
    const ask = (method, path, body) => fetch(`${BASE}${path}`, { method,
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    assert.equal((await ask('GET', '/api/usage/summary?range=all')).status, 200);
    assert.equal((await ask('POST', '/api/keys', { name: 'not-allowed' })).status, 403);
  });

  await t.test('the audit log shows the token\'s refused write and the creation', async () => {
    await page.reload();
    await settled(page);
    await page.locator('#audit-table tr[data-method="POST"][data-path="/api/keys"]', { hasText: '403' }).first().waitFor();
    assert.match(await page.locator('#audit-table tr[data-path="/api/keys"]').first().textContent(), /API token #\d+/);
    assert.ok(await page.locator('#audit-table tr[data-path="/api/admin/tokens"]').count() > 0);
  });

  await t.test('clean', () => assertClean(assert, b.problems, 'admin tokens'));
});
