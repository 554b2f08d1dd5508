// Self-test of the mock upstream: starts server.mjs on a random port and checks every family,
// the fault triggers and the control API with fetch. Run: node --test tests/mock-upstream/selftest.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import http from 'node:http';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
let proc;
let B;

before(async () => {
  proc = spawn(process.execPath, [SERVER, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  B = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/mock-upstream listening on 127\.0\.0\.1:(\d+)\n/);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
    proc.on('exit', (c) => reject(new Error('mock exited ' + c)));
  });
});

after(async () => {
  const exited = new Promise((r) => proc.on('exit', r));
  proc.kill('SIGTERM');
  const code = await exited;
  assert.equal(code, 0);
});

const OA = { authorization: 'Bearer sk-test', 'content-type': 'application/json' };
const AN = { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' };
const GM = { 'x-goog-api-key': 'AIza-test', 'content-type': 'application/json' };
const post = (path, headers, body) => fetch(B + path, { method: 'POST', headers, body: JSON.stringify(body) });
const msgs = (t = 'hello world') => [{ role: 'user', content: t }];

function sseData(text) {
  return text.split(/\r?\n\r?\n/).filter(Boolean).map((ev) => {
    const lines = ev.split(/\r?\n/);
    const event = (lines.find((l) => l.startsWith('event: ')) || '').slice(7) || null;
    const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
    return { event, data };
  }).filter((e) => e.data !== '');
}

test('openai list, chat, stream with usage, embeddings', async () => {
  let r = await fetch(B + '/openai/v1/models', { headers: OA });
  assert.equal(r.status, 200);
  let j = await r.json();
  assert.equal(j.object, 'list');
  assert.ok(j.data.find((m) => m.id === 'gpt-4o' && m.object === 'model'));

  r = await post('/openai/v1/chat/completions', OA, { model: 'gpt-4o', messages: msgs('abcdefgh') });
  j = await r.json();
  assert.equal(j.object, 'chat.completion');
  assert.equal(j.choices[0].message.content, 'Hello from mock — ✓ 😀');
  assert.equal(j.choices[0].finish_reason, 'stop');
  assert.deepEqual([j.usage.prompt_tokens, j.usage.completion_tokens, j.usage.total_tokens], [2, 6, 8]);
  assert.equal(j.usage.prompt_tokens_details.cached_tokens, 0);

  r = await post('/openai/v1/chat/completions', OA, { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: msgs() });
  assert.match(r.headers.get('content-type'), /text\/event-stream/);
  const evs = sseData(await r.text());
  assert.equal(evs.at(-1).data, '[DONE]');
  const chunks = evs.slice(0, -1).map((e) => JSON.parse(e.data));
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  assert.equal(text, 'Hello from mock — ✓ 😀');
  const last = chunks.at(-1);
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage.completion_tokens, 6);
  assert.equal(chunks.at(-2).choices[0].finish_reason, 'stop');

  r = await post('/xai/v1/chat/completions', OA, { model: 'grok-3', stream: true, messages: msgs() });
  const e2 = sseData(await r.text());
  assert.ok(!e2.some((e) => e.data !== '[DONE]' && JSON.parse(e.data).choices.length === 0), 'no usage chunk without include_usage');

  r = await post('/custom/v1/embeddings', OA, { model: 'nomic-embed-text', input: ['a', 'b'] });
  j = await r.json();
  assert.equal(j.data.length, 2);
  assert.equal(j.data[0].embedding.length, 8);
});

