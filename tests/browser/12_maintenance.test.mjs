// The maintenance switch on the Admin page (issue 15): an admin pauses the
// gateway with a message, clients get 503 with it, the settings pages keep
// working, and switching it off serves again.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, settled, ensureUser, customProvider, login, assertClean, BASE } from './lib.mjs';

test('admin: pause the gateway with a message, then serve again', { timeout: 120000 }, async (t) => {
  const session = await ensureUser();
  await customProvider(session, 'maint', 'maint', ['maint-model']);
  const key = (await session.post('/api/keys', { name: 'maintenance' })).json.secret;
  const ask = () => fetch(`${BASE}/v1/chat/completions`, { method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'maint/maint-model', messages: [{ role: 'user', content: 'hi' }] }) });
  const b = await launch();
  const page = await b.page();
  t.after(() => b.close());
  t.after(() => session.put('/api/admin/maintenance', { enabled: false }));
  await login(page, 'admin.html');
  await settled(page);

  await t.test('paused from the keyboard: clients get 503 with the message', async () => {
    await page.focus('#maint-on');
    await page.keyboard.press('Space');
    await page.fill('#maint-msg', 'Back in ten minutes.');
    await page.click('#maint-save');
    await page.locator('#maint-state', { hasText: 'Paused' }).waitFor();
    const r = await ask();
    assert.equal(r.status, 503);
    assert.equal((await r.json()).error.message, 'Back in ten minutes.');
    await page.goto('keys.html');	// settings stay reachable
    await settled(page);
    await page.getByText('maintenance', { exact: true }).first().waitFor();	// the key list loaded
  });

  await t.test('switched off: served again', async () => {
    await page.goto('admin.html');
    await settled(page);
    await page.locator('#maint-on:checked').waitFor();
    await page.uncheck('#maint-on');
    await page.click('#maint-save');
    await page.locator('#maint-state', { hasText: 'Serving' }).waitFor();
    assert.equal((await ask()).status, 200);
  });

  await t.test('clean', () => assertClean(assert, b.problems, 'maintenance'));
});
