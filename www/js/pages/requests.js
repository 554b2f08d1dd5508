// Requests: the usage log, newest first, a page at a time (cursor), with
// filters (time range, status, provider, model; the request id is matched
// among the rows shown). A row opens its detail: every target the request
// tried and how each ended, the error explained with what to do, and the
// request id to quote. Prompts and answers are never stored.

import { get, ApiError } from '../api.js';
import { h, $, clear, replace } from '../dom.js';
import { shell } from '../shell.js';
import { openDialog, errorBox, showError, emptyState, copyButton, statePill } from '../ui.js';
import { num, usd, ms, ago } from '../format.js';

const PER_PAGE = 50;
const params = new URLSearchParams(location.search);
const tz = (() => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; } })();
let rows = [];
let cursor = null;

shell({ active: 'requests' }).catch(() => {});

const rangeSel = h('select', { 'aria-label': 'Time range', id: 'f-range' },
  [['day', 'Today'], ['week', 'Last 7 days'], ['month', 'This month'], ['all', 'All time']].map(([v, l]) => h('option', { value: v }, l)));
const statusSel = h('select', { 'aria-label': 'Status', id: 'f-status' },
  [['', 'Any status'], ['success', 'Succeeded'], ['error', 'Failed'], ['cancelled', 'Cancelled']].map(([v, l]) => h('option', { value: v }, l)));
const provIn = h('input', { type: 'text', placeholder: 'Provider', 'aria-label': 'Provider', id: 'f-provider', autocomplete: 'off', spellcheck: 'false' });
const modelIn = h('input', { type: 'text', placeholder: 'Model id', 'aria-label': 'Model', id: 'f-model', autocomplete: 'off', spellcheck: 'false' });
const idIn = h('input', { type: 'search', placeholder: 'Request id', 'aria-label': 'Request id', id: 'f-id', autocomplete: 'off', spellcheck: 'false' });
rangeSel.value = ['day', 'week', 'month', 'all'].includes(params.get('range')) ? params.get('range') : 'week';
statusSel.value = ['success', 'error', 'cancelled'].includes(params.get('status')) ? params.get('status') : '';
provIn.value = params.get('provider') || '';
modelIn.value = params.get('model') || '';
$('#filters').append(rangeSel, statusSel, provIn, modelIn, idIn);
for (const el of [rangeSel, statusSel]) el.addEventListener('change', () => load());
for (const el of [provIn, modelIn]) el.addEventListener('change', () => load());
idIn.addEventListener('input', () => render());

function query(extra) {
  return { range: rangeSel.value, tz, per_page: PER_PAGE, status: statusSel.value, provider: provIn.value.trim(), model: modelIn.value.trim(), ...extra };
}

async function load(more = false) {
  const box = $('#requests');
  if (!more) { rows = []; cursor = null; replace(box, h('p', { class: 'loading' }, 'Loading…')); }
  try {
    const r = await get('api/usage/logs', query(more && cursor ? { cursor } : {}));
    rows = rows.concat(Array.isArray(r && r.logs) ? r.logs : []);
    cursor = r && r.next_cursor ? r.next_cursor : null;
    render();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showError(box, err);
  }
}

function statusCell(x) {
  const st = x.status === 'success' ? 'healthy' : x.status === 'cancelled' ? 'unknown' : 'down';
  return statePill(st, x.status === 'success' ? 'OK' : x.status === 'cancelled' ? 'Cancelled' : String(x.http_status || 'Error'));
}

