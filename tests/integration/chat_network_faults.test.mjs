// Network faults on the chat path (issue 10, faults): a refused connection, a
// name that does not resolve, an HTTPS upstream with a certificate nobody
// signed, and a storm of 5xx answers. Each ends in a categorized error and
// exactly one usage row, and the same processes go on serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, q } from './lib.mjs';
import { chatUser, chat, addConfig, addModel, configId, usageRow } from './chatlib.mjs';

let s, tls, tlsHits = 0, dir;
const rid = (r) => r.headers.get('x-request-id');
const hi = [{ role: 'user', content: 'hi' }];

// A provider config whose base URL is set directly (no check at saving).
async function rawConfig(name, baseUrl) {
  await addConfig(s, 'custom', { name, api_key: `sk-${name}-SECRET9999`, base_url: 'http://127.0.0.1:9/v1', priority: 50 });
  sql(`UPDATE user_api_providers SET base_url=${q(baseUrl)} WHERE id=${configId(s.id, name)}`);
  addModel(s.id, name, 'gpt-4o-mini');
}

async function expectNetworkFailure(model, pattern) {
  const r = await chat(s.key, { model, messages: hi });
  assert.equal(r.status, 502, r.text);
  assert.equal(r.json.error.type, 'network', r.text);
  assert.equal(r.json.error.code, 'provider_unreachable', r.text);
  assert.match(r.json.error.message, pattern);
  const row = await usageRow(rid(r));
  assert.equal(row.status, 'error');
  assert.equal(row.error_category, 'network');
  assert.equal(row.http_status, '502');
}

before(async () => {
  s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
  dir = mkdtempSync(join(tmpdir(), 'sb-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  tls = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    tlsHits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'leaked' }, finish_reason: 'stop' }] }));
  });
  await new Promise((resolve) => tls.listen(0, '127.0.0.1', resolve));
  await rawConfig('refused', 'http://127.0.0.1:1/v1');
  await rawConfig('nodns', 'http://no-such-host.invalid/v1');
  await rawConfig('badtls', `https://127.0.0.1:${tls.address().port}/v1`);
});

after(() => {
  tls?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a refused connection is a network error with one usage row', async () => {
  await expectNetworkFailure('refused/gpt-4o-mini', /refused|connect/i);
});

test('a name that does not resolve is a network error with one usage row', async () => {
  await expectNetworkFailure('nodns/gpt-4o-mini', /resolve|DNS|name/i);
});

test('an HTTPS upstream with a self-signed certificate is refused before any request is sent', async () => {
  await expectNetworkFailure('badtls/gpt-4o-mini', /certificate|TLS|SSL/i);
  assert.equal(tlsHits, 0, 'no request reached the server with the bad certificate');
});

test('a storm of 5xx answers: every request gets a categorized error and one row, then a healthy model serves', async () => {
  const results = await Promise.all(Array.from({ length: 16 }, () =>
    chat(s.key, { model: 'openai/gpt-fail-500', messages: hi })));
  for (const r of results) {
    assert.ok(r.status === 502 || r.status === 503, r.text);
    assert.ok(['upstream', 'network'].includes(r.json.error.type), r.text);
    const row = await usageRow(rid(r));
    assert.equal(row.status, 'error');
  }
  const ids = results.map(rid);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(Number(sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE request_id IN (${ids.map(q).join(',')})`)[0][0]), 16);
  const ok = await chat(s.key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(ok.status, 200, ok.text);
});

// A client that goes away while still sending its body: the request cannot
// be read, nothing is sent upstream, and the processes go on serving.
test('a client that hangs up halfway through its request body', async () => {
  const { connect } = await import('node:net');
  const { mock, BASE } = await import('./lib.mjs');
  const url = new URL(BASE);
  await mock.clear();
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => {
      const sock = connect(Number(url.port), url.hostname, () => {
        sock.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${s.key}\r\n`
          + 'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"model":"openai/gpt-4o-mini","messages":[');
        setTimeout(() => { sock.destroy(); resolve(); }, 200);
      });
      sock.on('error', resolve);
    });
  }
  assert.equal((await mock.requests()).filter((r) => r.method === 'POST').length, 0, 'nothing reached the upstream');
  const r = await chat(s.key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(r.status, 200, 'still serving');
});
