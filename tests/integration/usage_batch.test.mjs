// Usage rows written in batches (issue 14): while other requests wait for a
// chat process, the row of a request without a budget to settle goes to the
// process's batch file and is written with others in one INSERT when the
// process is idle. Nothing is lost and nothing is written twice: the rows of
// a process killed with -9 before its flush are written from its batch file
// by the next chat process, as they were (not as errors), and the request it
// was serving is recovered from its in-flight note. (A batch the database
// refuses goes to the spool: database_outage.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { sql, q, BASE, gatewayKey } from './lib.mjs';
import { chatUser, addModel, auth, usageRow, sleep, deferRows, spoolFiles, CHAT_PROCS } from './chatlib.mjs';

test('rows of requests finished while others queue are written once, by the idle flush', async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  const key = await gatewayKey(u);
  const res = await Promise.all(Array.from({ length: 6 * CHAT_PROCS }, () => fetch(`${BASE}/v1/chat/completions`,
    { method: 'POST', headers: auth(key), body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) })));
  assert.deepEqual(res.map((r) => r.status), res.map(() => 200));
  for (const r of res) {
    const row = await usageRow(r.headers.get('x-request-id'));	// throws on a second row
    assert.equal(row.status, 'success');
    assert.equal(row.http_status, '200');
  }
});

test('kill -9 with rows in the batch: they are written as they were, the request in flight is recovered', async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-slow-first-byte');
  addModel(u.id, 'openai', 'gpt-slow-long');
  const key = await gatewayKey(u);
  const { aIds, bIds, readers } = await deferRows(key, 'openai/gpt-slow-long');
  assert.equal(sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE request_id IN (${aIds.map(q)})`)[0][0], '0',
    'no A row is written while its process streams B');
  const batches = spoolFiles(/^batch-.+-\d+\.jsonl$/).filter((f) => aIds.some((id) => readFileSync(f, 'utf8').includes(id)));
  assert.equal(batches.length, CHAT_PROCS, 'each process keeps its A row in its batch file');
  for (const f of batches) process.kill(+/-(\d+)\.jsonl$/.exec(f)[1], 'SIGKILL');
  await Promise.all(readers.map((r) => r.read().then(() => r.cancel()).catch(() => {})));

  // lighttpd spawns new chat processes; on start they write the dead
  // processes' batches, then recover their notes.
  const ids = [...aIds, ...bIds];
  for (let i = 0, n = 0; i < 100 && n < ids.length; i++) {
    await fetch(`${BASE}/v1/models`, { headers: auth(key) }).catch(() => {});
    n = +sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE request_id IN (${ids.map(q)})`)[0][0];
    if (n < ids.length) await sleep(200);
  }
  for (const id of aIds) {
    const row = await usageRow(id);
    assert.equal(row.status, 'success', 'A keeps the row it had, not an error');
    assert.equal(row.http_status, '200');
    assert.ok(+row.completion_tokens > 0);
  }
  for (const id of bIds) {
    const row = await usageRow(id);
    assert.equal(row.status, 'error');
    assert.match(row.error_message, /ended before it finished/);
  }
  assert.deepEqual(batches.filter((f) => existsSync(f)), [], 'the dead processes\' batch files are gone');
});