test('cached, echo, tool, xss, long, max_tokens', async () => {
  let j = await (await post('/openai/v1/chat/completions', OA, { model: 'gpt-cached', messages: msgs('x'.repeat(40)) })).json();
  assert.equal(j.usage.prompt_tokens, 10);
  assert.equal(j.usage.prompt_tokens_details.cached_tokens, 5);

  j = await (await post('/openai/v1/chat/completions', OA, { model: 'echo', messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'x' }, { role: 'user', content: [{ type: 'text', text: 'repeat me — ✓' }] }] })).json();
  assert.equal(j.choices[0].message.content, 'repeat me — ✓');

  j = await (await post('/openai/v1/chat/completions', OA, { model: 'tool', messages: msgs(), tools: [{ type: 'function', function: { name: 'get_weather', parameters: {} } }] })).json();
  assert.equal(j.choices[0].finish_reason, 'tool_calls');
  assert.equal(j.choices[0].message.tool_calls[0].function.name, 'get_weather');
  assert.deepEqual(JSON.parse(j.choices[0].message.tool_calls[0].function.arguments), { location: 'Paris' });

  const r = await post('/openai/v1/chat/completions', OA, { model: 'tool', stream: true, messages: msgs(), tools: [{ type: 'function', function: { name: 'lookup' } }] });
  const evs = sseData(await r.text()).slice(0, -1).map((e) => JSON.parse(e.data));
  assert.equal(evs[0].choices[0].delta.tool_calls[0].function.name, 'lookup');
  const args = evs.map((c) => c.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '').join('');
  assert.deepEqual(JSON.parse(args), { location: 'Paris' });

  j = await (await post('/openai/v1/chat/completions', OA, { model: 'xss', messages: msgs() })).json();
  assert.equal(j.choices[0].message.content, '<img src=x onerror=alert(1)>');
  const er = await post('/openai/v1/chat/completions', OA, { model: 'xss-error', messages: msgs() });
  assert.equal(er.status, 400);
  assert.match((await er.json()).error.message, /<img src=x onerror=alert\(1\)>/);

  j = await (await post('/openai/v1/chat/completions', OA, { model: 'long', messages: msgs() })).json();
  assert.equal(j.usage.completion_tokens, 200);
  j = await (await post('/openai/v1/chat/completions', OA, { model: 'gpt', max_tokens: 3, messages: msgs() })).json();
  assert.equal(j.choices[0].finish_reason, 'length');
  assert.equal(j.usage.completion_tokens, 3);
});

test('auth errors per family', async () => {
  let r = await post('/openai/v1/chat/completions', { authorization: 'Bearer bad-key' }, { model: 'x', messages: msgs() });
  assert.equal(r.status, 401);
  let j = await r.json();
  assert.equal(j.error.code, 'invalid_api_key');
  assert.equal(j.error.type, 'invalid_request_error');
  r = await fetch(B + '/openai/v1/models');
  assert.equal(r.status, 401);
  r = await fetch(B + '/openrouter/api/v1/models', { headers: { authorization: 'Bearer bad' } });
  assert.equal(r.status, 401);
  r = await post('/anthropic/v1/messages', { ...AN, 'x-api-key': 'bad' }, { model: 'c', max_tokens: 5, messages: msgs() });
  assert.equal(r.status, 401);
  j = await r.json();
  assert.equal(j.type, 'error');
  assert.equal(j.error.type, 'authentication_error');
  r = await fetch(B + '/anthropic/v1/models', { headers: { 'anthropic-version': '2023-06-01' } });
  assert.equal(r.status, 401);
  r = await fetch(B + '/gemini/v1beta/models?key=bad');
  assert.equal(r.status, 401);
  j = await r.json();
  assert.equal(j.error.status, 'UNAUTHENTICATED');
  r = await fetch(B + '/gemini/v1beta/models');
  assert.equal(r.status, 401);
});

test('openrouter and aihubmix lists', async () => {
  let j = await (await fetch(B + '/openrouter/api/v1/models', { headers: OA })).json();
  assert.ok(j.data.length >= 300);
  const sonnet = j.data.find((m) => m.id === 'anthropic/claude-3.5-sonnet');
  assert.equal(sonnet.pricing.prompt, '0.000003');
  assert.equal(sonnet.pricing.completion, '0.000015');
  assert.equal(sonnet.top_provider.max_completion_tokens, 8192);
  assert.equal(sonnet.context_length, 200000);
  assert.ok(j.data.some((m) => m.pricing.prompt === '0'));
  assert.ok(j.data.some((m) => m.pricing.prompt === '-1'));
  assert.ok(j.data.some((m) => m.pricing.prompt === '0.0000000375'));
  const r = await post('/openrouter/api/v1/chat/completions', OA, { model: 'openai/gpt-4o', stream: true, messages: msgs() });
  const t = await r.text();
  assert.match(t, /^: OPENROUTER PROCESSING/);

  j = await (await fetch(B + '/aihubmix/api/v1/models')).json();
  assert.equal(j.success, true);
  const mini = j.data.find((m) => m.model_id === 'gpt-4o-mini');
  assert.equal(mini.pricing.input, 0.00015);
  assert.equal(mini.pricing.output, 0.0006);
  assert.equal(mini.types, 'llm');
  assert.match(mini.input_modalities, /text,image/);
  j = await (await fetch(B + '/aihubmix/v1/models', { headers: OA })).json();
  assert.ok(j.data.some((m) => m.id === 'gpt-4o-mini'));
  j = await (await post('/aihubmix/v1/chat/completions', OA, { model: 'gpt-4o-mini', messages: msgs() })).json();
  assert.equal(j.object, 'chat.completion');
});

