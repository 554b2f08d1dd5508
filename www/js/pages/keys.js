// Settings → API keys: create gateway keys (the secret is shown once, with a
// copy button and ready curl / OpenAI SDK snippets using this server's URL),
// list them with prefix, last use, budget and limits, and revoke with confirm.

import { get, post, put, del, url, ApiError } from '../api.js';
import { h, $, clear, replace, icon, ICONS } from '../dom.js';
import { shell } from '../shell.js';
import { openDialog, confirmDialog, toast, busy, statePill, errorBox, showError, emptyState, field, copyButton } from '../ui.js';
import { usd, ago, date, num } from '../format.js';

const listEl = $('#keys');
const V1 = url('v1').replace(/\/$/, '');
let keys = [];

shell({ active: 'keys', settings: true }).catch(() => {});

function keyState(k) {
  if (k.revoked_at) return ['disabled', 'Revoked'];
  if (k.expires_at && Date.parse(k.expires_at) < Date.now()) return ['down', 'Expired'];
  return ['healthy', 'Active'];
}

async function load() {
  try {
    const r = await get('api/keys');
    keys = Array.isArray(r && r.keys) ? r.keys : [];
    render();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showError(listEl, err);
  }
}

function limits(k) {
  const out = [];
  if (k.rpm_limit) out.push(num(k.rpm_limit) + ' req/min');
  if (k.tpm_limit) out.push(num(k.tpm_limit) + ' tok/min');
  if (k.max_concurrent) out.push(num(k.max_concurrent) + ' at once');
  if (Array.isArray(k.allowed_models) && k.allowed_models.length) out.push(k.allowed_models.length + ' model' + (k.allowed_models.length > 1 ? 's' : '') + ' allowed');
  if (k.expires_at) out.push('expires ' + date(k.expires_at));
  return out.length ? out.join(' · ') : 'No limits';
}

function render() {
  clear(listEl);
  if (!keys.length) {
    listEl.appendChild(emptyState('No API keys yet', 'Create a key to call Switchboard from SDKs, editors or curl.'));
    return;
  }
  const sorted = keys.slice().sort((a, b) => (!!a.revoked_at - !!b.revoked_at) || String(b.created_at).localeCompare(String(a.created_at)));
  const body = h('tbody');
  for (const k of sorted) {
    const [st, label] = keyState(k);
    const revoke = k.revoked_at ? null : h('button', { type: 'button', class: 'btn btn-sm btn-ghost danger', 'aria-label': 'Revoke key ' + k.name }, 'Revoke');
    if (revoke) revoke.addEventListener('click', async () => {
      const ok = await confirmDialog({ title: 'Revoke “' + k.name + '”?', message: 'Clients using ' + k.prefix + '… stop working at once. This cannot be undone.', confirm: 'Revoke key', danger: true });
      if (!ok) return;
      try { await del('api/keys/' + encodeURIComponent(k.id)); toast('Key revoked', 'ok'); await load(); } catch (err) { toast(err.message, 'error'); }
    });
    const edit = k.revoked_at ? null : h('button', { type: 'button', class: 'btn btn-sm btn-ghost', 'aria-label': 'Edit key ' + k.name }, 'Edit');
    if (edit) edit.addEventListener('click', () => createDialog(k));
    const rotate = k.revoked_at ? null : h('button', { type: 'button', class: 'btn btn-sm btn-ghost', 'aria-label': 'Rotate key ' + k.name }, 'Rotate');
    if (rotate) rotate.addEventListener('click', () => rotateDialog(k));
    const spent = k.month_cost_usd ?? k.spent_usd;
    body.appendChild(h('tr', { dataset: { key: String(k.id) } },
      h('td', null, h('div', { class: 'cell-main' }, k.name), h('div', { class: 'cell-sub mono' }, k.prefix + '…')),
      h('td', null, statePill(st, label)),
      h('td', { class: 'hide-sm' }, ago(k.last_used_at)),
      h('td', { class: 'num' }, spent !== undefined && spent !== null ? usd(spent) : '—', k.monthly_budget_usd ? h('div', { class: 'cell-sub' }, usd(k.monthly_budget_usd) + ' a ' + (k.budget_window || 'month')) : null),
      h('td', { class: 'hide-sm small' }, limits(k)),
      h('td', { class: 'hide-sm' }, date(k.created_at)),
      h('td', { class: 'actions' }, edit, rotate, revoke)));
  }
  listEl.appendChild(h('div', { class: 'table-wrap' }, h('table', null,
    h('thead', null, h('tr', null, ['Key', 'Status', 'Last used', 'Spend this month', 'Limits', 'Created', ''].map((t, i) => h('th', { scope: 'col', class: [i === 3 && 'num', [2, 4, 5].includes(i) && 'hide-sm'] }, t || h('span', { class: 'sr-only' }, 'Actions'))))),
    body)));
}

