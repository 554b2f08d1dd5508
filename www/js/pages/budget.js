// Settings → Budget: the monthly spending limit (amount, alert threshold, hard
// stop) with the current month's bar. Per-key budgets live on the API keys page.

import { get, put, ApiError } from '../api.js';
import { h, $, clear, replace } from '../dom.js';
import { shell } from '../shell.js';
import { toast, busy, errorBox, showError, field } from '../ui.js';
import { budgetBlock } from '../budgetview.js';

shell({ active: 'budget', settings: true }).catch(() => {});

const nowEl = $('#budget-now');
const formCard = $('#budget-form-card');

function render(b) {
  clear(nowEl).append(budgetBlock(b, { heading: false }),
    h('p', { class: 'muted small section' }, 'Spending counts every request made with your gateway keys and on the chat page. Per-key limits are set on ', h('a', { href: 'keys.html' }, 'API keys'), '.'));
  const limit = h('input', { type: 'number', min: '0', step: '0.01', inputmode: 'decimal', placeholder: 'no limit', value: b && b.monthly_limit_usd ? String(b.monthly_limit_usd) : '' });
  const alertPct = h('input', { type: 'number', min: '1', max: '100', step: '1', value: String(b && b.alert_threshold_pct ? b.alert_threshold_pct : 80) });
  const hard = h('input', { type: 'checkbox', checked: !!(b ? b.hard_stop : true) });
  const out = h('div', { 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save budget');
  const form = h('form', { novalidate: true },
    h('h2', null, 'Monthly limit'),
    field('Limit (USD per calendar month)', limit, 'Leave empty for no limit.'),
    field('Alert threshold (%)', alertPct, 'The dashboard warns when spending passes this share of the limit.'),
    h('div', { class: 'field' }, h('label', { class: 'check' }, hard, 'Hard stop: refuse requests once the limit is reached'),
      h('div', { class: 'field-hint' }, 'Without it the limit only warns.')),
    out, save);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { monthly_limit_usd: limit.value === '' ? null : Number(limit.value), alert_threshold_pct: parseInt(alertPct.value, 10) || 80, hard_stop: hard.checked };
    if (body.monthly_limit_usd !== null && !(body.monthly_limit_usd >= 0)) { replace(out, errorBox({ type: 'validation', message: 'The limit must be a positive amount.' }, { compact: true })); return; }
    busy(save, async () => {
      try { const r = await put('api/budget', body); toast('Budget saved', 'ok'); render(r && typeof r === 'object' && 'monthly_limit_usd' in r ? r : await get('api/budget')); } catch (err) { replace(out, errorBox(err, { compact: true })); }
    }, 'Saving…');
  });
  clear(formCard).appendChild(form);
}

get('api/budget').then(render).catch((err) => {
  if (err instanceof ApiError && err.status === 401) return;
  if (err instanceof ApiError && err.status === 404) { render(null); return; }
  showError(nowEl, err);
});
