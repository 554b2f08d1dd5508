// Settings → Budget: the spending limit per month, week or day (amount,
// alert threshold, hard stop) with the current period's bar. Per-key budgets
// live on the API keys page.

import { get, put, post, del, ApiError } from '../api.js';
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
  const limit = h('input', { type: 'number', min: '0', step: '0.01', inputmode: 'decimal', placeholder: 'no limit', value: b && b.limit_usd ? String(b.limit_usd) : '' });
  const windowSel = h('select', { id: 'budget-window' }, [['month', 'Calendar month'], ['week', 'Week (from Monday)'], ['day', 'Day']].map(([v, l]) => h('option', { value: v, selected: (b && b.window || 'month') === v }, l)));
  const alertPct = h('input', { type: 'number', min: '1', max: '100', step: '1', value: String(b && b.alert_threshold_pct ? b.alert_threshold_pct : 80) });
  const hard = h('input', { type: 'checkbox', checked: !!(b ? b.hard_stop : true) });
  const out = h('div', { 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save budget');
  const form = h('form', { novalidate: true },
    h('h2', null, 'Spending limit'),
    h('div', { class: 'form-row' }, field('Limit (USD)', limit, 'Leave empty for no limit.'), field('Per', windowSel, 'Periods start at midnight UTC.')),
    field('Alert threshold (%)', alertPct, 'The dashboard warns when spending passes this share of the limit.'),
    h('div', { class: 'field' }, h('label', { class: 'check' }, hard, 'Hard stop: refuse requests once the limit is reached'),
      h('div', { class: 'field-hint' }, 'Without it the limit only warns.')),
    out, save);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { limit_usd: limit.value === '' ? null : Number(limit.value), window: windowSel.value, alert_threshold_pct: parseInt(alertPct.value, 10) || 80, hard_stop: hard.checked };
    if (body.limit_usd !== null && !(body.limit_usd >= 0)) { replace(out, errorBox({ type: 'validation', message: 'The limit must be a positive amount.' }, { compact: true })); return; }
    busy(save, async () => {
      try { const r = await put('api/budget', body); toast('Budget saved', 'ok'); render(r && typeof r === 'object' && 'limit_usd' in r ? r : await get('api/budget')); } catch (err) { replace(out, errorBox(err, { compact: true })); }
    }, 'Saving…');
  });
  clear(formCard).appendChild(form);
}

// Where alerts go besides the bell: webhooks (JSON, Slack or Discord
// bodies), each alert sent once, retried with backoff when it fails.
async function loadChannels() {
  const box = $('#alert-channels');
  try {
    const r = await get('api/alert-channels');
    const list = Array.isArray(r && r.channels) ? r.channels : [];
    const url = h('input', { type: 'text', id: 'hook-url', 'aria-label': 'Webhook address', placeholder: 'https://hooks.slack.com/services/… or an e-mail address', maxlength: '2048', autocomplete: 'off', spellcheck: 'false' });
    const format = h('select', { id: 'hook-format', 'aria-label': 'Webhook format' }, [['json', 'JSON'], ['slack', 'Slack'], ['discord', 'Discord'], ['email', 'E-mail (address)']].map(([v, l]) => h('option', { value: v }, l)));
    const add = h('button', { type: 'button', class: 'btn btn-sm btn-primary', id: 'hook-add' }, 'Add');
    const out = h('div', { 'aria-live': 'polite' });
    add.addEventListener('click', () => busy(add, async () => {
      try { await post('api/alert-channels', { url: url.value.trim(), format: format.value }); toast('Webhook added', 'ok'); loadChannels(); } catch (err) { replace(out, errorBox(err, { compact: true })); }
    }));
    const rows = list.map((c) => {
      const rm = h('button', { type: 'button', class: 'btn btn-sm btn-ghost danger', 'aria-label': 'Remove webhook ' + c.url_hint }, 'Remove');
      rm.addEventListener('click', async () => { try { await del('api/alert-channels/' + encodeURIComponent(c.id)); toast('Webhook removed', 'ok'); loadChannels(); } catch (err) { toast(err.message, 'error'); } });
      return h('li', { class: 'hook', dataset: { channel: String(c.id) } }, h('span', { class: 'mono small' }, c.url_hint), ' ', h('span', { class: 'tag' }, c.format),
        h('span', { class: 'small muted' }, ' · ' + c.delivered + ' delivered' + (c.pending ? ', ' + c.pending + ' waiting' : '') + (c.last_error ? ' · last error: ' + c.last_error : '')), ' ', rm);
    });
    replace(box, h('div', null,
      h('p', { class: 'muted small' }, 'Alerts — a budget passing its threshold or its limit, a provider refusing your key, a provider that keeps failing — appear under the bell at the top. They can also go to a webhook or an e-mail address: each is sent once, and retried with backoff when that fails. The address is stored encrypted.'),
      rows.length ? h('ul', { class: 'hooks' }, rows) : h('p', { class: 'small' }, 'No webhooks yet.'),
      h('div', { class: 'toolbar' }, url, format, add), out));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showError(box, err);
  }
}
loadChannels();

get('api/budget').then(render).catch((err) => {
  if (err instanceof ApiError && err.status === 401) return;
  if (err instanceof ApiError && err.status === 404) { render(null); return; }
  showError(nowEl, err);
});
