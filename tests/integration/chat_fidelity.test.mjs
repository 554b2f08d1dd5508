// What translation keeps (issue 13): Anthropic cache breakpoints (from the
// Messages ingress as they are, from Chat Completions content parts as
// OpenRouter and LiteLLM accept them), JSON schemas and reasoning effort reach
// Anthropic and Gemini in their own shapes; cache tokens come back in every
// ingress's usage. Checked on what the mock upstream received.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mock } from './lib.mjs';
import { chatUser, addConfig, addModel, post, chat } from './chatlib.mjs';

let s;
const EPHEMERAL = { type: 'ephemeral', ttl: '1h' };

// The body the mock received for the one request since the last clear.
async function sent() {
  const reqs = (await mock.requests()).filter((r) => r.method === 'POST');
  assert.equal(reqs.length, 1, JSON.stringify(reqs.map((r) => r.path)));
  return reqs[0].body;
}

const hasCache = (o) => JSON.stringify(o).includes('cache_control');

before(async () => {
  s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
  await addConfig(s, 'openrouter', { api_key: 'sk-or-prov-SECRET0004', base_url: mock.url('openrouter/api/v1'), priority: 40 });
  addModel(s.id, 'openrouter', 'anthropic/claude-3.5-sonnet');
});

const messagesBody = (model) => ({
  model, max_tokens: 100,
  system: [{ type: 'text', text: 'You are terse.' }, { type: 'text', text: 'Long stable prefix.', cache_control: EPHEMERAL }],
  tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: {} }, cache_control: { type: 'ephemeral' } }],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }],
});

test('Messages → Anthropic: cache breakpoints arrive where the client put them, TTL kept', async () => {
  await mock.clear();
  const r = await post('/v1/messages', s.key, messagesBody('anthropic/claude-3-5-sonnet-20241022'));
  assert.equal(r.status, 200, r.text);
  const b = await sent();
  assert.ok(Array.isArray(b.system), 'system stays blocks when one is a breakpoint');
  assert.equal(b.system[0].cache_control, undefined);
  assert.deepEqual(b.system[1].cache_control, EPHEMERAL);
  assert.deepEqual(b.tools[0].cache_control, { type: 'ephemeral' });
  assert.deepEqual(b.messages[0].content[0].cache_control, { type: 'ephemeral' });
});

test('Messages → OpenAI: no cache_control reaches it; OpenRouter keeps them', async () => {
  await mock.clear();
  let r = await post('/v1/messages', s.key, messagesBody('openai/gpt-4o-mini'));
  assert.equal(r.status, 200, r.text);
  assert.ok(!hasCache(await sent()), 'OpenAI refuses unknown fields');
  await mock.clear();
  r = await post('/v1/messages', s.key, messagesBody('openrouter/anthropic/claude-3.5-sonnet'));
  assert.equal(r.status, 200, r.text);
  const b = await sent();
  assert.deepEqual(b.messages[0].content[1].cache_control, EPHEMERAL, JSON.stringify(b.messages[0]));
});

test('Chat Completions → Anthropic: cache_control on parts reaches it, at most four breakpoints', async () => {
  await mock.clear();
  const part = (text) => ({ type: 'text', text, cache_control: { type: 'ephemeral' } });
  const r = await chat(s.key, { model: 'anthropic/claude-3-5-sonnet-20241022', messages: [
    { role: 'system', content: [part('s1'), part('s2')] },
    { role: 'user', content: [part('u1')] },
    { role: 'assistant', content: 'ok' },
    { role: 'user', content: [part('u2'), part('u3')] }] });
  assert.equal(r.status, 200, r.text);
  const b = await sent();
  const marked = JSON.stringify(b).split('cache_control').length - 1;
  assert.equal(marked, 4, JSON.stringify(b));
  assert.equal(b.system[0].cache_control, undefined, 'the earliest breakpoint is the one dropped');
  assert.deepEqual(b.messages.at(-1).content.at(-1).cache_control, { type: 'ephemeral' });
});