test('anthropic models pagination, messages, stream, validation', async () => {
  let j = await (await fetch(B + '/anthropic/v1/models', { headers: AN })).json();
  assert.equal(j.data.length, 20);
  assert.equal(j.has_more, true);
  assert.equal(j.data[0].type, 'model');
  const j2 = await (await fetch(B + '/anthropic/v1/models?limit=20&after_id=' + j.last_id, { headers: AN })).json();
  assert.equal(j2.data.length, 5);
  assert.equal(j2.has_more, false);

  let r = await post('/anthropic/v1/messages', AN, { model: 'claude-3-5-sonnet-20241022', messages: msgs() });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.type, 'invalid_request_error');
  r = await post('/anthropic/v1/messages', AN, { model: 'c', max_tokens: 10, messages: [{ role: 'system', content: 'x' }, ...msgs()] });
  assert.equal(r.status, 400);
  r = await post('/anthropic/v1/messages', { 'x-api-key': 'k' }, { model: 'c', max_tokens: 10, messages: msgs() });
  assert.equal(r.status, 400);

  j = await (await post('/anthropic/v1/messages', AN, { model: 'claude-cached', max_tokens: 100, system: 'be nice', messages: msgs('x'.repeat(31)) })).json();
  assert.equal(j.type, 'message');
  assert.equal(j.content[0].text, 'Hello from mock — ✓ 😀');
  assert.equal(j.stop_reason, 'end_turn');
  assert.equal(j.usage.output_tokens, 6);
  assert.equal(j.usage.cache_read_input_tokens, 5);
  assert.equal(j.usage.input_tokens, 5);

  j = await (await post('/anthropic/v1/messages', AN, { model: 'c', max_tokens: 2, messages: msgs() })).json();
  assert.equal(j.stop_reason, 'max_tokens');

  r = await post('/anthropic/v1/messages', AN, { model: 'c', max_tokens: 100, stream: true, messages: msgs() });
  const evs = sseData(await r.text());
  const names = evs.map((e) => e.event);
  assert.deepEqual([names[0], names[1], names[2], names.at(-3), names.at(-2), names.at(-1)],
    ['message_start', 'content_block_start', 'ping', 'content_block_stop', 'message_delta', 'message_stop']);
  const text = evs.filter((e) => e.event === 'content_block_delta').map((e) => JSON.parse(e.data).delta.text).join('');
  assert.equal(text, 'Hello from mock — ✓ 😀');
  assert.equal(JSON.parse(evs.at(-2).data).usage.output_tokens, 6);

  j = await (await post('/anthropic/v1/messages', AN, { model: 'tool', max_tokens: 100, tools: [{ name: 'wx', input_schema: {} }], messages: msgs() })).json();
  assert.equal(j.stop_reason, 'tool_use');
  assert.deepEqual(j.content[0].input, { location: 'Paris' });
});