function snippets(secret) {
  const model = (() => { try { return localStorage.getItem('sb.chat.model') || 'openrouter/openai/gpt-4o-mini'; } catch { return 'openrouter/openai/gpt-4o-mini'; } })();
  return [
    ['curl', 'curl ' + V1 + '/chat/completions \\\n  -H "Authorization: Bearer ' + secret + '" \\\n  -H "Content-Type: application/json" \\\n  -d \'{"model": "' + model + '", "messages": [{"role": "user", "content": "Hello"}]}\''],
    ['Python', 'from openai import OpenAI\n\nclient = OpenAI(base_url="' + V1 + '", api_key="' + secret + '")\nr = client.chat.completions.create(\n    model="' + model + '",\n    messages=[{"role": "user", "content": "Hello"}],\n)\nprint(r.choices[0].message.content)'],
    ['Node.js', 'import OpenAI from "openai";\n\nconst client = new OpenAI({ baseURL: "' + V1 + '", apiKey: "' + secret + '" });\nconst r = await client.chat.completions.create({\n  model: "' + model + '",\n  messages: [{ role: "user", content: "Hello" }],\n});\nconsole.log(r.choices[0].message.content);'],
  ];
}

function snippetTabs(secret) {
  const list = snippets(secret);
  const pre = h('pre', null, h('code', null, list[0][1]));
  let current = 0;
  const seg = h('div', { class: 'seg', role: 'group', 'aria-label': 'Snippet language' }, list.map(([label], i) => {
    const b = h('button', { type: 'button', 'aria-pressed': String(i === 0) }, label);
    b.addEventListener('click', () => {
      current = i;
      seg.querySelectorAll('button').forEach((x, j) => x.setAttribute('aria-pressed', String(j === i)));
      replace(pre, h('code', null, list[i][1]));
    });
    return b;
  }));
  return h('div', { class: 'snippet-tabs' }, seg, h('div', { class: 'snippet' }, pre, copyButton(() => list[current][1])));
}

/** Create a key, or edit one (k): an emptied field lifts that limit. */
function createDialog(k) {
  const name = h('input', { type: 'text', maxlength: '100', placeholder: 'e.g. laptop, ci, editor', autocomplete: 'off' });
  const budget = h('input', { type: 'number', min: '0', step: '0.01', placeholder: 'no limit', inputmode: 'decimal' });
  const per = h('select', null, [['month', 'month'], ['week', 'week (from Monday)'], ['day', 'day']].map(([v, l]) => h('option', { value: v }, l)));
  const rpm = h('input', { type: 'number', min: '1', step: '1', placeholder: 'no limit' });
  const tpm = h('input', { type: 'number', min: '1', step: '1', placeholder: 'no limit' });
  const conc = h('input', { type: 'number', min: '1', step: '1', placeholder: 'no limit' });
  const models = h('input', { type: 'text', placeholder: 'all models', autocomplete: 'off', spellcheck: 'false' });
  const expires = h('input', { type: 'date' });
  if (k) {
    name.value = k.name || '';
    budget.value = k.monthly_budget_usd ?? '';
    per.value = k.budget_window || 'month';
    rpm.value = k.rpm_limit ?? '';
    tpm.value = k.tpm_limit ?? '';
    conc.value = k.max_concurrent ?? '';
    models.value = Array.isArray(k.allowed_models) ? k.allowed_models.join(', ') : '';
    expires.value = k.expires_at ? String(k.expires_at).slice(0, 10) : '';
  }
  const out = h('div', { 'aria-live': 'polite' });
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const create = h('button', { type: 'button', class: 'btn btn-primary' }, k ? 'Save' : 'Create key');
  const form = h('form', { novalidate: true },
    field('Name', name, 'So you can tell keys apart later.'),
    h('div', { class: 'form-row' }, field('Budget (USD)', budget), field('Per', per, 'UTC; a week starts on Monday.')),
    field('Expires', expires),
    h('div', { class: 'form-row' }, field('Requests per minute', rpm), field('Tokens per minute', tpm)),
    field('Requests at once', conc, 'How many requests of this key may be in flight together.'),
    field('Allowed models', models, 'Comma-separated model ids or aliases; empty allows all.'), out);
  form.addEventListener('submit', (e) => { e.preventDefault(); create.click(); });
  const d = openDialog({ title: k ? 'Edit API key “' + k.name + '”' : 'Create API key', body: form, actions: [cancel, create] });
  name.focus();
  cancel.addEventListener('click', () => d.close());
  create.addEventListener('click', () => {
    const body = { name: name.value.trim() };
    if (!body.name) { replace(out, errorBox({ type: 'validation', message: 'Give the key a name.' }, { compact: true })); return; }
    // Creating: only what is set. Editing: every field, an empty one as null (no limit).
    const set = (key, v) => { if (v !== null) body[key] = v; else if (k) body[key] = null; };
    set('monthly_budget_usd', budget.value ? Number(budget.value) : null);
    body.budget_window = per.value;
    set('rpm_limit', rpm.value ? parseInt(rpm.value, 10) : null);
    set('tpm_limit', tpm.value ? parseInt(tpm.value, 10) : null);
    set('max_concurrent', conc.value ? parseInt(conc.value, 10) : null);
    const ms_ = models.value.split(',').map((s) => s.trim()).filter(Boolean);
    set('allowed_models', ms_.length ? ms_ : null);
    set('expires_at', expires.value ? expires.value + 'T23:59:59Z' : null);
    busy(create, async () => {
      try {
        if (k) {
          await put('api/keys/' + encodeURIComponent(k.id), body);
          d.close(true);
          toast('Key saved', 'ok');
          await load();
          return;
        }
        const r = await post('api/keys', body);
        d.close(true);
        await load();
        showSecret(r.key || body, r.secret);
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return;
        replace(out, errorBox(err, { compact: true }));
      }
    }, 'Creating…');
  });
}