test('A JSON schema reaches Anthropic (output_config) and Gemini (responseJsonSchema) from every ingress', async () => {
  const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
  const cases = [
    ['/v1/chat/completions', (model) => ({ model, messages: [{ role: 'user', content: 'a city' }],
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema } } })],
    ['/v1/responses', (model) => ({ model, input: 'a city', text: { format: { type: 'json_schema', name: 'city', schema } } })],
  ];
  for (const [path, body] of cases) {
    await mock.clear();
    let r = await post(path, s.key, body('anthropic/claude-3-5-sonnet-20241022'));
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    assert.deepEqual((await sent()).output_config, { format: { type: 'json_schema', schema } }, path);
    await mock.clear();
    r = await post(path, s.key, body('google/gemini-2.0-flash'));
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    const gc = (await sent()).generationConfig;
    assert.equal(gc.responseMimeType, 'application/json', path);
    assert.deepEqual(gc.responseJsonSchema, schema, path);
  }
});

test('Reasoning effort becomes a thinking budget below max_tokens, or a clear 400', async () => {
  await mock.clear();
  let r = await post('/v1/responses', s.key, { model: 'anthropic/claude-3-5-sonnet-20241022', input: 'think',
    reasoning: { effort: 'high' }, max_output_tokens: 4000 });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual((await sent()).thinking, { type: 'enabled', budget_tokens: 3999 });
  await mock.clear();
  r = await chat(s.key, { model: 'google/gemini-2.0-flash', reasoning_effort: 'medium', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual((await sent()).generationConfig.thinkingConfig, { thinkingBudget: 8192 });
  r = await chat(s.key, { model: 'anthropic/claude-3-5-sonnet-20241022', reasoning_effort: 'low', max_tokens: 500,
    messages: [{ role: 'user', content: 'x' }] });
  assert.equal(r.status, 400, r.text);
  assert.match(r.json.error.message, /max_tokens/);
});

test('Cache reads come back in each ingress\'s usage shape', async () => {
  const m = await post('/v1/messages', s.key, { model: 'anthropic/claude-cached', max_tokens: 50,
    messages: [{ role: 'user', content: 'a fairly long prompt to cache '.repeat(20) }] });
  assert.equal(m.status, 200, m.text);
  assert.ok(m.json.usage.cache_read_input_tokens > 0, JSON.stringify(m.json.usage));
  const r = await post('/v1/responses', s.key, { model: 'anthropic/claude-cached',
    input: 'a fairly long prompt to cache '.repeat(20) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.usage.input_tokens_details.cached_tokens, m.json.usage.cache_read_input_tokens);
  assert.equal(r.json.usage.input_tokens, m.json.usage.input_tokens + m.json.usage.cache_read_input_tokens);
});

test('Anthropic thinking comes back: reasoning_content in Chat Completions, thinking blocks in Messages', async () => {
  const THINKING = 'Let me think it over.';
  const model = 'anthropic/claude-thinking';
  const c = await chat(s.key, { model, messages: [{ role: 'user', content: 'x' }] });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.choices[0].message.reasoning_content, THINKING);
  assert.equal(c.json.choices[0].message.content, 'Hello from mock — ✓ 😀');
  const cs = await chat(s.key, { model, stream: true, messages: [{ role: 'user', content: 'x' }] });
  const deltas = cs.text.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)).choices[0]?.delta ?? {});
  assert.equal(deltas.map((d) => d.reasoning_content ?? '').join(''), THINKING);
  // Messages: a thinking block first, streamed as thinking_delta, and the
  // client's thinking reached the upstream as it was (passed through).
  await mock.clear();
  const m = await post('/v1/messages', s.key, { model, max_tokens: 8000, thinking: { type: 'enabled', budget_tokens: 5000 },
    messages: [{ role: 'user', content: 'x' }] });
  assert.equal(m.status, 200, m.text);
  assert.deepEqual(m.json.content.map((b) => b.type), ['thinking', 'text']);
  assert.equal(m.json.content[0].thinking, THINKING);
  assert.deepEqual((await sent()).thinking, { type: 'enabled', budget_tokens: 5000 });
  const ms = await post('/v1/messages', s.key, { model, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'x' }] });
  const starts = ms.text.split('\n').filter((l) => l.startsWith('data: {"type":"content_block_start"')).map((l) => JSON.parse(l.slice(6)));
  assert.deepEqual(starts.map((e) => [e.index, e.content_block.type]), [[0, 'thinking'], [1, 'text']]);
  assert.ok(ms.text.includes('"thinking_delta"'));
  // Responses: a reasoning item (its text as the summary) before the message.
  const rr = await post('/v1/responses', s.key, { model, input: 'x' });
  assert.equal(rr.status, 200, rr.text);
  assert.deepEqual(rr.json.output.map((o) => o.type), ['reasoning', 'message']);
  assert.equal(rr.json.output[0].summary[0].text, THINKING);
  const rs = await post('/v1/responses', s.key, { model, input: 'x', stream: true });
  const types = rs.text.split('\n').filter((l) => l.startsWith('event: ')).map((l) => l.slice(7));
  assert.ok(types.includes('response.reasoning_summary_text.delta'), types.join(' '));
  assert.ok(types.indexOf('response.reasoning_summary_text.done') < types.indexOf('response.output_text.delta'));
});

