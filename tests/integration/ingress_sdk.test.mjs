// The Anthropic Messages (/v1/messages) and OpenAI Responses (/v1/responses)
// ingress, driven by the official SDKs as real clients would use them
// (issue 13): every ingress against every upstream format of the mock,
// streaming and not, tools and tool results, errors in the client's shape,
// and one usage row per request.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { BASE, mock, sql, q, cli, newUser, gatewayKey } from './lib.mjs';
import { chatUser, addModel, post, usageRow } from './chatlib.mjs';

const HELLO = 'Hello from mock — ✓ 😀';
const MODELS = ['openai/gpt-4o-mini', 'anthropic/claude-3-5-sonnet-20241022', 'google/gemini-2.0-flash'];
const TOOL_MODELS = ['openai/gpt-tool', 'anthropic/claude-tool', 'google/gemini-tool'];
const WEATHER = { name: 'get_weather', description: 'Weather for a place',
  schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } };
let s, anthropic, openai;


before(async () => {
  s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
  anthropic = new Anthropic({ apiKey: s.key, baseURL: BASE, maxRetries: 0 });
  openai = new OpenAI({ apiKey: s.key, baseURL: `${BASE}/v1`, maxRetries: 0 });
});

test('Messages: create through every upstream format, one usage row each', async () => {
  for (const model of MODELS) {
    const m = await anthropic.messages.create({ model, max_tokens: 100,
      system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(m.type, 'message', model);
    assert.equal(m.role, 'assistant', model);
    assert.equal(m.content[0].type, 'text', model);
    assert.equal(m.content[0].text, HELLO, model);
    assert.equal(m.stop_reason, 'end_turn', model);
    assert.equal(m.usage.output_tokens, 6, model);
    assert.ok(m.usage.input_tokens > 0, model);
    assert.ok(m._request_id, model);
    const row = await usageRow(m._request_id);
    assert.equal(row.endpoint, 'messages', model);
    assert.equal(row.provider, model.split('/')[0], model);
    assert.equal(row.status, 'success', model);
    assert.equal(Number(row.completion_tokens), 6, model);
  }
});

test('Messages: streaming through every upstream format, Anthropic event order', async () => {
  for (const model of MODELS) {
    const stream = anthropic.messages.stream({ model, max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
    const types = [];
    stream.on('streamEvent', (e) => types.push(e.type));
    const final = await stream.finalMessage();
    assert.equal(final.content[0].text, HELLO, model);
    assert.equal(final.stop_reason, 'end_turn', model);
    assert.equal(final.usage.output_tokens, 6, model);
    assert.equal(types[0], 'message_start', model);
    assert.deepEqual(types.slice(-4), ['content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'], model);
    assert.ok(types.includes('content_block_start'), model);
    const row = await usageRow(stream.request_id);
    assert.equal(row.endpoint, 'messages', model);
    assert.equal(row.is_stream, '1', model);
  }
});

test('Messages: a tool call and its result through every upstream format', async () => {
  const tools = [{ name: WEATHER.name, description: WEATHER.description, input_schema: WEATHER.schema }];
  for (const model of TOOL_MODELS) {
    if (model.startsWith('openai/')) addModel(s.id, 'openai', 'gpt-tool');
    const first = await anthropic.messages.create({ model, max_tokens: 100, tools,
      messages: [{ role: 'user', content: 'weather in Paris?' }] });
    assert.equal(first.stop_reason, 'tool_use', model);
    const call = first.content.find((b) => b.type === 'tool_use');
    assert.equal(call.name, 'get_weather', model);
    assert.deepEqual(call.input, { location: 'Paris' }, model);
    // Streamed, the same call arrives as input_json_delta pieces.
    const streamed = await anthropic.messages.stream({ model, max_tokens: 100, tools,
      messages: [{ role: 'user', content: 'weather in Paris?' }] }).finalMessage();
    assert.deepEqual(streamed.content.find((b) => b.type === 'tool_use').input, { location: 'Paris' }, model);
    // The result goes back as a tool_result block; the model answers in text.
    await mock.clear();
    const plain = model.replace(/tool$/, model.startsWith('anthropic/') ? '3-5-sonnet-20241022' :
      model.startsWith('google/') ? '2.0-flash' : '4o-mini');
    const second = await anthropic.messages.create({ model: plain, max_tokens: 100, tools, messages: [
      { role: 'user', content: 'weather in Paris?' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny, 21 C' }] }] });
    assert.equal(second.content[0].text, HELLO, model);
    const sent = JSON.stringify((await mock.requests())[0].body);
    assert.ok(sent.includes('sunny, 21 C'), `${model}: the tool result reached the upstream`);
    assert.ok(sent.includes('get_weather'), `${model}: the earlier call reached the upstream`);
  }
});

test('Messages: system blocks and a base64 image reach each upstream', async () => {
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
  for (const model of MODELS) {
    await mock.clear();
    const m = await anthropic.messages.create({ model, max_tokens: 50,
      system: [{ type: 'text', text: 'SYSTEM-ONE' }, { type: 'text', text: 'SYSTEM-TWO', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
        { type: 'text', text: 'what is this?' }] }] });
    assert.equal(m.content[0].text, HELLO, model);
    const sent = JSON.stringify((await mock.requests())[0].body);
    assert.ok(sent.includes('SYSTEM-ONE') && sent.includes('SYSTEM-TWO'), model);
    assert.ok(sent.includes(png), model);
  }
});

test('Messages: count_tokens asks Anthropic, estimates elsewhere; errors come in Anthropic\'s shape', async () => {
  await mock.clear();
  const n = await anthropic.messages.countTokens({ model: MODELS[1], system: 'sys',
    messages: [{ role: 'user', content: 'x'.repeat(400) }] });
  assert.equal(n.input_tokens, 101, 'the mock counts ceil(characters / 4) of all text');
  const [asked] = (await mock.requests({ path: 'count_tokens' }));
  assert.equal(asked.body.model, 'claude-3-5-sonnet-20241022');
  assert.equal(asked.body.system, 'sys');
  assert.equal(asked.body.max_tokens, undefined);
  // OpenAI has no counting call: an estimate, and no upstream request.
  await mock.clear();
  const e = await anthropic.messages.countTokens({ model: MODELS[0], messages: [{ role: 'user', content: 'x'.repeat(400) }] });
  assert.ok(e.input_tokens >= 100 && e.input_tokens < 200, String(e.input_tokens));
  assert.equal((await mock.requests()).length, 0);
  await assert.rejects(anthropic.messages.countTokens({ model: 'nope/missing', messages: [{ role: 'user', content: 'x' }] }),
    (err) => err.status === 404 && err.error?.error?.type === 'not_found_error');

  await assert.rejects(anthropic.messages.create({ model: 'nope/missing', max_tokens: 10,
    messages: [{ role: 'user', content: 'x' }] }), (e) => e.status === 404 && e.error?.error?.type === 'not_found_error');
  const bad = new Anthropic({ apiKey: 'sb-not-a-real-key', baseURL: BASE, maxRetries: 0 });
  await assert.rejects(bad.messages.create({ model: MODELS[1], max_tokens: 10,
    messages: [{ role: 'user', content: 'x' }] }), (e) => e.status === 401 && e.error?.error?.type === 'authentication_error');
  // Raw: a missing max_tokens is a 400 naming the field, with x-api-key auth.
  const r = await post('/v1/messages', s.key, { model: MODELS[1], messages: [{ role: 'user', content: 'x' }] },
    { authorization: '', 'x-api-key': s.key });
  assert.equal(r.status, 400);
  assert.equal(r.json.type, 'error');
  assert.equal(r.json.error.type, 'invalid_request_error');
  assert.match(r.json.error.message, /max_tokens/);
});

test('Responses: create through every upstream format, one usage row each', async () => {
  for (const model of MODELS) {
    const r = await openai.responses.create({ model, instructions: 'Be brief.', input: 'hi', max_output_tokens: 100 });
    assert.equal(r.object, 'response', model);
    assert.equal(r.status, 'completed', model);
    assert.equal(r.output_text, HELLO, model);
    assert.equal(r.output[0].type, 'message', model);
    assert.equal(r.usage.output_tokens, 6, model);
    assert.ok(r.usage.input_tokens > 0, model);
    const row = await usageRow(r._request_id);
    assert.equal(row.endpoint, 'responses', model);
    assert.equal(row.provider, model.split('/')[0], model);
    assert.equal(row.status, 'success', model);
  }
});

test('Responses: streaming through every upstream format, documented event order', async () => {
  for (const model of MODELS) {
    const { data: stream, response } = await openai.responses.create({ model, stream: true,
      input: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: [{ type: 'input_text', text: 'hi' }] }] }).withResponse();
    const types = [];
    let text = '';
    let done = null;
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === 'response.output_text.delta') text += e.delta;
      if (e.type === 'response.completed') done = e.response;
    }
    assert.equal(text, HELLO, model);
    // OpenAI's own events come through as it sent them; the others are ours.
    assert.equal(types[0], 'response.created', model);
    if (!model.startsWith('openai/')) {
      assert.deepEqual(types.slice(0, 4), ['response.created', 'response.in_progress',
        'response.output_item.added', 'response.content_part.added'], model);
      assert.deepEqual(types.slice(-4), ['response.output_text.done', 'response.content_part.done',
        'response.output_item.done', 'response.completed'], model);
    }
    assert.equal(types.at(-1), 'response.completed', model);
    assert.equal(done.output[0].content[0].text, HELLO, model);
    assert.equal(done.usage.output_tokens, 6, model);
    const row = await usageRow(response.headers.get('x-request-id'));
    assert.equal(Number(row.completion_tokens), 6, model);
    assert.equal(row.endpoint, 'responses', model);
    assert.equal(row.is_stream, '1', model);
  }
});

test('Responses: function calls and their outputs through every upstream format', async () => {
  const tools = [{ type: 'function', name: WEATHER.name, description: WEATHER.description,
    parameters: WEATHER.schema, strict: false }, { type: 'web_search' }];
  for (const model of TOOL_MODELS) {
    const r = await openai.responses.create({ model, tools, input: 'weather in Paris?' });
    const call = r.output.find((o) => o.type === 'function_call');
    assert.equal(call.name, 'get_weather', model);
    assert.deepEqual(JSON.parse(call.arguments), { location: 'Paris' }, model);
    // Streamed: argument deltas, then the done event with all of them.
    let args = '';
    let doneArgs = null;
    for await (const e of await openai.responses.create({ model, tools, input: 'weather in Paris?', stream: true })) {
      if (e.type === 'response.function_call_arguments.delta') args += e.delta;
      if (e.type === 'response.function_call_arguments.done') doneArgs = e.arguments;
    }
    assert.deepEqual(JSON.parse(args), { location: 'Paris' }, model);
    assert.equal(doneArgs, args, model);
    await mock.clear();
    const plain = MODELS[TOOL_MODELS.indexOf(model)];
    const second = await openai.responses.create({ model: plain, tools, input: [
      { role: 'user', content: 'weather in Paris?' },
      { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
      { type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21 C' }] });
    assert.equal(second.output_text, HELLO, model);
    const sent = JSON.stringify((await mock.requests())[0].body);
    assert.ok(sent.includes('sunny, 21 C'), `${model}: the output reached the upstream`);
    // OpenAI gets the request as it came (hosted tools too); the others
    // have nothing to run a hosted tool, so it is left out.
    assert.equal(sent.includes('web_search'), model.startsWith('openai/'), model);
  }
});

test('Responses to OpenAI are a pass-through; an unknown model or stored response is a 404 elsewhere', async () => {
  await mock.clear();
  const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
  const req = { input: [{ type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'd' }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'a city' }] }],
  text: { format: { type: 'json_schema', name: 'city', schema, strict: true } }, store: false,
  include: ['reasoning.encrypted_content'], reasoning: { summary: 'auto' }, prompt_cache_key: 'k-1',
  tools: [{ type: 'web_search' }, { type: 'function', name: 'f', parameters: { type: 'object', properties: {} } }] };
  const r = await openai.responses.create({ model: MODELS[0], ...req });
  assert.equal(r.output_text, HELLO);
  const body = (await mock.requests())[0].body;
  assert.deepEqual({ ...body, model: MODELS[0] }, { model: MODELS[0], ...req }, 'the body as the client sent it');
  // An id OpenAI issued continues there (its own previous_response_id).
  const second = await openai.responses.create({ model: MODELS[0], input: 'more', previous_response_id: r.id });
  assert.equal(second.output_text, HELLO);
  await assert.rejects(openai.responses.create({ model: MODELS[1], input: 'x', previous_response_id: 'resp_abc' }),
    (e) => e.status === 404 && e.code === 'response_not_found');
  await assert.rejects(openai.responses.create({ model: 'nope/missing', input: 'x' }),
    (e) => e.status === 404 && e.code === 'model_not_found');
});

test('Responses: store: true keeps a turn to continue with previous_response_id, GET and DELETE it, its owner only', async () => {
  for (const model of MODELS) {
    const first = await openai.responses.create({ model, store: true, instructions: 'Be brief.',
      input: 'my name is Ada' });
    assert.equal(first.store, true, model);
    const got = await openai.responses.retrieve(first.id);
    assert.equal(got.id, first.id, model);
    assert.equal(got.output_text, first.output_text, model);
    // The next turn, streamed and stored too: the upstream sees the earlier one.
    await mock.clear();
    let second = null;
    for await (const e of await openai.responses.create({ model, stream: true, store: true,
      previous_response_id: first.id, input: 'what is my name?' })) {
      if (e.type === 'response.completed') second = e.response;
    }
    assert.equal(second.previous_response_id, first.id, model);
    const sent = JSON.stringify((await mock.requests()).filter((r) => r.method === 'POST')[0].body);
    assert.ok(sent.includes('my name is Ada') && sent.includes('Hello from mock') && sent.includes('what is my name?'), sent);
    assert.ok(sent.indexOf('my name is Ada') < sent.indexOf('what is my name?'), 'history first');
    // A third turn on the streamed one carries both earlier turns.
    await mock.clear();
    await openai.responses.create({ model, previous_response_id: second.id, input: 'and again?' });
    const third = JSON.stringify((await mock.requests()).filter((r) => r.method === 'POST')[0].body);
    assert.ok(third.includes('my name is Ada') && third.includes('what is my name?') && third.includes('and again?'), third);
    // Another user cannot see it; its owner can delete it.
    const other = await newUser('resp');
    const otherKey = await gatewayKey(other);
    const r = await fetch(`${BASE}/v1/responses/${first.id}`, { headers: { authorization: `Bearer ${otherKey}` } });
    assert.equal(r.status, 404, model);
    await openai.responses.delete(first.id);
    await assert.rejects(openai.responses.retrieve(first.id), (e) => e.status === 404, model);
    // Gone: ours says 404; for OpenAI the id is passed on, and OpenAI does
    // not know it either (400 from the upstream).
    await assert.rejects(openai.responses.create({ model, previous_response_id: first.id, input: 'x' }),
      (e) => (model.startsWith('openai/') ? e.status === 400 && /not found/.test(e.message)
        : e.status === 404 && e.code === 'response_not_found'), model);
  }
  // Not stored unless asked; pruned with the usage retention.
  const plain = await openai.responses.create({ model: MODELS[1], input: 'x' });
  assert.equal(plain.store, false);
  await assert.rejects(openai.responses.retrieve(plain.id), (e) => e.status === 404);
  const old = await openai.responses.create({ model: MODELS[1], input: 'old', store: true });
  sql(`UPDATE stored_responses SET created_at = NOW() - INTERVAL 400 DAY WHERE id = ${q(old.id)}`);
  const pr = cli(['prune', '--days', '90']);
  assert.equal(pr.status, 0, pr.stderr);
  assert.match(pr.stdout, /deleted [1-9][0-9]* stored response/);
  assert.equal(sql(`SELECT COUNT(*) FROM stored_responses WHERE id = ${q(old.id)}`)[0][0], '0');
});