// A new secret for the same key (its limits, budget and history stay); the
// old secret keeps working for the chosen overlap, so clients can move over.
function rotateDialog(k) {
  const overlap = h('select', { id: 'rotate-overlap' },
    [[0, 'Stop it now'], [1, 'for 1 hour'], [24, 'for 24 hours'], [72, 'for 3 days'], [168, 'for 7 days']]
      .map(([v, l]) => h('option', { value: String(v), selected: v === 24 }, l)));
  const out = h('div', { 'aria-live': 'polite' });
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const go = h('button', { type: 'button', class: 'btn btn-primary', id: 'rotate-go' }, 'Rotate');
  const d = openDialog({ title: 'Rotate “' + k.name + '”', body: [
    h('p', null, 'The key gets a new secret. Its limits, budget and usage history stay.'),
    field('Keep the old secret (' + k.prefix + '…) working', overlap), out], actions: [cancel, go] });
  cancel.addEventListener('click', () => d.close());
  go.addEventListener('click', () => busy(go, async () => {
    try {
      const r = await post('api/keys/' + encodeURIComponent(k.id) + '/rotate', { overlap_hours: Number(overlap.value) });
      d.close();
      await load();
      showSecret(r.key || k, r.secret, r.previous_valid_until ? 'The old secret works until ' + new Date(r.previous_valid_until).toLocaleString() + ', then stops.' : 'The old secret has stopped working.');
    } catch (err) {
      replace(out, errorBox(err, { compact: true }));
    }
  }, 'Rotating…'));
}

function showSecret(key, secret, rotated) {
  const done = h('button', { type: 'button', class: 'btn btn-primary' }, 'I have saved it');
  const d = openDialog({
    title: 'Key “' + (key.name || '') + '” ' + (rotated ? 'rotated' : 'created'),
    wide: true,
    body: [
      rotated ? h('p', { id: 'rotate-note' }, rotated) : null,
      h('div', { class: 'alert alert-info' }, icon(ICONS.key), h('div', { class: 'alert-body' }, h('b', null, 'Copy this secret now.'), ' It is shown only once; Switchboard keeps just a hash of it.')),
      h('div', { class: 'secret-box' }, h('code', { id: 'new-secret' }, secret || ''), copyButton(() => secret || '')),
      h('p', { class: 'muted small section' }, 'Base URL for OpenAI-compatible clients: ', h('code', null, V1)),
      snippetTabs(secret || ''),
    ],
    actions: [done],
  });
  done.addEventListener('click', () => d.close());
}

function howto() {
  const box = $('#howto');
  box.append(
    h('p', null, 'Point any OpenAI-compatible client at ', h('code', null, V1), ' and use a gateway key as the API key. Models are addressed as ', h('code', null, 'provider/model'), ' (for example ', h('code', null, 'openrouter/anthropic/claude-3.5-sonnet'), ') or by an alias.'),
    snippetTabs('sk-sb-…'));
}

$('#create-key').addEventListener('click', () => createDialog());
howto();
load();
