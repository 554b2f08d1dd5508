// Chat errors say what happened and what to do: a key rejected upstream
// points at Settings → Providers, an upstream rate limit says to retry, and a
// reached monthly budget says so and links to the budget page.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, shot, ensureUser, customProvider, login, assertClean, mock, upstream } from './lib.mjs';

async function ask(page, model, text) {
  await page.click('.picker-btn');
  await page.keyboard.type(model);
  await page.locator('.picker-opt.is-active').waitFor();
  await page.keyboard.press('Enter');
  await page.fill('#prompt', text);
  await page.keyboard.press('Enter');
  const box = page.locator('.msg-assistant').last().locator('.alert-error');
  await box.waitFor({ timeout: 60000 });
  return box.textContent();
}

test('chat errors are explained', { timeout: 240000 }, async (t) => {
  const session = await ensureUser();
  await customProvider(session, 'errs', 'errs', ['fail-401-model', 'fail-429-model']);
  await mock.setModels('openrouter', [{
    id: 'acme/priced-model', canonical_slug: 'acme/priced-model', name: 'Acme Priced', created: 1715367049, description: 'priced',
    context_length: 32768, architecture: { modality: 'text->text', input_modalities: ['text'], output_modalities: ['text'], tokenizer: 'Other', instruct_type: null },
    pricing: { prompt: '0.00001', completion: '0.00003', request: '0', image: '0', web_search: '0', internal_reasoning: '0' },
    top_provider: { context_length: 32768, max_completion_tokens: 4096, is_moderated: false }, per_request_limits: null, supported_parameters: ['max_tokens'],
  }]);
  await session.del('/api/provider-configs/openrouter');
  const add = await session.post('/api/provider-configs/openrouter', { api_key: 'sk-or-errs', base_url: upstream('openrouter') });
  assert.equal(add.status, 201, add.text);
  // The first cases are about the provider's errors: no budget of ours in the
  // way (an earlier file may have left one; unpriced models are refused under one).
  assert.equal((await session.put('/api/budget', { monthly_limit_usd: null })).status, 200);
  const b = await launch();
  const page = await b.page();
  t.after(async () => {
    await session.put('/api/budget', { monthly_limit_usd: null });
    await mock.restoreModels('openrouter');
    await b.close();
  });
  await login(page, 'index.html');

  await t.test('a key rejected upstream', async () => {
    const text = await ask(page, 'fail-401-model', 'hello');
    assert.match(text, /Authentication/i);
    assert.match(text, /Key rejected by errs — check it in Settings → Providers/);
    assert.equal(await page.locator('.msg-assistant').last().locator('a[href$="providers.html"]').count(), 1);
    // A refused key takes the config out of rotation until it is replaced.
    const cfg = (await session.get('/api/provider-configs/errs')).json.config;
    assert.equal(cfg.status, 'key_refused');
    assert.equal((await session.put('/api/provider-configs/errs', { api_key: 'sk-errs-replaced-0001', validate: false })).status, 200);
  });

  await t.test('an upstream rate limit', async () => {
    const text = await ask(page, 'fail-429-model', 'hello');
    assert.match(text, /Rate limit/i);
    assert.match(text, /Rate limit hit/);
  });

  await t.test('the monthly budget is reached', async () => {
    const r = await session.put('/api/budget', { monthly_limit_usd: 0.000001, hard_stop: true });
    assert.equal(r.status, 200, r.text);
    const text = await ask(page, 'priced-model', 'hello');
    assert.match(text, /Budget/);
    assert.match(text, /Budget reached/);
    assert.equal(await page.locator('.msg-assistant').last().locator('a[href$="budget.html"]').count(), 1);
    await shot(page, 'chat-errors');
  });

  await t.test('clean', () => assertClean(assert, b.problems, 'errors'));
});
