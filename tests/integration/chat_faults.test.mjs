// Faults of our own side (issue 10): a chat.fcgi process killed with -9 in
// the middle of a stream. Nothing is lost: its request still gets exactly one
// usage row (recovered from its in-flight note by the next chat process that
// starts, which lighttpd spawns in its place) and its budget reservation is
// released.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { sql, q, BASE, gatewayKey } from './lib.mjs';
import { chatUser, addModel, auth, sleep } from './chatlib.mjs';

// The note of a request in flight: its process's note file in the spool
// folder, or, when a concurrency cap counts it, an inflight_requests row.
function noteOf(id) {
  const dir = `${process.env.VAR}/spool`;
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    const m = /^inflight-.+-(\d+)\.json$/.exec(f);
    if (m && readFileSync(`${dir}/${f}`, 'utf8').includes(id)) return { pid: +m[1], where: 'file', path: `${dir}/${f}` };
  }
  const row = sql(`SELECT pid FROM inflight_requests WHERE request_id = ${q(id)}`);
  return row.length ? { pid: +row[0][0], where: 'table' } : null;
}

// A note file as written before budgets had a period per scope (16 values:
// one period for both scopes, no key_period): what a process killed during
// an upgrade leaves. The next process reads it as such.
function toLegacyNote(path) {
  const v = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal(v.length, 17);
  writeFileSync(path, JSON.stringify([...v.slice(0, 11), v[15], ...v.slice(12, 15), v[16]]));
}

for (const [where, fields] of [['file', {}], ['table', { max_concurrent: 4 }], ['file written before key_period', {}]]) {
  test(`kill -9 of the chat process mid-stream (note in a ${where}): one usage row, reservation released`, async () => {
    const u = await chatUser();
    addModel(u.id, 'openai', 'gpt-slow-long');
    const key = await gatewayKey(u, { monthly_budget_usd: 5, ...fields });
    const res = await fetch(`${BASE}/v1/chat/completions`, { method: 'POST', headers: auth(key),
      body: JSON.stringify({ model: 'openai/gpt-slow-long', stream: true, messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(res.status, 200);
    const id = res.headers.get('x-request-id');
    const reader = res.body.getReader();
    await reader.read();
    const note = noteOf(id);
    assert.equal(note?.where, where.split(' ')[0], 'the request is noted while in flight');
    if (where !== note.where) toLegacyNote(note.path);
    const keyId = (await u.get('/api/keys')).json.keys.find((k) => key.startsWith(k.prefix)).id;
    assert.ok(+sql(`SELECT reserved_micros FROM budget_periods WHERE scope = 'key' AND scope_id = ${keyId}`)[0][0] > 0);
    process.kill(note.pid, 'SIGKILL');
    await reader.read().then(() => reader.cancel()).catch(() => {});
    // lighttpd spawns a new chat process; on start it recovers the note.
    let rows = [];
    for (let i = 0; i < 100 && rows.length === 0; i++) {
      await fetch(`${BASE}/v1/models`, { headers: auth(key) }).catch(() => {});
      rows = sql(`SELECT status, error_category, error_message, http_status FROM aggregator_usage_logs WHERE request_id = ${q(id)}`);
      if (rows.length === 0) await sleep(200);
    }
    assert.equal(rows.length, 1, 'exactly one usage row');
    assert.equal(rows[0][0], 'error');
    assert.match(rows[0][2], /ended before it finished/);
    assert.equal(sql(`SELECT COUNT(*) FROM inflight_requests WHERE request_id = ${q(id)}`)[0][0], '0');
    if (note.path) assert.ok(!existsSync(note.path), 'the dead process\'s note file is gone');
    assert.equal(sql(`SELECT reserved_micros FROM budget_periods WHERE scope = 'key' AND scope_id = ${keyId}`)[0][0], '0',
      'the reservation of the dead request is released');
  });
}
