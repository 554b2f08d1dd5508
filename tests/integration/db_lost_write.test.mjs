// A write whose database connection is lost after the server ran it is not
// run again: a budget settlement must move the period's counters once, and
// a usage row is written with its settlement whole, or not at all. A
// proxy between a second web node and MariaDB forwards the protocol packet by
// packet; armed with a statement's SQL, it lets the server execute that
// statement, then drops the connection instead of passing the answer on: the
// program sees "lost connection during query" for a write that took effect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { sql, q, cli, gatewayKey, inOneMonth, startNode } from './lib.mjs';
import { chatUser, addModel, auth, usageRow, until, spoolFiles } from './chatlib.mjs';

const COM_QUERY = 0x03, COM_STMT_PREPARE = 0x16, COM_STMT_EXECUTE = 0x17;

// Calls onPacket with each whole protocol packet (3-byte length, sequence,
// payload) of a stream; onPacket returns false to stop reading.
function packets(onPacket) {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 4) {
      const n = buf.readUIntLE(0, 3);
      if (buf.length < 4 + n) return;
      const pkt = buf.subarray(0, 4 + n);
      buf = buf.subarray(4 + n);
      if (onPacket(pkt) === false) return;
    }
  };
}

function dbProxy(dbPort) {
  const state = { pattern: null, cuts: 0, server: null };
  state.server = net.createServer((client) => {
    const db = net.connect(dbPort, '127.0.0.1');
    const prepared = new Map();	// statement id -> SQL, for every statement prepared here
    let preparing = null, cut = false;
    const end = () => { client.destroy(); db.destroy(); };
    client.on('error', end).on('close', end);
    db.on('error', end).on('close', end);
    client.on('data', packets((pkt) => {
      const sqlText = pkt[4] === COM_QUERY ? pkt.subarray(5).toString()
        : pkt[4] === COM_STMT_EXECUTE ? prepared.get(pkt.readUInt32LE(5)) : null;
      if (pkt[4] === COM_STMT_PREPARE) preparing = pkt.subarray(5).toString();
      if (state.pattern && sqlText && state.pattern.test(sqlText)) cut = true;
      db.write(pkt);
    }));
    db.on('data', packets((pkt) => {
      if (cut) {	// the server has run it: its answer never arrives
        state.pattern = null;
        state.cuts++;
        end();
        return false;
      }
      if (preparing !== null) {	// the prepare's first answer packet: OK with the id
        if (pkt[4] === 0x00) prepared.set(pkt.readUInt32LE(5), preparing);
        preparing = null;
      }
      client.write(pkt);
      return true;
    }));
  });
  return new Promise((resolve) => state.server.listen(0, '127.0.0.1', () => resolve(state)));
}

let node, proxy, s;
after(async () => {
  await node?.stop();
  proxy?.server.close();
});

// The node reaches the database over TCP, through the proxy.
before(async () => {
  const database = (text, edit) => {
    let section = '';
    return text.split('\n').map((line) => {
      section = /^\[(.*)\]$/.exec(line)?.[1] ?? section;
      return section === 'database' ? edit(line) : line;
    }).join('\n');
  };
  let dbPort;
  database(readFileSync(process.env.SWITCHBOARD_CONFIG, 'utf8'), (line) => {
    dbPort ??= /^port\s*=\s*(\d+)/.exec(line)?.[1];
    return line;
  });
  proxy = await dbProxy(Number(dbPort));
  const port = proxy.server.address().port;
  node = await startNode('lostwrite', 8, (text) => database(text, (line) => line
    .replace(/^host\s*=.*/, `host = 127.0.0.1:${port}`).replace(/^socket\s*=.*/, 'socket =')));
  s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
});

// One request with key through the node; its request id, once it has ended
// (its in-flight note closed or handed to the spool).
async function send(key) {
  const r = await fetch(`${node.url}/v1/chat/completions`, { method: 'POST', headers: auth(key),
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });
  assert.equal(r.status, 200, await r.text());
  const rid = r.headers.get('x-request-id');
  await until('the request to end (its in-flight note closed)', () => !spoolFiles(/^inflight-/)
    .some((f) => { const t = readFileSync(f, 'utf8'); return t.startsWith('[') && t.includes(rid); }));
  return rid;
}

// The key's budget period: [[spent, reserved]].
function period(rid) {
  const keyId = sql(`SELECT gateway_key_id FROM aggregator_usage_logs WHERE request_id = ${q(rid)}`)[0][0];
  return sql(`SELECT spent_micros, reserved_micros FROM budget_periods
    WHERE scope = 'key' AND scope_id = ${keyId}`).map((p) => p.map(Number));
}

// Sends one request with a fresh budgeted key while the proxy drops the
// answer to the first statement matching pattern; the rows of it and of a
// second request, once `switchboard spool` has replayed what was spooled.
async function cutOnce(pattern) {
  // A fresh key per attempt: a rerun after a month change starts with no period row.
  const key = await gatewayKey(s, { monthly_budget_usd: 5 });
  proxy.pattern = pattern;
  const cutsBefore = proxy.cuts;
  const first = await send(key);
  assert.equal(proxy.cuts, cutsBefore + 1, `the proxy dropped the answer to ${pattern}`);
  assert.equal(cli(['spool']).status, 0);
  const rows = [await usageRow(first)];
  // The node reconnects; the next request counts once too.
  rows.push(await usageRow(await send(key)));
  assert.ok(rows.every((row) => Number(row.cost_micros) > 0), 'the requests have a cost');
  return rows;
}

test('a budget settlement lost in flight is applied once, not twice', async () => {
  await inOneMonth(async () => {
    const [a, b] = await cutOnce(/^UPDATE budget_periods SET reserved_micros = GREATEST\(reserved_micros - \?/);
    assert.deepEqual(period(a.request_id), [[Number(a.cost_micros) + Number(b.cost_micros), 0]],
      'spent once each, nothing left reserved');
  });
});

// The row and its settlement are one transaction: a row found in the table
// is a settled one. Dropping the row's answer loses both (the server rolls
// back), dropping the COMMIT's answer keeps both; either way the spool's
// replay leaves the period exact.
test('a usage row lost in flight is written and its budget settled once', async () => {
  await inOneMonth(async () => {
    const [a, b] = await cutOnce(/^INSERT (IGNORE )?INTO aggregator_usage_logs/);
    assert.deepEqual(period(a.request_id), [[Number(a.cost_micros) + Number(b.cost_micros), 0]],
      'spent once each, nothing left reserved');
  });
  await inOneMonth(async () => {
    const [a, b] = await cutOnce(/^COMMIT/);
    assert.deepEqual(period(a.request_id), [[Number(a.cost_micros) + Number(b.cost_micros), 0]],
      'spent once each, nothing left reserved');
  });
});
