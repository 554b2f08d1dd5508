// Every page under the strict CSP (header + meta, Trusted Types) in dark mode:
// no violations, no inline script or style, our JS+CSS under 100 KB; keyboard
// use of the model picker and of dialogs (focus trapped, Escape closes).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, shot, settled, ensureUser, customProvider, login, assertClean, cspEvents, http } from './lib.mjs';

const WWW = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'www');
const PAGES = ['index', 'providers', 'models', 'keys', 'usage', 'budget', 'status', 'admin'];

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

test('static rules of www/', () => {
  const files = walk(WWW).filter((f) => !f.includes(path.sep + 'vendor' + path.sep));
  // What one page load fetches of our own code: its module, every module it imports, and the CSS.
  const deps = (f, seen = new Set()) => {
    if (seen.has(f) || f.includes(path.sep + 'vendor' + path.sep)) return seen;
    seen.add(f);
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/^import [^'"]*?['"](\.{1,2}\/[^'"]+)['"]/gm)) deps(path.resolve(path.dirname(f), m[1]), seen);
    return seen;
  };
  const css = fs.readdirSync(path.join(WWW, 'css')).reduce((n, f) => n + fs.statSync(path.join(WWW, 'css', f)).size, 0);
  for (const p of fs.readdirSync(path.join(WWW, 'js', 'pages'))) {
    let bytes = css;
    for (const f of deps(path.join(WWW, 'js', 'pages', p))) bytes += fs.statSync(f).size;
    assert.ok(bytes < 100 * 1024, `${p}: a page load fetches ${bytes} bytes of our JS+CSS`);
  }
  for (const f of files.filter((x) => x.endsWith('.js'))) {
    const src = fs.readFileSync(f, 'utf8');
    assert.ok(!/\.innerHTML|outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/.test(src), f + ' builds no HTML from strings');
  }
  for (const f of files.filter((x) => x.endsWith('.html'))) {
    const src = fs.readFileSync(f, 'utf8');
    assert.ok(!/<script(?![^>]*\bsrc=)/.test(src), f + ' has no inline script');
    assert.ok(!/\sstyle=|<style/.test(src), f + ' has no inline style');
    assert.ok(!/\son[a-z]+=/.test(src), f + ' has no inline handlers');
    assert.equal((src.match(/<script /g) || []).length, 1, f + ' loads exactly one module');
    assert.match(src, /http-equiv="Content-Security-Policy"/);
  }
  assert.ok(fs.existsSync(path.join(WWW, 'vendor', 'uplot', 'LICENSE')), 'vendored chart library keeps its licence');
});

test('pages under CSP, dark mode, keyboard', { timeout: 180000 }, async (t) => {
  const session = await ensureUser();
  await customProvider(session, 'kbd', 'kbd', ['alpha-model', 'beta-model', 'gamma-model']);
  const b = await launch({ colorScheme: 'dark' });
  const page = await b.page();
  t.after(() => b.close());
  await login(page);

  await t.test('the server sends the CSP header', async () => {
    const r = await http('GET', '/index.html');
    assert.match(r.headers.get('content-security-policy') || '', /default-src 'self'/);
  });

  await t.test('each page loads without CSP violations', async () => {
    for (const name of PAGES) {
      await page.goto(name + '.html');
      await settled(page);
      assert.deepEqual(await cspEvents(page), [], name);
      await shot(page, 'dark-' + name);
    }
    assertClean(assert, b.problems, 'pages');
  });

  await t.test('the model picker works from the keyboard', async () => {
    await page.goto('index.html');
    await page.waitForSelector('.picker-btn');
    await page.focus('.picker-btn');
    await page.keyboard.press('ArrowDown');
    await page.waitForSelector('.picker-pop:not([hidden])');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('role')), 'combobox');
    await page.keyboard.type('-model');
    await page.keyboard.press('Home');
    const ids = async () => page.evaluate(() => document.querySelector('.picker-opt.is-active')?.dataset.id);
    const a = await ids();
    await page.keyboard.press('ArrowDown');
    const c = await ids();
    assert.notEqual(a, c, 'ArrowDown moves');
    await page.keyboard.press('ArrowUp');
    assert.equal(await ids(), a, 'ArrowUp moves back');
    const active = await page.evaluate(() => document.activeElement.getAttribute('aria-activedescendant'));
    assert.ok(active, 'aria-activedescendant follows');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.picker-pop[hidden]', { state: 'attached' });
    assert.ok(await page.evaluate(() => document.activeElement.classList.contains('picker-btn')), 'Escape returns focus');
    await page.keyboard.type('gamma');
    await page.keyboard.press('Enter');
    assert.match(await page.textContent('.picker-btn'), /gamma-model/);
  });

  await t.test('dialogs trap focus and close on Escape', async () => {
    await page.goto('keys.html');
    await settled(page);
    await page.focus('#create-key');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog[open]');
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press('Tab');
      const inside = await page.evaluate(() => !!document.activeElement.closest('dialog[open]') || document.activeElement === document.body);
      assert.ok(inside, 'focus stays in the dialog');
    }
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog[open]', { state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement.id), 'create-key', 'focus returns to the opener');
  });

  await t.test('every control has a label', async () => {
    for (const name of ['providers', 'models', 'keys', 'budget', 'admin', 'index']) {
      await page.goto(name + '.html');
      await settled(page);
      const unlabeled = await page.evaluate(() => Array.from(document.querySelectorAll('input, select, textarea, button')).filter((el) => {
        if (el.type === 'hidden' || el.closest('[hidden]')) return false;
        const name = (el.getAttribute('aria-label') || '') + (el.labels && el.labels.length ? 'l' : '') + (el.getAttribute('aria-labelledby') ? 'l' : '') + (el.tagName === 'BUTTON' ? el.textContent.trim() : '') + (el.title || '');
        return !name.trim();
      }).map((el) => el.outerHTML.slice(0, 80)));
      assert.deepEqual(unlabeled, [], name);
    }
  });
});