test('gemini models pagination, generate, stream, function call', async () => {
  let j = await (await fetch(B + '/gemini/v1beta/models?pageSize=20', { headers: GM })).json();
  assert.equal(j.models.length, 20);
  assert.ok(j.nextPageToken);
  const j2 = await (await fetch(B + '/gemini/v1beta/models?key=k&pageSize=20&pageToken=' + j.nextPageToken)).json();
  assert.equal(j2.models.length, 10);
  assert.equal(j2.nextPageToken, undefined);
  const all = j.models.concat(j2.models);
  assert.ok(all.some((m) => m.name === 'models/gemini-1.5-pro'));
  assert.ok(all.some((m) => m.supportedGenerationMethods.includes('embedContent')));

  const body = { contents: [{ role: 'user', parts: [{ text: 'hello' }] }] };
  j = await (await post('/gemini/v1beta/models/gemini-1.5-pro:generateContent', GM, body)).json();
  assert.equal(j.candidates[0].content.parts[0].text, 'Hello from mock — ✓ 😀');
  assert.equal(j.candidates[0].finishReason, 'STOP');
  assert.equal(j.usageMetadata.candidatesTokenCount, 6);

  const r = await post('/gemini/v1beta/models/gemini-2.5-flash-thinking-cached:streamGenerateContent?alt=sse', GM, body);
  const evs = sseData(await r.text()).map((e) => JSON.parse(e.data));
  assert.equal(evs.length, 6);
  assert.ok(evs.every((e) => e.usageMetadata && e.usageMetadata.promptTokenCount >= 1));
  assert.equal(evs.at(-1).candidates[0].finishReason, 'STOP');
  assert.equal(evs.at(-1).usageMetadata.thoughtsTokenCount, 7);
  assert.equal(evs.map((e) => e.candidates[0].content.parts[0].text).join(''), 'Hello from mock — ✓ 😀');

  j = await (await post('/gemini/v1beta/models/tool:generateContent', GM, { ...body, tools: [{ functionDeclarations: [{ name: 'find' }] }] })).json();
  assert.deepEqual(j.candidates[0].content.parts[0].functionCall, { name: 'find', args: { location: 'Paris' } });

  j = await (await post('/gemini/v1beta/models/text-embedding-004:embedContent', GM, { content: { parts: [{ text: 'a' }] } })).json();
  assert.equal(j.embedding.values.length, 8);
});

