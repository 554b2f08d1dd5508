// Untrusted text from upstreams stays text: a model named
// <img src=x onerror=alert(1)>, an answer made of that markup, and an upstream
// error message with <script> and <b> are all shown literally, with no script
// run, no element created from them and no CSP violation.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, shot, settled, ensureUser, customProvider, login, assertClean, cspEvents, mock, upstream } from './lib.mjs';

const XSS = '<img src=x onerror=alert(1)>';

async function noInjectedMarkup(page) {
  return page.evaluate(() => ({
    imgX: document.querySelectorAll('img[src="x"], img[onerror]').length,
    scripts: Array.from(document.scripts).map((s) => s.src.split('/').pop()),
    onerror: document.querySelectorAll('[onerror]').length,
    bold: document.querySelectorAll('.msg-text b, .alert b.injected').length,
  }));
}

async function pick(page, text) {
  await page.click('.picker-btn');
  await page.keyboard.type(text);
  await page.locator('.picker-opt.is-active').waitFor();
  await page.keyboard.press('Enter');
}

test('XSS through model names, answers and error messages', { timeout: 180000 }, async (t) => {
  const session = await ensureUser();
  await customProvider(session, 'evil', 'evil', ['xss-model', 'xss-error-model']);
  // OpenRouter's list carries display names: one of them is hostile markup.
  await mock.setModels('openrouter', [{
    id: 'evil/hostile-name', canonical_slug: 'evil/hostile-name', name: XSS, created: 1715367049, description: XSS,
    context_length: 8192, architecture: { modality: 'text->text', input_modalities: ['text'], output_modalities: ['text'], tokenizer: 'Other', instruct_type: null },
    pricing: { prompt: '0.000001', completion: '0.000002', request: '0', image: '0', web_search: '0', internal_reasoning: '0' },
    top_provider: { context_length: 8192, max_completion_tokens: 1024, is_moderated: false }, per_request_limits: null, supported_parameters: ['max_tokens'],
  }]);
  await session.del('/api/provider-configs/openrouter');
  const add = await session.post('/api/provider-configs/openrouter', { api_key: 'sk-or-xss', base_url: upstream('openrouter') });
  assert.equal(add.status, 201, add.text);
  t.after(() => mock.restoreModels('openrouter'));
  const b = await launch();
  const page = await b.page();
  t.after(() => b.close());
  await login(page, 'models.html');

  await t.test('the models table shows the hostile name as text', async () => {
    await settled(page);
    await page.fill('#model-toolbar input[type=search]', 'onerror');
    const cell = page.locator('#models-table .cell-main').first();
    await cell.waitFor();
    assert.ok((await cell.textContent()).includes(XSS));
    assert.equal((await noInjectedMarkup(page)).imgX, 0);
    await shot(page, 'xss-models');
  });

  await t.test('the picker shows it as text and it can be chosen', async () => {
    await page.goto('index.html');
    await page.waitForSelector('.picker-btn');
    await page.click('.picker-btn');
    await page.keyboard.type('onerror');
    const opt = page.locator('.picker-opt.is-active');
    await opt.waitFor();
    assert.ok((await opt.locator('.opt-label').textContent()).includes(XSS));
    await shot(page, 'xss-picker', { full: false });
    await page.keyboard.press('Enter');
    assert.ok((await page.textContent('.picker-btn')).includes(XSS));
    await page.fill('#prompt', 'hi');
    await page.keyboard.press('Enter');
    await page.locator('.msg-assistant .msg-meta').getByText(/tokens/).waitFor({ timeout: 30000 });
    assert.ok((await page.locator('.msg-assistant .msg-who').textContent()).includes(XSS));
  });

  await t.test('an answer made of markup is rendered as text', async () => {
    await pick(page, 'xss-model');
    await page.fill('#prompt', 'show me html');
    await page.keyboard.press('Enter');
    const last = page.locator('.msg-assistant').last();
    await last.locator('.msg-meta').getByText(/tokens/).waitFor({ timeout: 30000 });
    assert.ok((await last.locator('.msg-text').textContent()).includes(XSS));
    const m = await noInjectedMarkup(page);
    assert.equal(m.imgX, 0);
    assert.equal(m.onerror, 0);
  });

  await t.test('an upstream error with HTML is shown as text with its category', async () => {
    await pick(page, 'xss-error-model');
    await page.fill('#prompt', 'make it fail');
    await page.keyboard.press('Enter');
    const box = page.locator('.msg-assistant').last().locator('.alert-error');
    await box.waitFor({ timeout: 30000 });
    const text = await box.textContent();
    assert.match(text, /<script>|<b>|<img/, 'the markup is visible as text');
    assert.match(text, /Invalid request|Provider error|Model|Authentication/i, 'a category is shown');
    assert.ok(await page.locator('.msg-assistant').last().getByRole('button', { name: /Retry/ }).count() === 1);
    const m = await noInjectedMarkup(page);
    assert.equal(m.imgX, 0);
    assert.deepEqual(m.scripts, ['chat.js']);
    await shot(page, 'xss-chat');
  });

  await t.test('no script ran and CSP held', async () => {
    assert.deepEqual(await cspEvents(page), []);
    assertClean(assert, b.problems, 'xss');
  });
});