test('What an upstream cannot do is a clear 400, defaults pass', async () => {
  const ask = (model, extra) => chat(s.key, { model, messages: [{ role: 'user', content: 'x' }], ...extra });
  let r = await ask('anthropic/claude-3-5-sonnet-20241022', { seed: 7 });
  assert.equal(r.status, 400, r.text);
  assert.match(r.json.error.message, /"seed" is not supported by Anthropic/);
  r = await ask('google/gemini-2.0-flash', { logprobs: true });
  assert.equal(r.status, 400, r.text);
  assert.match(r.json.error.message, /"logprobs" is not supported by Gemini/);
  r = await ask('anthropic/claude-3-5-sonnet-20241022', { presence_penalty: 0, frequency_penalty: 0, logprobs: false });
  assert.equal(r.status, 200, r.text);
  r = await ask('openai/gpt-4o-mini', { seed: 7, logprobs: true });
  assert.equal(r.status, 200, r.text);
});

test('Messages → Anthropic is a pass-through: fields, headers, thinking signatures and events as they are', async () => {
  await mock.clear();
  const history = [
    { role: 'user', content: 'weather?' },
    { role: 'assistant', content: [{ type: 'thinking', thinking: 'I should call the tool.', signature: 'sig-abc' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] }];
  const body = { model: 'anthropic/claude-thinking', max_tokens: 3000, top_k: 5, metadata: { user_id: 'u-1' },
    thinking: { type: 'enabled', budget_tokens: 2000 },
    tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: {} } }], messages: history };
  const r = await post('/v1/messages?beta=true', s.key, body,
    { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'interleaved-thinking-2025-05-14,claude-code-20250219' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('request-id'), r.headers.get('x-request-id'));
  const [up] = (await mock.requests()).filter((q) => q.method === 'POST');
  assert.equal(up.headers['anthropic-beta'], 'interleaved-thinking-2025-05-14,claude-code-20250219');
  assert.equal(up.headers['anthropic-version'], '2023-06-01');
  assert.equal(up.body.model, 'claude-thinking');
  assert.deepEqual({ ...up.body, model: body.model }, body, 'everything else as the client sent it');
  // Streamed: the upstream's own events, signature_delta included.
  const st = await post('/v1/messages', s.key, { ...body, stream: true }, { 'anthropic-beta': 'bad value; x="y"' });
  assert.equal(st.status, 200, st.text);
  assert.ok(st.text.includes('"signature_delta"'), st.text);
  assert.ok(st.text.trimEnd().endsWith('data: {"type":"message_stop"}'), st.text.slice(-200));
  const last = (await mock.requests()).filter((q) => q.method === 'POST').at(-1);
  assert.equal(last.headers['anthropic-beta'], undefined, 'a malformed beta header is not forwarded');
});

test('Messages: a "models" fallback list works as on Chat Completions', async () => {
  await mock.clear();
  const r = await post('/v1/messages', s.key, { model: 'anthropic/claude-fail-500', models: ['openai/gpt-4o-mini'],
    max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.content[0].text, 'Hello from mock — ✓ 😀');
  const posts = (await mock.requests()).filter((q) => q.method === 'POST');
  assert.equal(posts.at(-1).family, 'openai');
  assert.ok(!('models' in posts[0].body) && !('models' in posts.at(-1).body), 'the list is not sent upstream');
});
