// A write whose database connection is lost after the server ran it is not
// run again: a budget settlement must move the period's counters once. A
// proxy between a second web node and MariaDB forwards the protocol packet by
// packet; armed with a statement's SQL, it lets the server execute that
// statement, then drops the connection instead of passing the answer on: the
// program sees "lost connection during query" for a write that took effect.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { sql, q, gatewayKey, inOneMonth, startNode } from './lib.mjs';
import { chatUser, addModel, auth, usageRow, until, spoolFiles } from './chatlib.mjs';

const COM_STMT_PREPARE = 0x16, COM_STMT_EXECUTE = 0x17;

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
    const ids = new Set();
    let preparing = false, cut = false;
    const end = () => { client.destroy(); db.destroy(); };
    client.on('error', end).on('close', end);
    db.on('error', end).on('close', end);
    client.on('data', packets((pkt) => {
      if (state.pattern && pkt[4] === COM_STMT_PREPARE && state.pattern.test(pkt.subarray(5).toString())) preparing = true;
      if (state.pattern && pkt[4] === COM_STMT_EXECUTE && ids.has(pkt.readUInt32LE(5))) cut = true;
      db.write(pkt);
    }));
    db.on('data', packets((pkt) => {
      if (cut) {	// the server has run it: its answer never arrives
        state.pattern = null;
        state.cuts++;
        end();
        return false;
      }
      if (preparing) {
        preparing = false;
        if (pkt[4] === 0x00) ids.add(pkt.readUInt32LE(5));
      }
      client.write(pkt);
      return true;
    }));
  });
  return new Promise((resolve) => state.server.listen(0, '127.0.0.1', () => resolve(state)));
}

let node, proxy;
after(async () => {
  await node?.stop();
  proxy?.server.close();
});

test('a budget settlement lost in flight is applied once, not twice', async () => {
  // The node reaches the database over TCP, through the proxy.
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
  const s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
  let key;
  const send = async () => {
    const r = await fetch(`${node.url}/v1/chat/completions`, { method: 'POST', headers: auth(key),
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(r.status, 200, await r.text());
    const rid = r.headers.get('x-request-id');
    const row = await usageRow(rid);
    await until('the request to end (its in-flight note closed)', () => !spoolFiles(/^inflight-/)
      .some((f) => { const t = readFileSync(f, 'utf8'); return t.startsWith('[') && t.includes(rid); }));
    return row;
  };
  await inOneMonth(async () => {
    // A fresh key per attempt: a rerun after a month change starts with no period row.
    key = await gatewayKey(s, { monthly_budget_usd: 5 });
    proxy.pattern = /^UPDATE budget_periods SET reserved_micros = GREATEST\(reserved_micros - \?/;
    const cutsBefore = proxy.cuts;
    const first = await send();
    assert.equal(proxy.cuts, cutsBefore + 1, 'the proxy dropped the settlement\'s answer');
    const keyId = sql(`SELECT gateway_key_id FROM aggregator_usage_logs WHERE request_id = ${q(first.request_id)}`)[0][0];
    const period = () => sql(`SELECT spent_micros, reserved_micros FROM budget_periods
      WHERE scope = 'key' AND scope_id = ${keyId}`).map((p) => p.map(Number));
    assert.ok(Number(first.cost_micros) > 0, 'the request has a cost');
    assert.deepEqual(period(), [[Number(first.cost_micros), 0]], 'spent once, nothing left reserved');
    // The node reconnects; the next settlement counts once too.
    const second = await send();
    assert.deepEqual(period(), [[Number(first.cost_micros) + Number(second.cost_micros), 0]]);
  });
});
