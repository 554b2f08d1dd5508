// The chat proxy (issue 4) against the mock upstream: each adapter with and
// without streaming, tools, images, usage rows and cost, what the upstream
// actually received, and that no secret crosses over.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { http, mock, sql, q, BASE } from './lib.mjs';
import { chatUser, chat, addModel, parseSse, contentOf, toolArgs, usageRow, cost, PRICE_IN, PRICE_OUT } from './chatlib.mjs';

const HELLO = 'Hello from mock — ✓ 😀';
let s;

before(async () => {
  s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
  addModel(s.id, 'anthropic', 'claude-3-5-sonnet-20241022', { maxOutput: 8192 });
  addModel(s.id, 'anthropic', 'claude-tool');
  addModel(s.id, 'google', 'gemini-2.0-flash');
  addModel(s.id, 'google', 'gemini-thinking-cached');
});

const rid = (r) => r.headers.get('x-request-id');

test('openai non-stream: answer, usage row, cost, what the upstream got', async () => {
  await mock.clear();
  const r = await chat(s.key, { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }], temperature: 0.2, seed: 3 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.object, 'chat.completion');
  assert.equal(r.json.choices[0].message.content, HELLO);
  assert.match(rid(r), /^[0-9a-f]{32}$/);
  const row = await usageRow(rid(r));
  assert.equal(row.status, 'success');
  assert.equal(row.endpoint, 'chat');
  assert.equal(row.provider, 'openai');
  assert.equal(row.requested_model, 'openai/gpt-4o-mini');
  assert.equal(row.resolved_model, 'gpt-4o-mini');
  assert.equal(+row.prompt_tokens, r.json.usage.prompt_tokens);
  assert.equal(+row.completion_tokens, r.json.usage.completion_tokens);
  assert.equal(+row.cost_micros, cost(r.json.usage.prompt_tokens, r.json.usage.completion_tokens));
  assert.equal(row.price_known, '1');
  assert.equal(row.attempts, '1');
  const [rec] = await mock.requests({ family: 'openai' });
  assert.equal(rec.body.model, 'gpt-4o-mini');
  assert.equal(rec.body.temperature, 0.2);
  assert.equal(rec.body.seed, 3);
  assert.equal(rec.headers.authorization, 'Bearer sk-prov-openai-SECRET0001');
  assert.ok(!JSON.stringify(rec).includes(s.key), 'the gateway key must not reach the upstream');
});

