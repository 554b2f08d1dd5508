// Usage dashboard: summary cards, the budget bar, usage over time and the
// per-model breakdown (uPlot charts + table) for today, the last 7 days, this
// month or a custom span of days, all in the browser's time zone, filtered
// by provider, key and model; the CSV export takes the same range and
// filters. All requests start together on load; the state lives in the URL.

import { get, url, ApiError } from '../api.js';
import { h, $, clear } from '../dom.js';
import { shell } from '../shell.js';
import { errorBox, emptyState } from '../ui.js';
import { compact, num, usd, ms, ratio } from '../format.js';
import { timeChart, barChart } from '../chart.js';
import { budgetBlock } from '../budgetview.js';

const RANGES = { day: 'today (since local midnight)', week: 'the last 7 days, today included', month: 'this calendar month', custom: '' };
const params = new URLSearchParams(location.search);
const tz = (() => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; } })();
const DATE = /^\d{4}-\d{2}-\d{2}$/;
let range = params.get('range') in RANGES ? params.get('range') : 'week';
let destroyers = [];
let keys = [];	// the person's gateway keys, for the per-key breakdown
const KEY_BREAKDOWN_MAX = 20;

shell({ active: 'usage' }).catch(() => {});

// YYYY-MM-DD of a local date, n days after d.
function isoDay(d, n = 0) {
  const x = new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
  return x.getFullYear() + '-' + String(x.getMonth() + 1).padStart(2, '0') + '-' + String(x.getDate()).padStart(2, '0');
}

const fromIn = h('input', { type: 'date', id: 'f-from', 'aria-label': 'First day' });
const toIn = h('input', { type: 'date', id: 'f-to', 'aria-label': 'Last day (included)' });
const apply = h('button', { type: 'button', class: 'btn btn-sm', id: 'f-apply' }, 'Show');
const custom = h('span', { class: 'custom-range', hidden: true }, fromIn, '–', toIn, apply);
const provSel = h('select', { id: 'f-provider', 'aria-label': 'Provider' }, h('option', { value: '' }, 'All providers'));
const keySel = h('select', { id: 'f-key', 'aria-label': 'API key' }, h('option', { value: '' }, 'All keys and the chat page'));
const modelIn = h('input', { type: 'text', id: 'f-model', list: 'f-models', placeholder: 'Model id', 'aria-label': 'Model', autocomplete: 'off', spellcheck: 'false' });
const modelList = h('datalist', { id: 'f-models' });
fromIn.value = DATE.test(params.get('from') || '') ? params.get('from') : isoDay(new Date(), -6);
toIn.value = DATE.test(params.get('to') || '') ? params.get('to') : isoDay(new Date());
modelIn.value = params.get('model') || '';
$('#filters').append(custom, provSel, keySel, modelIn, modelList);
apply.addEventListener('click', () => refresh());
for (const el of [provSel, keySel, modelIn]) el.addEventListener('change', () => refresh());

// Fill the provider and key filters (the person's own), keeping the URL's choice.
async function loadFilters() {
  const [cfg, mine] = await Promise.allSettled([get('api/provider-configs'), get('api/keys')]);
  const configs = cfg.status === 'fulfilled' && Array.isArray(cfg.value?.configs) ? cfg.value.configs : [];
  for (const c of configs) provSel.append(h('option', { value: c.name }, c.name));
  keys = mine.status === 'fulfilled' && Array.isArray(mine.value?.keys) ? mine.value.keys : [];
  for (const k of keys) keySel.append(h('option', { value: String(k.id) }, k.name + ' (' + k.prefix + '…)'));
  provSel.value = params.get('provider') || '';
  keySel.value = params.get('key') || '';
}

// The range and filters as query parameters: one time zone for everything.
function query() {
  const q = { tz, provider: provSel.value, key: keySel.value, model: modelIn.value.trim() };
  if (range === 'custom') {
    q.from = fromIn.value;
    q.to = toIn.value ? isoDay(new Date(toIn.value + 'T00:00:00'), 1) : '';	// the last day included
  } else {
    q.range = range;
  }
  return q;
}

function bucket() {
  if (range === 'day') return 'hour';
  if (range !== 'custom') return 'day';
  const days = (Date.parse(toIn.value) - Date.parse(fromIn.value)) / 86400000;
  return days < 2 ? 'hour' : 'day';
}

