// Monthly budgets on the chat path: a request is refused before any upstream
// call once the month's spend reaches the limit (also for models with no known
// price), concurrent requests never overspend, and a budget set after spending
// starts from the month's usage. Each case runs inside one budget month
// (inOneMonth): a month rollover mid-test reruns it rather than failing it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, sql, q, mock, gatewayKey, inOneMonth, admin } from './lib.mjs';
import { chatUser, chat, post, auth, addConfig, addModel, usageRow } from './chatlib.mjs';

const hi = [{ role: 'user', content: 'hi' }];
const rid = (r) => r.headers.get('x-request-id');
let s;

before(async () => {
  s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
});

test('budget: refused before any upstream call; concurrent requests never overspend', async () => {
  // $1/M in and out. Worst case per request: 32 prompt bytes + 200 output = 232 µ$;
  // real cost 1 + 200 = 201 µ$. A budget of 1160 µ$ fits exactly 5.
  addModel(s.id, 'openai', 'gpt-long', { input: 1000000, output: 1000000 });
  await inOneMonth(async () => {
    const small = await gatewayKey(s, { monthly_budget_usd: 0.000001 });
    await mock.clear();
    const r = await chat(small, { model: 'openai/gpt-4o-mini', messages: hi });
    assert.equal(r.status, 402, r.text);
    assert.equal(r.json.error.type, 'budget');
    assert.equal((await mock.requests({ model: 'gpt-4o-mini' })).length, 0);
    assert.equal((await usageRow(rid(r))).error_category, 'budget');

    const key = await gatewayKey(s, { monthly_budget_usd: 0.00116 });
    const body = { model: 'openai/gpt-long', max_tokens: 200, messages: hi };
    const results = await Promise.all(Array.from({ length: 20 }, () => chat(key, body)));
    const ok = results.filter((x) => x.status === 200);
    const refused = results.filter((x) => x.status === 402);
    assert.equal(ok.length + refused.length, 20, results.map((x) => x.status).join());
    assert.ok(ok.length >= 1 && ok.length <= 5, `successes: ${ok.length}`);
    const keyId = sql(`SELECT gateway_key_id FROM aggregator_usage_logs WHERE request_id=${q(rid(ok[0]))}`)[0][0];
    const periods = sql(`SELECT spent_micros, reserved_micros, limit_micros FROM budget_periods
      WHERE scope='key' AND scope_id=${keyId}`);
    assert.equal(periods.length, 1, 'one period row for a key used in one month');
    const [spent, reserved, limit] = periods[0].map(Number);
    const logged = Number(sql(`SELECT COALESCE(SUM(cost_micros),0) FROM aggregator_usage_logs WHERE gateway_key_id=${keyId}`)[0][0]);
    assert.equal(limit, 1160);
    assert.ok(spent <= limit, `spent ${spent} <= ${limit}`);
    assert.equal(spent, logged);
    assert.equal(reserved, 0);
  });
});

test('a budget set after spending counts the spend already made this month', () => inOneMonth(async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  const k2 = await gatewayKey(u);
  for (const key of [u.key, u.key, k2]) assert.equal((await chat(key, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200);
  const spent = +sql(`SELECT SUM(cost_micros) FROM aggregator_usage_logs WHERE user_id=${u.id}`)[0][0];
  assert.ok(spent > 0);
  const limit = Math.floor(spent / 2);
  const b = await u.put('/api/budget', { monthly_limit_usd: (limit / 1e6).toFixed(6) });
  assert.equal(b.status, 200, b.text);
  const month = b.json.month;   // the period the server counts this budget in
  assert.match(month, /^\d{4}-\d{2}$/);
  assert.equal((await u.get('/api/budget')).json.status, 'exceeded');
  const r = await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi, max_tokens: 1 });
  assert.equal(r.status, 402, r.text);
  assert.equal(r.json.error.type, 'budget');
  const [[rowSpent]] = sql(`SELECT spent_micros FROM budget_periods WHERE scope='user' AND scope_id=${u.id}
    AND period=${q(month)}`);
  assert.equal(+rowSpent, spent, 'the period row starts from the month\'s usage');
  const g = (await u.get('/api/budget')).json;
  assert.equal(Math.round(g.spent_usd * 1e6), spent);
  assert.equal(g.status, 'exceeded');

  // A key budget: only that key's own spend is seeded.
  assert.equal((await u.put('/api/budget', { monthly_limit_usd: null })).status, 200);
  const kid = sql(`SELECT gateway_key_id FROM aggregator_usage_logs WHERE user_id=${u.id} ORDER BY id LIMIT 1`)[0][0];
  const keySpent = +sql(`SELECT SUM(cost_micros) FROM aggregator_usage_logs WHERE gateway_key_id=${kid}`)[0][0];
  const kb = await u.put(`/api/budget?key=${kid}`, { monthly_limit_usd: ((keySpent - 1) / 1e6).toFixed(6) });
  assert.equal(kb.status, 200, kb.text);
  assert.equal((await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi, max_tokens: 1 })).status, 402);
  assert.equal(+sql(`SELECT spent_micros FROM budget_periods WHERE scope='key' AND scope_id=${kid}
    AND period=${q(kb.json.month)}`)[0][0], keySpent);
  assert.equal((await chat(k2, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200, 'the other key is not limited');
}));