function render() {
  const box = clear($('#requests'));
  const want = idIn.value.trim().toLowerCase();
  const list = want ? rows.filter((x) => String(x.request_id).toLowerCase().includes(want)) : rows;
  if (!list.length) {
    box.appendChild(emptyState('No requests here', rows.length ? 'No request id among the rows shown matches.' : 'Nothing matches these filters in this time range.'));
  } else {
    const body = h('tbody');
    for (const x of list) {
      const open = h('button', { type: 'button', class: 'btn btn-sm btn-ghost', 'aria-label': 'Details of request ' + x.request_id }, 'Details');
      open.addEventListener('click', () => detail(x));
      body.appendChild(h('tr', { dataset: { request: x.request_id, status: x.status } },
        h('td', { class: 'small' }, ago(x.created_at)),
        h('td', null, h('div', { class: 'cell-main mono' }, x.model || '—'), x.resolved_model && x.resolved_model !== x.model ? h('div', { class: 'cell-sub mono' }, '→ ' + x.resolved_model) : null),
        h('td', { class: 'hide-sm' }, x.provider || '—'),
        h('td', { class: 'num' }, num(x.total_tokens ?? 0)),
        h('td', { class: 'num' }, x.price_known === false ? '—' : usd(x.cost_usd ?? 0)),
        h('td', { class: 'num hide-sm' }, ms(x.latency_ms)),
        h('td', { class: 'num hide-sm' }, x.ttft_ms === null || x.ttft_ms === undefined ? '—' : ms(x.ttft_ms)),
        h('td', null, statusCell(x)),
        h('td', { class: 'actions' }, open)));
    }
    box.appendChild(h('div', { class: 'table-wrap' }, h('table', null,
      h('thead', null, h('tr', null, ['When', 'Model', 'Provider', 'Tokens', 'Cost', 'Latency', 'First token', 'Status', ''].map((t, i) =>
        h('th', { scope: 'col', class: [[3, 4, 5, 6].includes(i) && 'num', [2, 5, 6].includes(i) && 'hide-sm'] }, t || h('span', { class: 'sr-only' }, 'Actions'))))),
      body)));
  }
  const moreRow = clear($('#more-row'));
  if (cursor) {
    const more = h('button', { type: 'button', class: 'btn', id: 'more' }, 'Older requests');
    more.addEventListener('click', () => load(true));
    moreRow.appendChild(more);
  }
}

function kv(label, value) { return [h('dt', null, label), h('dd', null, value)]; }

function detail(x) {
  const steps = x.route ? String(x.route).split('; ') : [];
  const body = h('div', { class: 'request-detail' },
    h('dl', { class: 'pcard-kv' },
      kv('Request id', [h('code', null, x.request_id), ' ', copyButton(() => x.request_id, 'Copy')]),
      kv('When', String(x.created_at)),
      kv('Endpoint', (x.endpoint || '') + (x.stream ? ' (streamed)' : '')),
      kv('Model', x.model + (x.resolved_model && x.resolved_model !== x.model ? ' → ' + x.resolved_model : '')),
      kv('Served by', x.provider || '—'),
      kv('Tokens', num(x.prompt_tokens ?? 0) + ' in, ' + num(x.completion_tokens ?? 0) + ' out' + (x.tokens_estimated ? ' (estimated)' : '')),
      kv('Cost', x.price_known === false ? 'unknown (the model has no price)' : usd(x.cost_usd ?? 0)),
      kv('Latency', ms(x.latency_ms) + (x.ttft_ms !== null && x.ttft_ms !== undefined ? ', first token after ' + ms(x.ttft_ms) : ''))),
    h('h3', null, 'Route'),
    steps.length ? h('ol', { class: 'route' }, steps.map((s) => h('li', { class: 'mono small' }, s)))
      : h('p', { class: 'muted small' }, 'No provider was called (refused before routing).'),
    x.error && x.status !== 'success'
      ? errorBox({ type: x.error.category, message: x.error.message, code: x.error.message && /provider/i.test(x.error.message) ? 'provider_' : '', provider: x.provider, request_id: x.request_id, status: x.http_status })
      : null,
    h('p', { class: 'faint small' }, 'Prompts and answers are never stored; quote the request id to your admin, who finds it in the server log.'));
  const close = h('button', { type: 'button', class: 'btn' }, 'Close');
  const d = openDialog({ title: 'Request details', body, actions: [close], wide: true });
  close.addEventListener('click', () => d.close());
}

load();