function refresh() {
  for (const b of $('#range').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.range === range));
  custom.hidden = range !== 'custom';
  const q = query();
  $('#export').href = url('api/usage/export.csv', q);
  $('#range-note').textContent = 'Showing ' + (range === 'custom' ? fromIn.value + ' to ' + toIn.value + ' (both included)' : RANGES[range]) + ', times in ' + tz + '.';
  const u = new URL(location.href);
  for (const k of ['range', 'from', 'to', 'provider', 'key', 'model']) u.searchParams.delete(k);
  u.searchParams.set('range', range);
  for (const [k, v] of Object.entries(q)) if (v && k !== 'tz' && k !== 'range') u.searchParams.set(k, k === 'to' ? toIn.value : v);
  history.replaceState(null, '', u.href);
  load(q);
}

$('#range').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-range]');
  if (b && b.dataset.range !== range) { range = b.dataset.range; refresh(); }
});

function card(label, value, sub, key) {
  return h('div', { class: 'card stat', dataset: { stat: key } }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value), h('div', { class: 'stat-sub' }, sub || '\u00a0'));
}

function renderCards(s) {
  clear($('#cards')).append(
    card('Total tokens', compact(s.total_tokens ?? 0), num(s.prompt_tokens ?? 0) + ' in · ' + num(s.completion_tokens ?? 0) + ' out', 'tokens'),
    card('Total cost', usd(s.cost_usd ?? 0), (s.active_models ?? 0) + ' model' + ((s.active_models ?? 0) === 1 ? '' : 's') + ' used', 'cost'),
    card('Requests', num(s.requests ?? 0), num(s.errors ?? 0) + ' error' + ((s.errors ?? 0) === 1 ? '' : 's') + (s.requests ? ' (' + ratio((s.errors || 0) / s.requests) + ')' : ''), 'requests'),
    card('Avg latency', ms(s.avg_latency_ms), 'p95 ' + ms(s.p95_latency_ms) + (s.avg_ttft_ms !== undefined && s.avg_ttft_ms !== null ? ' · first token ' + ms(s.avg_ttft_ms) : ''), 'latency'));
}

async function load(q) {
  destroyers.forEach((d) => d());
  destroyers = [];
  const notice = clear($('#notice'));
  const step = bucket();
  const reqs = [
    get('api/usage/summary', q),
    get('api/usage/timeseries', { ...q, bucket: step }),
    get('api/usage/models', q),
    get('api/budget').catch(() => null),
  ];
  const [s, ts, m, b] = await Promise.allSettled(reqs);
  for (const r of [s, ts, m]) {
    if (r.status === 'rejected') {
      if (r.reason instanceof ApiError && r.reason.status === 401) return;
      notice.appendChild(errorBox(r.reason));
      break;
    }
  }
  if (s.status === 'fulfilled') renderCards(s.value || {});
  clear($('#budget')).appendChild(budgetBlock(b.value));
  const timeEl = clear($('#chart-time'));
  const tv = ts.status === 'fulfilled' && ts.value ? ts.value : {};
  const points = (Array.isArray(tv.buckets) ? tv.buckets : Array.isArray(tv.points) ? tv.points : []).map((p) => ({ ...p, t: p.start ?? p.t }));
  const any = points.some((p) => +p.requests > 0);
  if (points.length && any) destroyers.push(timeChart(timeEl, points, { hourly: step === 'hour' }));
  else timeEl.appendChild(emptyState('No traffic in this period', 'Send a message on the Chat page or call the API; it shows up here.'));
  const models = m.status === 'fulfilled' && m.value && Array.isArray(m.value.models) ? m.value.models : [];
  if (!modelIn.value) clear(modelList).append(...models.map((x) => h('option', { value: String(x.model) })));
  renderModels(models);
  renderProviders(models);
  renderKeys(q);
}

// A small table: name, requests, tokens, cost, errors.
function splitTable(title, rows) {
  if (!rows.length) return h('p', { class: 'muted' }, 'Nothing ' + title.toLowerCase() + ' in this period.');
  return h('div', { class: 'table-wrap' }, h('table', { 'aria-label': title },
    h('thead', null, h('tr', null, [title, 'Requests', 'Tokens', 'Cost', 'Errors'].map((t, i) => h('th', { scope: 'col', class: i ? 'num' : null }, t)))),
    h('tbody', null, rows.map((r) => h('tr', { dataset: { split: r.name } },
      h('td', null, h('div', { class: 'cell-main' }, r.name)),
      h('td', { class: 'num' }, num(r.requests)),
      h('td', { class: 'num' }, compact(r.tokens)),
      h('td', { class: 'num' }, usd(r.cost)),
      h('td', { class: 'num' }, num(r.errors)))))));
}

