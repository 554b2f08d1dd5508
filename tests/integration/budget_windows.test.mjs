// Budgets by day and by week, not only by calendar month (issue 15): a key's
// or a user's budget has a window (month, ISO week from Monday, day; UTC);
// the chat path reserves and settles in that window's period, a new period
// starts from that window's spend only, and /api/budget says which period it
// counts. Each case runs inside one period of its window (inOneDay,
// inOneWeek): crossing a boundary mid-test reruns it rather than failing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, q, gatewayKey, inOneDay, inOneWeek, dbDay, dbWeek } from './lib.mjs';
import { chatUser, chat, addModel, usageRow } from './chatlib.mjs';

const hi = [{ role: 'user', content: 'hi' }];
const rid = (r) => r.headers.get('x-request-id');
const keyId = (r) => sql(`SELECT gateway_key_id FROM aggregator_usage_logs WHERE request_id=${q(rid(r))}`)[0][0];

test('a daily key budget: reserved and settled in today\'s period, refused when used up, "daily" in the error', () => inOneDay(async () => {
  const s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
  const bad = await s.post('/api/keys', { name: 'w', budget_window: 'fortnight' });
  assert.equal(bad.status, 400, bad.text);
  const tiny = await gatewayKey(s, { monthly_budget_usd: 0.000001, budget_window: 'day' });
  const r0 = await chat(tiny, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(r0.status, 402, r0.text);
  assert.match(r0.json.error.message, /daily budget of this API key/);

  const key = await gatewayKey(s, { monthly_budget_usd: 1, budget_window: 'day' });
  const listed = (await s.get('/api/keys')).json.keys.find((k) => k.budget_window === 'day' && k.monthly_budget_usd === 1);
  assert.ok(listed, 'the key lists its window');
  const r = await chat(key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(r.status, 200, r.text);
  const row = await usageRow(rid(r));
  const periods = sql(`SELECT period, spent_micros, reserved_micros FROM budget_periods WHERE scope='key' AND scope_id=${keyId(r)}`);
  assert.deepEqual(periods, [[dbDay(), row.cost_micros, '0']], 'one row, named by the day, settled');
  const b = (await s.get(`/api/budget?key=${keyId(r)}`)).json;
  assert.equal(b.window, 'day');
  assert.equal(b.period, dbDay());
  assert.equal(b.limit_usd, 1);
  assert.equal(Date.parse(b.period_end) - Date.parse(b.period_start), 86400000);
  assert.equal(Math.round(b.spent_usd * 1e6), Number(row.cost_micros));

  // Editing the key to a weekly window: its next request counts in this week.
  assert.equal((await s.put(`/api/keys/${keyId(r)}`, { budget_window: 'week' })).status, 200);
  const r2 = await chat(key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(r2.status, 200, r2.text);
  assert.equal(sql(`SELECT COUNT(*) FROM budget_periods WHERE scope='key' AND scope_id=${keyId(r)} AND period=${q(dbWeek())}`)[0][0], '1');
}));

test('a daily user budget starts from today\'s spend only; a weekly one from this week\'s', () => inOneDay(() => inOneWeek(async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  // Spend two days ago (outside today; inside this week only if today is Wednesday or later).
  sql(`INSERT INTO aggregator_usage_logs (request_id, user_id, provider, endpoint, cost_micros, http_status, status, created_at)
       VALUES (${q('old' + Date.now() + Math.random().toString(36).slice(2, 8))}, ${u.id}, 'openai', 'chat', 5000000, 200, 'success',
       UTC_TIMESTAMP(6) - INTERVAL 2 DAY)`);
  const r = await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(r.status, 200, r.text);
  const today = Number((await usageRow(rid(r))).cost_micros);

  const bad = await u.put('/api/budget', { limit_usd: 10, window: 'hour' });
  assert.equal(bad.status, 400, bad.text);
  const d = await u.put('/api/budget', { limit_usd: 10, window: 'day' });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.window, 'day');
  assert.equal(d.json.period, dbDay());
  const r2 = await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi });
  assert.equal(r2.status, 200, r2.text);
  const [[spent]] = sql(`SELECT spent_micros FROM budget_periods WHERE scope='user' AND scope_id=${u.id} AND period=${q(dbDay())}`);
  assert.equal(Number(spent), today + Number((await usageRow(rid(r2))).cost_micros), 'the day row holds today\'s spend, not the older $5');

  const w = await u.put('/api/budget', { limit_usd: 4, window: 'week' });
  assert.equal(w.status, 200, w.text);
  assert.equal(w.json.period, dbWeek());
  assert.equal(new Date(w.json.period_start).getUTCDay(), 1, 'a week starts on Monday');
  assert.equal(Date.parse(w.json.period_end) - Date.parse(w.json.period_start), 7 * 86400000);
  const inWeek = Number(sql(`SELECT COUNT(*) FROM aggregator_usage_logs WHERE user_id=${u.id} AND cost_micros = 5000000
    AND created_at >= ${q(w.json.period_start.replace('T', ' ').replace('Z', ''))}`)[0][0]) === 1;
  const r3 = await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi });
  // The $5 spent two days ago is over the $4 weekly budget exactly when it falls in this week.
  assert.equal(r3.status, inWeek ? 402 : 200, r3.text);
  if (inWeek) assert.match(r3.json.error.message, /weekly budget of this account/);
})));
