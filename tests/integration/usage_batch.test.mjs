// Usage rows written in batches (issue 14): while other requests wait for a
// chat process, the row of a request without a budget to settle goes to the
// process's batch file and is written with others in one INSERT when the
// process is idle. Nothing is lost and nothing is written twice: the rows of
// a process killed with -9 before its flush are written from its batch file
// by the next chat process, as they were (not as errors), and the request it
// was serving is recovered from its in-flight note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { sql, q, BASE, gatewayKey } from './lib.mjs';
import { chatUser, addModel, auth, usageRow, sleep } from './chatlib.mjs';

const PROCS = +(process.env.CHAT_PROCS || 4);	// scripts/stack.sh's chat processes
const spool = `${process.env.VAR}/spool`;
const files = (re) => (existsSync(spool) ? readdirSync(spool) : []).filter((f) => re.test(f));
// Notes of requests in flight: note files not marked ended.
const inFlight = () => files(/^inflight-/).filter((f) => readFileSync(`${spool}/${f}`, 'utf8').startsWith('['));

async function until(what, fn) {
  for (let i = 0; i < 300; i++) {
    if (await fn()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

function send(key, model, stream = false) {
  return fetch(`${BASE}/v1/chat/completions`, { method: 'POST', headers: auth(key),
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }) });
}

test('rows of requests finished while others queue are written once, by the idle flush', async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  const key = await gatewayKey(u);
  const res = await Promise.all(Array.from({ length: 6 * PROCS }, () => send(key, 'openai/gpt-4o-mini')));
  const ids = res.map((r) => r.headers.get('x-request-id'));
  assert.deepEqual(res.map((r) => r.status), ids.map(() => 200));
  for (const id of ids) {
    const row = await usageRow(id);	// throws on a second row
    assert.equal(row.status, 'success');
    assert.equal(row.http_status, '200');
  }
});

test('kill -9 with rows in the batch: they are written as they were, the request in flight is recovered', async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-slow-first-byte');
  addModel(u.id, 'openai', 'gpt-slow-long');
  const key = await gatewayKey(u);
  // Every chat process takes one request A (1.5 s before its answer) …
  const a = Array.from({ length: PROCS }, () => send(key, 'openai/gpt-slow-first-byte'));
  await until('every process to hold an A', () => inFlight().length === PROCS);
  // … while one stream B per process waits in the queue. A process that
  // ends its A sees a B waiting, so A's row joins its batch, and it streams
  // B (40 s) without being idle.
  const b = Array.from({ length: PROCS }, () => send(key, 'openai/gpt-slow-long', true));
  const aRes = await Promise.all(a);
  assert.deepEqual(aRes.map((r) => r.status), aRes.map(() => 200));
  await Promise.all(aRes.map((r) => r.text()));
  const aIds = aRes.map((r) => r.headers.get('x-request-id'));
  const bRes = await Promise.all(b);
  const bIds = bRes.map((r) => r.headers.get('x-request-id'));
  const readers = bRes.map((r) => r.body.getReader());
  await Promise.all(readers.map((r) => r.read()));
  await until('every B to be noted', () => inFlight().length === PROCS);

  assert.equal(sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE request_id IN (${aIds.map(q)})`)[0][0], '0',
    'no A row is written while its process streams B');
  const batches = files(/^batch-.+-\d+\.jsonl$/).filter((f) => aIds.some((id) => readFileSync(`${spool}/${f}`, 'utf8').includes(id)));
  assert.equal(batches.length, PROCS, 'each process keeps its A row in its batch file');
  for (const f of batches) process.kill(+/-(\d+)\.jsonl$/.exec(f)[1], 'SIGKILL');
  await Promise.all(readers.map((r) => r.read().then(() => r.cancel()).catch(() => {})));

  // lighttpd spawns new chat processes; on start they write the dead
  // processes' batches, then recover their notes.
  let n = 0;
  for (let i = 0; i < 100 && n < 2 * PROCS; i++) {
    await fetch(`${BASE}/v1/models`, { headers: auth(key) }).catch(() => {});
    n = +sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE request_id IN (${[...aIds, ...bIds].map(q)})`)[0][0];
    if (n < 2 * PROCS) await sleep(200);
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
  assert.deepEqual(batches.filter((f) => existsSync(`${spool}/${f}`)), [], 'the dead processes\' batch files are gone');
});