test('an exceeded hard-stop budget refuses models with no known price too', () => inOneMonth(async () => {
  const u = await chatUser();
  addModel(u.id, 'openai', 'gpt-4o-mini');
  await addConfig(u, 'custom', { name: 'ollama', api_key: 'sk-ollama-0001', base_url: mock.url('ollama/v1'), priority: 40 });
  assert.equal((await chat(u.key, { model: 'ollama/llama3', messages: hi })).status, 200, 'unpriced, no budget: fine');
  assert.equal((await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi })).status, 200);
  const spent = +sql(`SELECT SUM(cost_micros) FROM aggregator_usage_logs WHERE user_id=${u.id}`)[0][0];
  assert.equal((await u.put('/api/budget', { monthly_limit_usd: (spent / 1e6).toFixed(6) })).status, 200);
  await mock.clear();
  const v1 = await chat(u.key, { model: 'ollama/llama3', messages: hi });
  assert.equal(v1.status, 402, v1.text);
  assert.equal(v1.json.error.code, 'budget_exceeded');
  const llm = await post('/api/llm/chat', u.key, { model: 'ollama/llama3', messages: hi });
  assert.equal(llm.status, 402, llm.text);
  assert.equal((await mock.requests({ model: 'llama3' })).length, 0, 'refused before any upstream call');
  // tracking only (no hard stop): still served
  assert.equal((await u.put('/api/budget', { hard_stop: false })).status, 200);
  assert.equal((await chat(u.key, { model: 'ollama/llama3', messages: hi })).status, 200);
}));

// Issue 10, defect 6: a budget an admin set on a user binds that user. The
// user keeps a lower cap of their own, never a higher one.
test('an admin-set budget is binding: the user can lower it, not lift it, nor turn its hard stop off', async () => {
  const u = await chatUser();
  const a = await admin();
  const set = await a.put(`/api/budget?user=${u.id}`, { monthly_limit_usd: 0.000001 });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.json.admin_limit_usd, 0.000001);
  const lift = await u.put('/api/budget', { monthly_limit_usd: 100, hard_stop: false });
  assert.equal(lift.status, 200, lift.text);
  assert.equal(lift.json.monthly_limit_usd, 0.000001, 'the admin cap still applies');
  assert.equal(lift.json.own_limit_usd, 100);
  assert.equal(lift.json.hard_stop, true);
  addModel(u.id, 'openai', 'gpt-4o-mini');
  await inOneMonth(async () => {
    const first = await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi });
    const r = first.status === 402 ? first : await chat(u.key, { model: 'openai/gpt-4o-mini', messages: hi });
    assert.equal(r.status, 402, r.text);
    assert.equal(r.json.error.type, 'budget');
  });
  const lower = await u.put('/api/budget', { monthly_limit_usd: 0 });
  assert.equal(lower.json.monthly_limit_usd, 0, 'a lower own cap wins');
  const cleared = await a.put(`/api/budget?user=${u.id}`, { monthly_limit_usd: null });
  assert.equal(cleared.json.admin_limit_usd, null);
  assert.equal(cleared.json.monthly_limit_usd, 0, "the user's own cap remains");
});

// Issue 10, defect 3: a budget must not be defeated by an unpriced model, by
// n > 1, or by a dearer fallback target.
test('under a hard-stop budget an unpriced model is refused (price_unknown); n choices are reserved', () => inOneMonth(async () => {
  const u = await chatUser();
  await addConfig(u, 'custom', { name: 'ollama', api_key: 'sk-ollama-0001', base_url: mock.url('ollama/v1'), priority: 40 });
  addModel(u.id, 'openai', 'gpt-priced', { input: 1000000, output: 1000000 });
  assert.equal((await u.put('/api/budget', { monthly_limit_usd: 10 })).status, 200);
  await mock.clear();
  const r = await chat(u.key, { model: 'ollama/llama3', messages: hi });
  assert.equal(r.status, 402, r.text);
  assert.equal(r.json.error.code, 'price_unknown');
  assert.equal((await mock.requests({ model: 'llama3' })).length, 0, 'refused before any upstream call');
  // $1/M in and out, max_tokens 200: one choice reserves ~232 µ$, three ~632 µ$.
  const key = await gatewayKey(u, { monthly_budget_usd: 0.0004 });
  const three = await chat(key, { model: 'openai/gpt-priced', messages: hi, n: 3, max_tokens: 200 });
  assert.equal(three.status, 402, three.text);
  assert.equal(three.json.error.type, 'budget');
  const one = await chat(key, { model: 'openai/gpt-priced', messages: hi, max_tokens: 200 });
  assert.equal(one.status, 200, one.text);
  // tracking only (no hard stop): the unpriced model is served
  assert.equal((await u.put('/api/budget', { hard_stop: false })).status, 200);
  assert.equal((await chat(u.key, { model: 'ollama/llama3', messages: hi })).status, 200);
}));
