// Provider status: the overall state (healthy / degraded / down) and, per
// configured provider, its state, success rates, latency, last error and last
// sync, from GET api/providers/status. Refreshes every 30 seconds.

import { get, ApiError } from '../api.js';
import { h, $, clear } from '../dom.js';
import { shell } from '../shell.js';
import { statePill, showError, emptyState, busy } from '../ui.js';
import { ratio, ms, ago } from '../format.js';

shell({ active: 'status' }).catch(() => {});

const OVERALL = {
  healthy: ['ok', '●', 'All providers healthy', 'Requests are succeeding normally.'],
  degraded: ['warn', '▲', 'Some providers degraded', 'Some requests fail or are slow; Switchboard falls back where it can.'],
  down: ['bad', '■', 'Providers down', 'Requests to these providers fail. Check keys and endpoints in Settings → Providers.'],
  unknown: ['off', '○', 'Status unknown', 'Not enough recent traffic to judge.'],
};

async function load() {
  try {
    const s = await get('api/providers/status');
    const list = Array.isArray(s && s.providers) ? s.providers : [];
    const [cls, glyph, title, text] = OVERALL[s && s.overall] || OVERALL.unknown;
    clear($('#overall')).append(h('div', { class: ['overall', cls], dataset: { overall: (s && s.overall) || 'unknown' } },
      h('div', { class: 'overall-glyph', 'aria-hidden': 'true' }, glyph),
      h('div', null, h('h2', null, list.length ? title : 'No providers configured'), h('p', { class: 'muted' }, list.length ? text : 'Add a provider in Settings → Providers to see its health here.'))));
    const box = clear($('#status-list'));
    if (!list.length) { box.appendChild(emptyState('Nothing to show yet', '', h('a', { class: 'btn btn-primary', href: 'providers.html' }, 'Add a provider'))); return; }
    const body = h('tbody');
    for (const p of list) {
      const st = p.is_active === false ? 'disabled' : p.state;
      body.appendChild(h('tr', { dataset: { config: p.config } },
        h('td', null, h('div', { class: 'cell-main' }, p.config), h('div', { class: 'cell-sub' }, p.provider || '')),
        h('td', null, statePill(st)),
        h('td', { class: 'num' }, ratio(p.success_rate_15m)),
        h('td', { class: 'num hide-sm' }, ratio(p.success_rate_24h)),
        h('td', { class: 'num hide-sm' }, ms(p.p50_latency_ms)),
        h('td', { class: 'num' }, ms(p.p95_latency_ms)),
        h('td', { class: 'small' }, p.last_error && p.last_error.message ? [h('span', { class: 'tag tag-error' }, p.last_error.type || 'error'), ' ', h('span', { class: 'err-msg' }, p.last_error.message), h('div', { class: 'cell-sub' }, ago(p.last_error.at), ' · ', h('a', { href: 'requests.html?status=error&range=day&provider=' + encodeURIComponent(p.config) }, 'failed requests'))] : h('span', { class: 'faint' }, 'none')),
        h('td', { class: 'hide-sm small' }, 'success ', ago(p.last_success_at), h('div', { class: 'cell-sub' }, 'sync ' + ago(p.last_sync_at)))));
    }
    box.appendChild(h('div', { class: 'table-wrap' }, h('table', null,
      h('thead', null, h('tr', null, ['Provider', 'State', 'Success 15 min', 'Success 24 h', 'p50', 'p95', 'Last error', 'Last seen'].map((t, i) => h('th', { scope: 'col', class: [[2, 3, 4, 5].includes(i) && 'num', [3, 4, 7].includes(i) && 'hide-sm'] }, t)))),
      body)));
    // The header's indicator links here with #config: that provider's row.
    const want = decodeURIComponent(location.hash.slice(1));
    const row = want && [...body.rows].find((tr) => tr.dataset.config === want);
    if (row) { row.classList.add('is-target'); row.scrollIntoView({ block: 'center' }); }
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showError($('#overall'), err);
  }
}

$('#refresh').addEventListener('click', (e) => busy(e.currentTarget, load, 'Refreshing…'));
load();
setInterval(() => { if (!document.hidden) load(); }, 30000);