// Per provider: the model rows summed by their provider.
function renderProviders(models) {
  const by = new Map();
  for (const x of models) {
    const name = x.provider || '(none)';
    const r = by.get(name) || { name, requests: 0, tokens: 0, cost: 0, errors: 0 };
    r.requests += +x.requests || 0;
    r.tokens += +x.total_tokens || 0;
    r.cost += +x.cost_usd || 0;
    r.errors += +x.errors || 0;
    by.set(name, r);
  }
  const rows = [...by.values()].sort((a, b) => b.cost - a.cost || b.requests - a.requests);
  clear($('#by-provider')).appendChild(splitTable('Provider', rows));
}

// Per key: each key's summary for the same range and filters (the first
// KEY_BREAKDOWN_MAX keys; the key filter narrows it to one).
async function renderKeys(q) {
  const box = clear($('#by-key'));
  const list = (q.key ? keys.filter((k) => String(k.id) === q.key) : keys).slice(0, KEY_BREAKDOWN_MAX);
  const sums = await Promise.allSettled(list.map((k) => get('api/usage/summary', { ...q, key: String(k.id) })));
  const rows = [];
  sums.forEach((r, i) => {
    const s = r.status === 'fulfilled' ? r.value || {} : null;
    if (s && +s.requests > 0) rows.push({ name: list[i].name, requests: +s.requests, tokens: +s.total_tokens || 0, cost: +s.cost_usd || 0, errors: +s.errors || 0 });
  });
  rows.sort((a, b) => b.cost - a.cost || b.requests - a.requests);
  box.appendChild(splitTable('API key', rows));
}

function renderModels(models) {
  const chartEl = clear($('#chart-models'));
  const tableEl = clear($('#model-table'));
  if (!models.length) {
    chartEl.appendChild(h('p', { class: 'muted' }, 'No model has been used in this period.'));
    return;
  }
  const sorted = models.slice().sort((a, b) => (+b.cost_usd || 0) - (+a.cost_usd || 0) || (+b.total_tokens || 0) - (+a.total_tokens || 0));
  const top = sorted.slice(0, 12);
  const totalCost = sorted.reduce((a, x) => a + (+x.cost_usd || 0), 0);
  const byCost = totalCost >= 0.01;
  chartEl.appendChild(h('div', { class: 'chart-legend' }, h('span', null, h('span', { class: 'swatch swatch-a' }), byCost ? 'Cost per model' : 'Tokens per model')));
  destroyers.push(barChart(chartEl, top.map((x) => String(x.model)), top.map((x) => (byCost ? +x.cost_usd : +x.total_tokens) || 0), { format: byCost ? usd : compact, label: byCost ? 'Cost' : 'Tokens' }));
  const body = h('tbody');
  for (const x of sorted) {
    const share = x.cost_share !== undefined && x.cost_share !== null ? +x.cost_share : (totalCost ? (+x.cost_usd || 0) / totalCost : 0);
    const shareFrac = share > 1 ? share / 100 : share;
    body.appendChild(h('tr', null,
      h('td', null, h('div', { class: 'cell-main mono' }, x.model), h('div', { class: 'cell-sub' }, x.provider || '')),
      h('td', { class: 'num' }, num(x.requests ?? 0)),
      h('td', { class: 'num' }, compact(x.total_tokens ?? 0)),
      h('td', { class: 'num' }, usd(x.cost_usd ?? 0)),
      h('td', { class: 'hide-sm' }, h('div', { class: 'share' }, h('meter', { min: '0', max: '1', value: String(shareFrac), 'aria-label': 'Share of cost' }), h('span', { class: 'small num' }, ratio(shareFrac)))),
      h('td', { class: 'num' }, ratio(x.error_rate ?? 0)),
      h('td', { class: 'num hide-sm' }, ms(x.p95_latency_ms))));
  }
  tableEl.appendChild(h('div', { class: 'table-wrap' }, h('table', null,
    h('thead', null, h('tr', null, ['Model', 'Requests', 'Tokens', 'Cost', 'Share', 'Errors', 'p95'].map((t, i) => h('th', { scope: 'col', class: [i > 0 && i !== 4 && 'num', (i === 4 || i === 6) && 'hide-sm'] }, t)))),
    body)));
}

loadFilters().finally(refresh);
