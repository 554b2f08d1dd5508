// Rotating a gateway key on the API keys page (issue 15): the new secret is
// shown once, the old one keeps working for the chosen overlap.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, settled, ensureUser, login, assertClean, BASE } from './lib.mjs';

test('keys: rotate with an overlap', { timeout: 120000 }, async (t) => {
  const session = await ensureUser();
  const old = (await session.post('/api/keys', { name: 'rot-browser' })).json.secret;
  const models = (key) => fetch(`${BASE}/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
  const b = await launch();
  const page = await b.page();
  t.after(() => b.close());
  await login(page, 'keys.html');
  await settled(page);

  await t.test('the new secret is shown once; both work during the overlap', async () => {
    await page.click('button[aria-label="Rotate key rot-browser"]');
    await page.selectOption('#rotate-overlap', '1');
    await page.click('#rotate-go');
    const secret = (await page.locator('#new-secret').textContent()).trim();
    assert.match(secret, /^sk-sb-/);
    assert.notEqual(secret, old);
    assert.match(await page.textContent('#rotate-note'), /old secret works until/);
    assert.equal(await models(secret), 200);
    assert.equal(await models(old), 200);
    await page.click('text=I have saved it');
    const { prefix } = (await session.get('/api/keys')).json.keys.find((k) => k.name === 'rot-browser');
    assert.ok(secret.startsWith(prefix));
    await page.locator('tr td .cell-sub', { hasText: prefix + '…' }).first().waitFor();	// the list shows the new prefix
  });

  await t.test('clean', () => assertClean(assert, b.problems, 'key rotate'));
});