test('openai stream: chunks pass through, [DONE], usage forced upstream, dropped for the client', async () => {
  await mock.clear();
  const r = await chat(s.key, { model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/event-stream/);
  const sse = parseSse(r.text);
  assert.equal(sse.done, true);
  assert.equal(contentOf(sse.events), HELLO);
  assert.ok(sse.events.length > 0);
  assert.ok(sse.events.every((e) => e.choices.length > 0), 'no usage chunk unless asked');
  const [rec] = await mock.requests({ family: 'openai' });
  assert.equal(rec.body.stream_options.include_usage, true);
  const row = await usageRow(rid(r));
  assert.equal(row.is_stream, '1');
  assert.equal(row.completion_tokens, '6');
  assert.equal(row.tokens_estimated, '0');
  assert.ok(+row.cost_micros > 0);
  assert.notEqual(row.ttft_ms, null);

  const r2 = await chat(s.key, { model: 'openai/gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
  const sse2 = parseSse(r2.text);
  const last = sse2.events.at(-1);
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage.completion_tokens, 6);
});

test('anthropic: system, max_tokens always set, answer and stream translated', async () => {
  await mock.clear();
  const body = { model: 'anthropic/claude-3-5-sonnet-20241022', messages: [
    { role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello' }], stop: 'END' };
  const r = await chat(s.key, body);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.choices[0].message.content, HELLO);
  assert.equal(r.json.choices[0].finish_reason, 'stop');
  const [rec] = await mock.requests({ family: 'anthropic' });
  assert.equal(rec.body.system, 'Be brief.');
  assert.equal(rec.body.max_tokens, 8192, 'max_tokens from the model max output');
  assert.deepEqual(rec.body.stop_sequences, ['END']);
  assert.equal(rec.headers['x-api-key'], 'sk-ant-prov-SECRET0002');
  assert.equal(rec.headers['anthropic-version'], '2023-06-01');
  assert.equal(rec.body.messages[0].role, 'user');

  const rs = await chat(s.key, { ...body, stream: true, stream_options: { include_usage: true }, max_tokens: 50 });
  const sse = parseSse(rs.text);
  assert.equal(sse.done, true);
  assert.equal(contentOf(sse.events), HELLO);
  assert.equal(sse.events[0].choices[0].delta.role, 'assistant');
  const fin = sse.events.find((e) => e.choices[0]?.finish_reason);
  assert.equal(fin.choices[0].finish_reason, 'stop');
  const usage = sse.events.at(-1).usage;
  const row = await usageRow(rid(rs));
  assert.equal(+row.prompt_tokens, usage.prompt_tokens);
  assert.equal(+row.completion_tokens, usage.completion_tokens);
  assert.equal(row.completion_tokens, '6');
  const recs = await mock.requests({ family: 'anthropic' });
  assert.equal(recs.at(-1).body.max_tokens, 50);
});

test('anthropic cached tokens are counted once and priced', async () => {
  addModel(s.id, 'anthropic', 'claude-cached');
  const r = await chat(s.key, { model: 'anthropic/claude-cached', messages: [{ role: 'user', content: 'x'.repeat(400) }] });
  assert.equal(r.status, 200, r.text);
  const u = r.json.usage;
  assert.equal(u.prompt_tokens, 100, 'prompt = input + cache read');
  assert.equal(u.prompt_tokens_details.cached_tokens, 50);
  const row = await usageRow(rid(r));
  assert.equal(row.prompt_tokens, '100');
  assert.equal(row.cache_read_tokens, '50');
  assert.equal(+row.cost_micros, cost(100, 6, 50));
});

test('gemini: systemInstruction, stream over SSE, thoughts counted as output', async () => {
  await mock.clear();
  const r = await chat(s.key, { model: 'google/gemini-2.0-flash', messages: [
    { role: 'system', content: 'sys' }, { role: 'user', content: 'hello' }], max_tokens: 100 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.choices[0].message.content, HELLO);
  const [rec] = await mock.requests({ family: 'gemini' });
  assert.equal(rec.body.systemInstruction.parts[0].text, 'sys');
  assert.equal(rec.body.generationConfig.maxOutputTokens, 100);
  assert.equal(rec.headers['x-goog-api-key'], 'AIzaProvSECRET0003');
  assert.match(rec.path, /gemini-2\.0-flash:generateContent$/);

  const rs = await chat(s.key, { model: 'google/gemini-thinking-cached', stream: true, messages: [{ role: 'user', content: 'y'.repeat(40) }] });
  assert.equal(rs.status, 200);
  const sse = parseSse(rs.text);
  assert.equal(sse.done, true);
  assert.equal(contentOf(sse.events), HELLO);
  const row = await usageRow(rid(rs));
  assert.equal(row.completion_tokens, String(6 + 7), 'candidates + thoughts');
  assert.equal(row.reasoning_tokens, '7');
  assert.equal(row.cache_read_tokens, '5');
  const recs = await mock.requests({ family: 'gemini' });
  assert.match(recs.at(-1).path + JSON.stringify(recs.at(-1).query), /streamGenerateContent.*alt/);
});

const TOOLS = [{ type: 'function', function: { name: 'get_weather', description: 'Weather',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } }];

test('tools: anthropic stream tool-call deltas, results sent back, gemini calls', async () => {
  const r = await chat(s.key, { model: 'anthropic/claude-tool', stream: true, tools: TOOLS, tool_choice: 'auto',
    messages: [{ role: 'user', content: 'weather?' }] });
  const sse = parseSse(r.text);
  assert.equal(sse.done, true, r.text);
  const calls = toolArgs(sse.events);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].name, 'get_weather');
  assert.deepEqual(JSON.parse(calls[0].arguments), { location: 'Paris' });
  assert.equal(sse.events.find((e) => e.choices[0]?.finish_reason).choices[0].finish_reason, 'tool_calls');

  await mock.clear();
  const r2 = await chat(s.key, { model: 'anthropic/claude-3-5-sonnet-20241022', tools: TOOLS, messages: [
    { role: 'user', content: 'weather?' },
    { role: 'assistant', content: null, tool_calls: [{ id: calls[0].id, type: 'function', function: { name: 'get_weather', arguments: calls[0].arguments } }] },
    { role: 'tool', tool_call_id: calls[0].id, content: '{"temp":21}' }] });
  assert.equal(r2.status, 200, r2.text);
  const [rec] = await mock.requests({ family: 'anthropic' });
  assert.equal(rec.body.tools[0].name, 'get_weather');
  assert.equal(rec.body.messages[1].content[0].type, 'tool_use');
  assert.deepEqual(rec.body.messages[1].content[0].input, { location: 'Paris' });
  assert.equal(rec.body.messages[2].content[0].type, 'tool_result');
  assert.equal(rec.body.messages[2].content[0].tool_use_id, calls[0].id);

  const g = await chat(s.key, { model: 'google/gemini-tool', tools: TOOLS, messages: [{ role: 'user', content: 'weather?' }] });
  assert.equal(g.status, 200, g.text);
  const tc = g.json.choices[0].message.tool_calls[0];
  assert.equal(tc.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(tc.function.arguments), { location: 'Paris' });
  assert.equal(g.json.choices[0].finish_reason, 'tool_calls');
});

test('images: data URLs and URLs reach anthropic and gemini in their shapes', async () => {
  await mock.clear();
  const content = [{ type: 'text', text: 'what is this?' },
    { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
    { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } }];
  const a = await chat(s.key, { model: 'anthropic/claude-3-5-sonnet-20241022', messages: [{ role: 'user', content }] });
  assert.equal(a.status, 200, a.text);
  const g = await chat(s.key, { model: 'google/gemini-2.0-flash', messages: [{ role: 'user', content }] });
  assert.equal(g.status, 200, g.text);
  const [ra] = await mock.requests({ family: 'anthropic' });
  assert.deepEqual(ra.body.messages[0].content[1], { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } });
  assert.deepEqual(ra.body.messages[0].content[2].source, { type: 'url', url: 'https://example.com/a.jpg' });
  const [rg] = await mock.requests({ family: 'gemini' });
  assert.deepEqual(rg.body.contents[0].parts[1], { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } });
  assert.equal(rg.body.contents[0].parts[2].fileData.fileUri, 'https://example.com/a.jpg');
});

test('/v1/models lists the caller\'s models; /v1/embeddings works for openai format', async () => {
  const m = await http('GET', '/v1/models', { headers: { authorization: `Bearer ${s.key}` } });
  assert.equal(m.status, 200);
  assert.equal(m.json.object, 'list');
  const ids = m.json.data.map((x) => x.id);
  assert.ok(ids.includes('openai/gpt-4o-mini'));
  assert.ok(ids.includes('anthropic/claude-3-5-sonnet-20241022'));
  const e = await http('POST', '/v1/embeddings', { headers: { authorization: `Bearer ${s.key}` },
    body: { model: 'openai/text-embedding-3-small', input: ['a', 'b'] } });
  assert.equal(e.status, 200, e.text);
  assert.equal(e.json.data.length, 2);
  const row = await usageRow(e.headers.get('x-request-id'));
  assert.equal(row.endpoint, 'embeddings');
  assert.equal(+row.prompt_tokens, e.json.usage.prompt_tokens);
});

test('/api/llm/chat and /api/llm/stream for the browser (session + CSRF)', async () => {
  const r = await s.post('/api/llm/chat', { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.content, HELLO);
  assert.equal(r.json.finish_reason, 'stop');
  assert.equal(r.json.usage.completion_tokens, 6);
  assert.equal(typeof r.json.cost_usd, 'number');
  assert.equal(r.json.request_id, r.headers.get('x-request-id'));
  const nocsrf = await s.post('/api/llm/chat', { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { csrf: false });
  assert.equal(nocsrf.status, 403);

  const res = await fetch(`${BASE}/api/llm/stream`, { method: 'POST',
    headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'anthropic/claude-3-5-sonnet-20241022', messages: [{ role: 'user', content: 'hi' }] }) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /ndjson/);
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
  const chunks = lines.filter((l) => l.type === 'chunk');
  assert.equal(chunks.map((c) => c.content).join(''), HELLO);
  const done = lines.at(-1);
  assert.equal(done.type, 'done');
  assert.equal(done.usage.completion_tokens, 6);
  assert.equal(done.finish_reason, 'stop');
  assert.equal(typeof done.cost_usd, 'number');
  assert.equal(done.request_id, res.headers.get('x-request-id'));
  const row = await usageRow(done.request_id);
  assert.equal(row.endpoint, 'llm_stream');
  assert.equal(row.gateway_key_id, null);
});

test('validation and unknown models give OpenAI-shaped errors and a usage row', async () => {
  const bad = await chat(s.key, { model: 'openai/gpt-4o-mini', messages: [] });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.type, 'validation');
  assert.equal(bad.json.error.request_id, rid(bad));
  assert.equal((await usageRow(rid(bad))).status, 'error');
  const unk = await chat(s.key, { model: 'no-such-model-xyz', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(unk.status, 404);
  assert.equal(unk.json.error.type, 'model');
  assert.match(unk.json.error.message, /\/v1\/models/);
  const row = await usageRow(rid(unk));
  assert.equal(row.error_category, 'model');
  assert.equal(row.http_status, '404');
  const badjson = await http('POST', '/v1/chat/completions', { headers: { authorization: `Bearer ${s.key}` }, raw: '{"model":' });
  assert.equal(badjson.status, 400);
});

test('secrets: provider keys never appear in responses or the log; upstream messages are masked', async () => {
  const s2 = await chatUser();
  const put = await s2.put('/api/provider-configs/openai', { api_key: 'bad-key-sk-abcdefghijklmnopqrstuvwxyz9999', validate: false });
  assert.equal(put.status, 200, put.text);
  const r = await chat(s2.key, { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  assert.notEqual(r.status, 200);
  assert.equal(r.json.error.type, 'auth');
  assert.ok(!r.text.includes('abcdefghijklmnopqrstuvwxyz'), r.text);
  const log = readFileSync(`${process.env.VAR}/log/lighttpd-error.log`, 'utf8');
  for (const secret of ['sk-prov-openai-SECRET0001', 'sk-ant-prov-SECRET0002', 'AIzaProvSECRET0003', 'abcdefghijklmnopqrstuvwxyz9999', s.key]) {
    assert.ok(!log.includes(secret), `log leaks ${secret.slice(0, 8)}…`);
  }
  const rows = sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE error_message LIKE '%abcdefghijklmnop%'`);
  assert.equal(rows[0][0], '0');
});
