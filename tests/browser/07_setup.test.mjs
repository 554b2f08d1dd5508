// The setup page once setup is done: an anonymous visitor is sent to login and
// a signed-in person to chat; the setup form's username hint and check match
// the server (1–64 of A-Za-z0-9._@-).
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, ensureUser, login, assertClean } from './lib.mjs';

test('setup page after setup', { timeout: 120000 }, async (t) => {
  await ensureUser();
  const b = await launch();
  const page = await b.page();
  t.after(() => b.close());

  await t.test('anonymous visitor on setup.html (setup done) lands on login', async () => {
    await page.goto('setup.html');
    await page.waitForURL(/login\.html/);
  });

  await t.test('setup form: 1-64 of A-Za-z0-9._@- hint and client check', async () => {
    // Pretend first run so the form stays; answer the POST without touching the server.
    const posts = [];
    await page.route('**/api/auth/setup', async (route) => {
      const req = route.request();
      if (req.method() === 'GET') return route.fulfill({ status: 200, contentType: 'application/json', body: '{"setup_required":true}' });
      posts.push(JSON.parse(req.postData() || '{}'));
      return route.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ error: { message: 'stubbed', type: 'validation', code: 'stub' } }) });
    });
    t.after(() => page.unroute('**/api/auth/setup').catch(() => {}));
    await page.goto('setup.html');
    await page.waitForSelector('#setup-form');
    const hint = await page.textContent('#username-h');
    assert.match(hint, /1\s*[–-]\s*64/, 'hint says 1–64');
    assert.doesNotMatch(hint, /\b3\s*[–-]\s*64/);
    for (const ch of ['.', '_', '-', '@']) assert.ok(hint.includes(ch), 'hint names ' + ch);
    assert.equal(await page.getAttribute('#username', 'maxlength'), '64');
    const pattern = await page.getAttribute('#username', 'pattern');
    assert.ok(new RegExp('^(?:' + pattern + ')$').test('a'), 'pattern accepts one character');
    assert.ok(new RegExp('^(?:' + pattern + ')$').test('a.b_c-d@e'), 'pattern accepts . _ - @');
    assert.ok(!new RegExp('^(?:' + pattern + ')$').test('a b'), 'pattern refuses a space');

    // Refused by the client: a space, a slash (the input's maxlength already stops a 65th character).
    for (const bad of ['bad name', 'a/b']) {
      await page.fill('#username', bad);
      await page.fill('#password', 'long-enough-pw');
      await page.fill('#password2', 'long-enough-pw');
      await page.click('#setup-btn');
      await page.waitForSelector('#notice .alert-error');
      assert.match(await page.textContent('#notice'), /1–64 letters, digits, or \. _ - @/);
      assert.equal(posts.length, 0, 'nothing sent for ' + JSON.stringify(bad.slice(0, 10)));
    }
    // Accepted by the client (the server allows them too): one character, and every allowed symbol.
    for (const good of ['a', 'Ab.9_x-y@z']) {
      await page.fill('#username', good);
      await page.click('#setup-btn');
      await page.waitForFunction((n) => document.querySelector('#notice')?.textContent.includes('stubbed'), null);
      assert.equal(posts.at(-1).username, good);
      await page.evaluate(() => { document.querySelector('#notice').textContent = ''; });
    }
    await page.unroute('**/api/auth/setup');
  });

  await t.test('signed-in person on setup.html (setup done) lands on the chat page', async () => {
    await login(page);
    await page.goto('setup.html');
    await page.waitForURL((u) => u.pathname.endsWith('/index.html') || u.pathname.endsWith('/'));
    assert.ok(!page.url().includes('login.html'));
  });

  assertClean(assert, b.problems, 'setup page');
});
