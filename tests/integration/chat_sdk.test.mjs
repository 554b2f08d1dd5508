// The official `openai` npm SDK pointed at Switchboard, as a real client
// would use it: chat and streaming through OpenAI-format, Anthropic and
// Gemini providers (mocked), tool calls, the model list and typed errors.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { BASE } from './lib.mjs';
import { chatUser, addModel } from './chatlib.mjs';

const HELLO = 'Hello from mock — ✓ 😀';
const MODELS = ['openai/gpt-4o-mini', 'anthropic/claude-3-5-sonnet-20241022', 'google/gemini-2.0-flash'];
let client, s;

before(async () => {
  s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
  client = new OpenAI({ apiKey: s.key, baseURL: `${BASE}/v1`, maxRetries: 0 });
});

test('SDK chat.completions.create through every adapter', async () => {
  for (const model of MODELS) {
    const c = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(c.choices[0].message.content, HELLO, model);
    assert.equal(c.choices[0].finish_reason, 'stop', model);
    assert.ok(c.usage.total_tokens > 0, model);
  }
});

test('SDK streaming with include_usage through every adapter', async () => {
  for (const model of MODELS) {
    const stream = await client.chat.completions.create({ model, stream: true,
      stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    let usage = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, HELLO, model);
    assert.equal(usage?.completion_tokens, 6, model);
  }
});

test('SDK tool calls (stream helper) through anthropic and gemini', async () => {
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object',
    properties: { location: { type: 'string' } } } } }];
  for (const model of ['anthropic/claude-tool', 'google/gemini-tool', 'openai/gpt-tool']) {
    const runner = client.chat.completions.stream({ model, tools, messages: [{ role: 'user', content: 'weather?' }] });
    const final = await runner.finalChatCompletion();
    const tc = final.choices[0].message.tool_calls[0];
    assert.equal(tc.function.name, 'get_weather', model);
    assert.deepEqual(JSON.parse(tc.function.arguments), { location: 'Paris' }, model);
  }
});

test('SDK models.list and typed errors', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.ok(ids.includes('openai/gpt-4o-mini'));
  await assert.rejects(client.chat.completions.create({ model: 'nope-model', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.NotFoundError && e.error?.type === 'model');
  const bad = new OpenAI({ apiKey: 'sk-sb-wrong', baseURL: `${BASE}/v1`, maxRetries: 0 });
  await assert.rejects(bad.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.AuthenticationError);
  await assert.rejects(client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [] }),
    (e) => e instanceof OpenAI.BadRequestError);
});
