// The SSRF guard on the chat path (issue 10, defect 1). The test stack allows
// private endpoints (the mock upstream is on loopback), so this file starts a
// second, strict web node over the same database and programs, with
// allow_private_endpoints = false, and checks that a chat through it never
// connects to a private address: neither a stored loopback base URL (saved
// while the policy allowed it) nor a name that resolved to a public address
// when it was saved and to a loopback listener afterwards (DNS rebinding, via
// /etc/hosts). Before the fix the chat path connected to both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { mock, sql, q, BASE, unique, startNode } from './lib.mjs';
import { chatUser, addModel, auth, configId } from './chatlib.mjs';

const HOSTS = '/etc/hosts';
let node, STRICT, s, hostsBefore;

function chatVia(base, key, model) {
  return fetch(`${base}/v1/chat/completions`, {
    method: 'POST', headers: auth(key),
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  }).then(async (r) => ({ status: r.status, json: await r.json().catch(() => undefined) }));
}

// A plain TCP listener on 127.0.0.1 that counts the connections it gets.
function countingListener() {
  return new Promise((resolve) => {
    const l = { count: 0 };
    l.server = net.createServer((c) => { l.count++; c.destroy(); });
    l.server.listen(0, '127.0.0.1', () => { l.port = l.server.address().port; resolve(l); });
  });
}

function mapHost(name, addr) {
  const kept = readFileSync(HOSTS, 'utf8').split('\n').filter((l) => !l.endsWith(` ${name}`));
  writeFileSync(HOSTS, [...kept.filter((l) => l !== ''), `${addr} ${name}`, ''].join('\n'));
}

before(async () => {
  node = await startNode('strict', 5, (ini) => ini.replace(/^allow_private_endpoints\s*=.*$/m, 'allow_private_endpoints = false'));
  STRICT = node.url;
  hostsBefore = readFileSync(HOSTS, 'utf8');
  s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
});

after(async () => {
  if (hostsBefore !== undefined) writeFileSync(HOSTS, hostsBefore);
  if (node) await node.stop();
});

test('the strict node refuses a private base URL when saving', async () => {
  const res = await fetch(`${STRICT}/api/provider-configs/custom`, {
    method: 'POST',
    headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' },
    body: JSON.stringify({ name: unique('p'), api_key: 'sk-strict-save-0001', base_url: mock.url('openai/v1'), validate: false }),
  });
  const text = await res.text();
  assert.equal(res.status, 400, text);
  assert.match(text, /base_url/);
});

test('a stored loopback base URL: the chat path refuses it and never connects', async () => {
  const ok = await chatVia(BASE, s.key, 'openai/gpt-4o-mini');
  assert.equal(ok.status, 200, 'the permissive node reaches the mock');
  await mock.clear();
  const r = await chatVia(STRICT, s.key, 'openai/gpt-4o-mini');
  assert.equal(r.status, 502, JSON.stringify(r.json));
  assert.equal(r.json.error.type, 'network');
  assert.match(r.json.error.message, /allow_private_endpoints|address/);
  assert.equal((await mock.requests()).length, 0, 'no request reached the loopback mock');
});

test('DNS rebinding: public when saved, loopback afterwards, never connected', { skip: process.getuid?.() !== 0 && 'needs root to edit /etc/hosts' }, async () => {
  const name = `${unique('rebind')}.switchboard.test`;
  const l = await countingListener();
  try {
    mapHost(name, '93.184.216.34');
    const cname = unique('rb');
    const res = await fetch(`${STRICT}/api/provider-configs/custom`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ name: cname, api_key: 'sk-rebind-key-0001', base_url: `https://${name}:${l.port}/v1`, validate: false, priority: 1 }),
    });
    assert.equal(res.status, 201, await res.text());
    addModel(s.id, cname, 'gpt-rebind');
    mapHost(name, '127.0.0.1');
    const r = await chatVia(STRICT, s.key, `${cname}/gpt-rebind`);
    assert.notEqual(r.status, 200);
    assert.equal(r.json.error.type, 'network', JSON.stringify(r.json));
    assert.equal(l.count, 0, 'the loopback listener got no connection');
    const id = configId(s.id, cname);
    assert.ok(id);
    assert.equal(sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE config_id=${q(id)} AND status='success'`)[0][0], '0');
  } finally {
    l.server.close();
  }
});
