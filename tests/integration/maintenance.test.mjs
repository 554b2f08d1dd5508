// The admin's maintenance switch (issue 15): while it is on, every request
// that would go upstream (a gateway key's chat, messages and embeddings, the
// browser's chat) gets a 503 with the admin's message and Retry-After;
// settings, reports and sign-in stay reachable; off again, service resumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, BASE } from './lib.mjs';
import { chatUser, addModel, auth } from './chatlib.mjs';

const hi = [{ role: 'user', content: 'hi' }];
const post = (path, key, body, headers = {}) => fetch(`${BASE}${path}`, { method: 'POST',
  headers: { ...auth(key), ...headers }, body: JSON.stringify(body) });

test('maintenance: the gateway answers 503 with the admin\'s message; settings stay reachable', async () => {
  const a = await admin();
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  const body = { model: 'openai/gpt-4o-mini', messages: hi };
  assert.equal((await post('/v1/chat/completions', u.key, body)).status, 200);
  assert.equal((await u.put('/api/admin/maintenance', { enabled: true })).status, 403, 'admins only');

  const on = await a.put('/api/admin/maintenance', { enabled: true, message: 'Upgrading the database; back at 14:00 UTC.' });
  assert.equal(on.status, 200, on.text);
  assert.equal(on.json.enabled, true);
  try {
    const r = await post('/v1/chat/completions', u.key, body);
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '60');
    const e = (await r.json()).error;
    assert.equal(e.code, 'maintenance');
    assert.equal(e.message, 'Upgrading the database; back at 14:00 UTC.');
    const m = await post('/v1/messages', u.key, { model: 'openai/gpt-4o-mini', max_tokens: 20, messages: hi },
      { 'anthropic-version': '2023-06-01' });
    assert.equal(m.status, 503);
    assert.equal((await m.json()).type, 'error', 'in Anthropic\'s error shape');
    assert.equal((await post('/v1/embeddings', u.key, { model: 'openai/text-embedding-3-small', input: 'x' })).status, 503);
    assert.equal((await u.post('/api/llm/chat', body)).status, 503, 'the browser\'s chat too');
    // What stays reachable: settings, reports, the admin page's own switch.
    assert.equal((await u.get('/api/keys')).status, 200);
    assert.equal((await u.get('/api/usage/summary?range=all')).status, 200);
    const got = await a.get('/api/admin/maintenance');
    assert.equal(got.json.enabled, true);
    assert.equal(got.json.message, 'Upgrading the database; back at 14:00 UTC.');
  } finally {
    const off = await a.put('/api/admin/maintenance', { enabled: false });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.json.enabled, false);
  }
  assert.equal((await post('/v1/chat/completions', u.key, body)).status, 200, 'served again at once');
});