test('faults: status codes, fail-once, malformed, truncate', async () => {
  for (const [s, path, h, b] of [
    [500, '/openai/v1/chat/completions', OA, { model: 'm-fail-500', messages: msgs() }],
    [503, '/anthropic/v1/messages', AN, { model: 'm-fail-503', max_tokens: 5, messages: msgs() }],
    [429, '/gemini/v1beta/models/m-fail-429:generateContent', GM, { contents: [{ parts: [{ text: 'x' }] }] }],
  ]) {
    const r = await post(path, h, b);
    assert.equal(r.status, s);
    if (s === 429) assert.equal(r.headers.get('retry-after'), '1');
    await r.arrayBuffer();
  }
  await fetch(B + '/_mock/reset', { method: 'POST' });
  const once = { model: 'x-fail-once', messages: msgs() };
  assert.equal((await post('/openai/v1/chat/completions', OA, once)).status, 500);
  assert.equal((await post('/openai/v1/chat/completions', OA, once)).status, 200);
  const twice = { model: 'x-fail-twice', messages: msgs() };
  assert.equal((await post('/openai/v1/chat/completions', OA, twice)).status, 500);
  assert.equal((await post('/openai/v1/chat/completions', OA, twice)).status, 500);
  assert.equal((await post('/openai/v1/chat/completions', OA, twice)).status, 200);
  await fetch(B + '/_mock/reset', { method: 'POST' });
  assert.equal((await post('/openai/v1/chat/completions', OA, once)).status, 500);

  let r = await post('/openai/v1/chat/completions', OA, { model: 'malformed', messages: msgs() });
  await assert.rejects(r.json());
  r = await post('/openai/v1/chat/completions', OA, { model: 'malformed', stream: true, messages: msgs() });
  assert.match(await r.text(), /data: \{not json/);

  r = await post('/openai/v1/chat/completions', OA, { model: 'truncate', stream: true, messages: msgs() });
  await assert.rejects(r.text());
  r = await post('/anthropic/v1/messages', AN, { model: 'truncate', stream: true, max_tokens: 50, messages: msgs() });
  await assert.rejects(async () => { const t = await r.text(); if (!t.includes('message_stop')) throw new Error('cut'); });
});

test('timing: slow-first-byte, silent, hang abort records disconnected', async () => {
  let t0 = Date.now();
  let r = await post('/openai/v1/chat/completions', OA, { model: 'slow-first-byte', messages: msgs() });
  await r.json();
  assert.ok(Date.now() - t0 >= 1400);

  t0 = Date.now();
  r = await post('/openai/v1/chat/completions', OA, { model: 'silent', stream: true, messages: msgs() });
  await r.text();
  assert.ok(Date.now() - t0 >= 2900);

  await fetch(B + '/_mock/requests', { method: 'DELETE' });
  const ac = new AbortController();
  const hp = fetch(B + '/openai/v1/chat/completions', { method: 'POST', headers: OA, body: JSON.stringify({ model: 'hang-2', messages: msgs() }), signal: ac.signal });
  setTimeout(() => ac.abort(), 300);
  await assert.rejects(hp);
  await new Promise((res) => setTimeout(res, 200));
  const recs = await (await fetch(B + '/_mock/requests')).json();
  const rec = recs.find((x) => x.body && x.body.model === 'hang-2');
  assert.equal(rec.disconnected, true);
});

test('stream disconnect is recorded', async () => {
  await fetch(B + '/_mock/requests', { method: 'DELETE' });
  await new Promise((resolve) => {
    const req = http.request(B + '/openai/v1/chat/completions', { method: 'POST', headers: OA }, (res) => {
      res.once('data', () => { req.destroy(); resolve(); });
    });
    req.end(JSON.stringify({ model: 'slow-x', stream: true, messages: msgs() }));
  });
  await new Promise((res) => setTimeout(res, 300));
  const recs = await (await fetch(B + '/_mock/requests?model=slow-x')).json();
  assert.equal(recs.length, 1);
  assert.equal(recs[0].disconnected, true);
});

test('control: request record, model overrides, list faults, special lists', async () => {
  await fetch(B + '/_mock/reset', { method: 'POST' });
  await post('/openai/v1/chat/completions', OA, { model: 'gpt-4o', messages: msgs() });
  let recs = await (await fetch(B + '/_mock/requests')).json();
  assert.equal(recs.length, 1);
  assert.equal(recs[0].method, 'POST');
  assert.equal(recs[0].path, '/openai/v1/chat/completions');
  assert.equal(recs[0].headers.authorization, 'Bearer sk-test');
  assert.equal(recs[0].body.model, 'gpt-4o');
  assert.equal(recs[0].disconnected, false);

  await fetch(B + '/_mock/models/openai', { method: 'PUT', body: JSON.stringify({ models: [{ id: '<img src=x onerror=alert(1)>', object: 'model', created: 1, owned_by: 'x' }] }) });
  let j = await (await fetch(B + '/openai/v1/models', { headers: OA })).json();
  assert.deepEqual(j.data.map((m) => m.id), ['<img src=x onerror=alert(1)>']);
  await fetch(B + '/_mock/models/openai', { method: 'DELETE' });
  j = await (await fetch(B + '/openai/v1/models', { headers: OA })).json();
  assert.ok(j.data.length > 1);

  await fetch(B + '/_mock/models/anthropic', { method: 'PUT', body: JSON.stringify({ models: [{ type: 'model', id: 'claude-x', display_name: 'X', created_at: '2025-01-01T00:00:00Z' }] }) });
  j = await (await fetch(B + '/anthropic/v1/models', { headers: AN })).json();
  assert.deepEqual(j.data.map((m) => m.id), ['claude-x']);

  await fetch(B + '/_mock/list-fault/gemini', { method: 'PUT', body: JSON.stringify({ fault: 'fail-503' }) });
  assert.equal((await fetch(B + '/gemini/v1beta/models?key=k')).status, 503);
  await fetch(B + '/_mock/reset', { method: 'POST' });
  assert.equal((await fetch(B + '/gemini/v1beta/models?key=k')).status, 200);
  j = await (await fetch(B + '/anthropic/v1/models?limit=100', { headers: AN })).json();
  assert.equal(j.data.length, 25);

  const mr = await fetch(B + '/malformed/v1/models', { headers: OA });
  await assert.rejects(mr.json());
  const t0 = Date.now();
  const sl = await fetch(B + '/slowlist/v1/models', { headers: OA });
  assert.equal((await sl.json()).object, 'list');
  assert.ok(Date.now() - t0 >= 2900);
  const ov = await fetch(B + '/oversize/v1/models', { headers: OA });
  const buf = await ov.arrayBuffer();
  assert.ok(buf.byteLength > 25 * 1024 * 1024);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  await assert.rejects(fetch(B + '/hang/v1/models', { headers: OA, signal: ac.signal }));
});
