// Usage dashboard: summary cards, the budget bar, usage over time and the
// per-model breakdown (uPlot charts + table) for 24 hours / 7 days / 30 days,
// and the CSV export link. All four requests start together on load.

import { get, url, ApiError } from '../api.js';
import { h, $, clear } from '../dom.js';
import { shell } from '../shell.js';
import { errorBox, emptyState } from '../ui.js';
import { compact, num, usd, ms, ratio } from '../format.js';
import { timeChart, barChart } from '../chart.js';
import { budgetBlock } from '../budgetview.js';

const RANGES = { day: 'hour', week: 'day', month: 'day' };
const params = new URLSearchParams(location.search);
let range = RANGES[params.get('range')] ? params.get('range') : 'week';
const tz = (() => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; } })();
let destroyers = [];

shell({ active: 'usage' }).catch(() => {});

function setRange(r) {
  range = r;
  for (const b of $('#range').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.range === r));
  $('#export').href = url('api/usage/export.csv', { range: r, tz });
  const u = new URL(location.href);
  u.searchParams.set('range', r);
  history.replaceState(null, '', u.href);
  load();
}

$('#range').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-range]');
  if (b && b.dataset.range !== range) setRange(b.dataset.range);
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

async function load() {
  destroyers.forEach((d) => d());
  destroyers = [];
  const notice = clear($('#notice'));
  const bucket = RANGES[range];
  const reqs = [
    get('api/usage/summary', { range }),
    get('api/usage/timeseries', { range, bucket, tz }),
    get('api/usage/models', { range }),
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
  if (points.length && any) destroyers.push(timeChart(timeEl, points, { hourly: bucket === 'hour' }));
  else timeEl.appendChild(emptyState('No traffic in this period', 'Send a message on the Chat page or call the API; it shows up here.'));
  renderModels(m.status === 'fulfilled' && m.value && Array.isArray(m.value.models) ? m.value.models : []);
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

setRange(range);
