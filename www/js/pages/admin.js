// Admin: people (create, change role, disable, reset password, delete), the
// maintenance switch (pause the gateway with a message), admin API tokens
// (scoped, shown once) and the audit log of management writes, global aliases
// (visible to every user), and the provider catalog (enable/disable entries,
// edit their endpoint and links). Admin role only.

import { get, post, put, del, ApiError } from '../api.js';
import { h, $, clear, replace, icon, ICONS, extLink } from '../dom.js';
import { shell } from '../shell.js';
import { openDialog, confirmDialog, toast, busy, statePill, errorBox, showError, field, copyButton } from '../ui.js';
import { date } from '../format.js';

let me = null;

async function loadUsers() {
  const box = $('#users');
  try {
    const r = await get('api/users');
    const users = Array.isArray(r && r.users) ? r.users : [];
    const body = h('tbody');
    for (const u of users) {
      const self = me && me.id === u.id;
      const role = h('select', { 'aria-label': 'Role of ' + u.username, disabled: self }, ['user', 'admin'].map((x) => h('option', { value: x, selected: u.role === x }, x === 'admin' ? 'Admin' : 'User')));
      role.addEventListener('change', () => update(u, { role: role.value }));
      const toggle = h('button', { type: 'button', class: 'btn btn-sm btn-ghost', disabled: self }, u.is_active ? 'Disable' : 'Enable');
      toggle.addEventListener('click', () => update(u, { is_active: !u.is_active }));
      const lim = h('button', { type: 'button', class: 'btn btn-sm btn-ghost', 'aria-label': 'Limits of ' + u.username }, 'Limits');
      lim.addEventListener('click', () => limitsDialog(u));
      const pw = h('button', { type: 'button', class: 'btn btn-sm btn-ghost' }, 'Reset password');
      pw.addEventListener('click', () => passwordDialog(u));
      const rm = h('button', { type: 'button', class: 'btn btn-sm btn-ghost danger', disabled: self, 'aria-label': 'Delete ' + u.username }, icon(ICONS.trash), 'Delete');
      rm.addEventListener('click', async () => {
        if (!await confirmDialog({ title: 'Delete ' + u.username + '?', message: 'Their provider keys, gateway keys and settings are deleted. Usage records stay for accounting.', confirm: 'Delete user', danger: true })) return;
        try { await del('api/users/' + encodeURIComponent(u.id)); toast('User deleted', 'ok'); loadUsers(); } catch (err) { toast(err.message, 'error'); }
      });
      body.appendChild(h('tr', { dataset: { user: u.username } },
        h('td', null, h('div', { class: 'cell-main' }, u.username, self ? h('span', { class: 'faint' }, ' (you)') : null)),
        h('td', null, role),
        h('td', null, statePill(u.is_active ? 'active' : 'disabled')),
        h('td', { class: 'hide-sm' }, date(u.created_at)),
        h('td', { class: 'actions' }, toggle, lim, pw, rm)));
    }
    replace(box, h('div', { class: 'table-wrap' }, h('table', null,
      h('thead', null, h('tr', null, ['User', 'Role', 'Status', 'Created', ''].map((t, i) => h('th', { scope: 'col', class: i === 3 ? 'hide-sm' : null }, t || h('span', { class: 'sr-only' }, 'Actions'))))), body)));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showError(box, err);
  }
}

async function update(u, change) {
  try { await put('api/users/' + encodeURIComponent(u.id), change); toast('Saved', 'ok'); } catch (err) { toast(err.message, 'error'); }
  loadUsers();
}

// A user's limits over all their keys and the browser: rates, requests at
// once, and the budget an admin sets on them (per month, week or day; it
// always stops requests at 100 %, and the user may only set a lower one).
// Empty: no limit.
async function limitsDialog(u) {
  let cur, bud;
  try {
    [cur, bud] = await Promise.all([get('api/users/' + encodeURIComponent(u.id) + '/limits'), get('api/budget', { user: u.id })]);
  } catch (err) { toast(err.message, 'error'); return; }
  const num = (v) => h('input', { type: 'number', min: '1', step: '1', placeholder: 'no limit', value: v ?? '' });
  const rpm = num(cur.rpm_limit);
  const tpm = num(cur.tpm_limit);
  const conc = num(cur.max_concurrent);
  const budget = h('input', { type: 'number', min: '0', step: '0.01', inputmode: 'decimal', placeholder: 'no limit', value: bud.admin_limit_usd ?? '' });
  const per = h('select', null, [['month', 'month'], ['week', 'week (from Monday)'], ['day', 'day']].map(([v, l]) => h('option', { value: v, selected: (bud.window || 'month') === v }, l)));
  const out = h('div', { 'aria-live': 'polite' });
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const save = h('button', { type: 'button', class: 'btn btn-primary' }, 'Save limits');
  const d = openDialog({ title: 'Limits for ' + u.username, body: [
    field('Requests per minute', rpm), field('Tokens per minute', tpm),
    field('Requests at once', conc, 'Over all of their keys and the chat page.'),
    h('div', { class: 'form-row' }, field('Budget (USD)', budget, 'Requests stop when it is spent; they may set a lower one.'), field('Per', per, 'UTC.')),
    out], actions: [cancel, save] });
  cancel.addEventListener('click', () => d.close());
  const val = (el) => (el.value ? parseInt(el.value, 10) : null);
  save.addEventListener('click', () => busy(save, async () => {
    try {
      await put('api/users/' + encodeURIComponent(u.id) + '/limits', { rpm_limit: val(rpm), tpm_limit: val(tpm), max_concurrent: val(conc) });
      if (budget.value !== '') await put('api/budget?user=' + encodeURIComponent(u.id), { limit_usd: budget.value, window: per.value });
      else if (bud.admin_limit_usd !== null) await put('api/budget?user=' + encodeURIComponent(u.id), { limit_usd: null });
      d.close();
      toast('Limits saved', 'ok');
    } catch (err) { replace(out, errorBox(err, { compact: true })); }
  }));
}

function passwordDialog(u) {
  const pw = h('input', { type: 'password', autocomplete: 'new-password', minlength: '10', maxlength: '256' });
  const out = h('div', { 'aria-live': 'polite' });
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const save = h('button', { type: 'button', class: 'btn btn-primary' }, 'Set password');
  const d = openDialog({ title: 'New password for ' + u.username, body: [field('Password', pw, 'At least 8 characters. Their sessions end.'), out], actions: [cancel, save] });
  cancel.addEventListener('click', () => d.close());
  save.addEventListener('click', () => busy(save, async () => {
    try { await put('api/users/' + encodeURIComponent(u.id), { password: pw.value }); d.close(); toast('Password changed', 'ok'); } catch (err) { replace(out, errorBox(err, { compact: true })); }
  }));
}

function addUserDialog() {
  const name = h('input', { type: 'text', maxlength: '64', autocomplete: 'off' });
  const pw = h('input', { type: 'password', autocomplete: 'new-password', maxlength: '256' });
  const role = h('select', null, h('option', { value: 'user' }, 'User'), h('option', { value: 'admin' }, 'Admin'));
  const out = h('div', { 'aria-live': 'polite' });
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const save = h('button', { type: 'button', class: 'btn btn-primary' }, 'Add user');
  const d = openDialog({ title: 'Add user', body: [field('Username', name, '1–64 letters, digits, or . _ - @'), field('Password', pw, 'At least 8 characters.'), field('Role', role, 'Admins manage users, global aliases and the catalog.'), out], actions: [cancel, save] });
  cancel.addEventListener('click', () => d.close());
  save.addEventListener('click', () => busy(save, async () => {
    try { await post('api/users', { username: name.value.trim(), password: pw.value, role: role.value }); d.close(); toast('User added', 'ok'); loadUsers(); } catch (err) { replace(out, errorBox(err, { compact: true })); }
  }));
}

async function loadAliases() {
  const box = $('#global-aliases');
  try {
    const r = await get('api/aliases');
    const list = (Array.isArray(r && r.aliases) ? r.aliases : []).filter((a) => a.scope === 'global');
    const alias = h('input', { type: 'text', placeholder: 'alias, e.g. fast', 'aria-label': 'Alias', maxlength: '128' });
    const model = h('input', { type: 'text', placeholder: 'provider/model', 'aria-label': 'Target model', maxlength: '320' });
    const add = h('button', { type: 'submit', class: 'btn btn-primary' }, icon(ICONS.plus), 'Add global alias');
    const out = h('div', { 'aria-live': 'polite' });
    const form = h('form', { class: 'toolbar' }, alias, h('span', { 'aria-hidden': 'true' }, '→'), model, add);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(add, async () => {
        try { await post('api/aliases', { alias: alias.value.trim(), model: model.value.trim(), global: true }); toast('Global alias added', 'ok'); loadAliases(); } catch (err) { replace(out, errorBox(err, { compact: true })); }
      });
    });
    const body = h('tbody');
    for (const a of list) {
      const rm = h('button', { type: 'button', class: 'btn btn-sm btn-ghost danger', 'aria-label': 'Delete alias ' + a.alias }, icon(ICONS.trash), 'Delete');
      rm.addEventListener('click', async () => {
        if (!await confirmDialog({ title: 'Delete global alias “' + a.alias + '”?', message: 'Every user loses this alias.', confirm: 'Delete', danger: true })) return;
        try { await del('api/aliases/' + encodeURIComponent(a.id)); loadAliases(); } catch (err) { toast(err.message, 'error'); }
      });
      body.appendChild(h('tr', null, h('td', { class: 'cell-main mono' }, a.alias), h('td', { class: 'mono' }, a.model), h('td', { class: 'actions' }, rm)));
    }
    replace(box, h('div', { class: 'card card-tight' }, form, out),
      list.length ? h('div', { class: 'table-wrap section' }, h('table', null, h('thead', null, h('tr', null, h('th', null, 'Alias'), h('th', null, 'Model'), h('th', null, h('span', { class: 'sr-only' }, 'Actions')))), body)) : h('p', { class: 'muted small section' }, 'No global aliases yet.'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showError(box, err);
  }
}

async function loadCatalog() {
  const box = $('#catalog');
  try {
    const r = await get('api/providers', { all: 1 });
    const list = Array.isArray(r && r.providers) ? r.providers : [];
    const body = h('tbody');
    for (const p of list) {
      const toggle = h('button', { type: 'button', class: 'btn btn-sm btn-ghost' }, p.is_active === false ? 'Enable' : 'Disable');
      toggle.addEventListener('click', () => busy(toggle, async () => {
        try {
          if (p.is_active === false) await put('api/providers/' + encodeURIComponent(p.name), { is_active: true });
          else await del('api/providers/' + encodeURIComponent(p.name));
          loadCatalog();
        } catch (err) { toast(err.message, 'error'); }
      }));
      const edit = h('button', { type: 'button', class: 'btn btn-sm btn-ghost' }, 'Edit');
      edit.addEventListener('click', () => catalogDialog(p));
      body.appendChild(h('tr', { dataset: { provider: p.name } },
        h('td', null, h('div', { class: 'cell-main' }, p.display_name), h('div', { class: 'cell-sub mono' }, p.name)),
        h('td', { class: 'hide-sm' }, p.type === 'aggregator' ? 'Aggregator' : 'Direct'),
        h('td', { class: 'mono small hide-sm' }, String(p.api_format || '').toUpperCase()),
        h('td', { class: 'mono small' }, p.base_url || '—', p.docs_url ? h('div', null, extLink(p.docs_url, 'docs')) : null),
        h('td', null, statePill(p.is_active === false ? 'disabled' : 'active', p.is_active === false ? 'Hidden' : 'Offered')),
        h('td', { class: 'actions' }, edit, toggle)));
    }
    replace(box, h('div', { class: 'table-wrap' }, h('table', null,
      h('thead', null, h('tr', null, ['Provider', 'Type', 'API', 'Endpoint', 'Status', ''].map((t, i) => h('th', { scope: 'col', class: [1, 2].includes(i) ? 'hide-sm' : null }, t || h('span', { class: 'sr-only' }, 'Actions'))))), body)));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showError(box, err);
  }
}

// While paused, every request that would go upstream gets 503 with this
// message; settings and reports keep working (docs/api.md).
async function loadMaintenance() {
  const box = $('#maintenance');
  try {
    const m = await get('api/admin/maintenance');
    const on = h('input', { type: 'checkbox', id: 'maint-on', checked: !!m.enabled });
    const msg = h('textarea', { id: 'maint-msg', rows: '2', maxlength: '500', placeholder: 'The gateway is paused for maintenance; try again later.' });
    msg.value = m.message || '';
    const save = h('button', { type: 'button', class: 'btn btn-sm btn-primary', id: 'maint-save' }, 'Save');
    const state = h('p', { class: 'small', id: 'maint-state', role: 'status' },
      m.enabled ? 'Paused: API clients and chats get 503 with this message.' : 'Serving.');
    save.addEventListener('click', () => busy(save, async () => {
      try {
        const r = await put('api/admin/maintenance', { enabled: on.checked, message: msg.value.trim() });
        toast(r.enabled ? 'The gateway is paused.' : 'The gateway is serving again.', 'ok');
        loadMaintenance();
      } catch (err) { toast(err.message, 'error'); }
    }));
    replace(box, h('div', { class: 'card' },
      h('label', { class: 'check', for: 'maint-on' }, on, ' Pause the gateway (quick disable): chat and API requests are refused, settings stay reachable'),
      field('Message for clients', msg), h('div', { class: 'pcard-actions' }, save), state));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showError(box, err);
  }
}

const SCOPES = [['reports', 'Reports (read-only usage and budgets)'], ['keys', 'API keys'], ['providers', 'Providers and models'], ['users', 'Users and admin settings']];

async function loadTokens() {
  const box = $('#tokens');
  try {
    const r = await get('api/admin/tokens');
    const tokens = Array.isArray(r && r.tokens) ? r.tokens : [];
    if (!tokens.length) { replace(box, h('p', { class: 'muted' }, 'No tokens yet. A token lets a script call the management API as you, within its scopes.')); return; }
    const body = h('tbody');
    for (const t of tokens) {
      const rm = t.revoked_at ? null : h('button', { type: 'button', class: 'btn btn-sm btn-ghost danger', 'aria-label': 'Revoke token ' + t.name }, 'Revoke');
      if (rm) rm.addEventListener('click', async () => {
        if (!await confirmDialog({ title: 'Revoke ' + t.name + '?', message: 'Scripts using ' + t.prefix + '… stop working at once.', confirm: 'Revoke token', danger: true })) return;
        try { await del('api/admin/tokens/' + encodeURIComponent(t.id)); toast('Token revoked', 'ok'); loadTokens(); loadAudit(); } catch (err) { toast(err.message, 'error'); }
      });
      body.appendChild(h('tr', { dataset: { token: t.name } },
        h('td', null, h('div', { class: 'cell-main' }, t.name), h('div', { class: 'cell-sub mono' }, t.prefix + '…')),
        h('td', null, (t.scopes || []).join(', ')),
        h('td', null, statePill(t.revoked_at ? 'disabled' : 'active', t.revoked_at ? 'Revoked' : 'Active')),
        h('td', { class: 'hide-sm' }, t.created_by || ''),
        h('td', { class: 'hide-sm' }, t.last_used_at ? date(t.last_used_at) : 'never'),
        h('td', { class: 'actions' }, rm)));
    }
    replace(box, h('div', { class: 'table-wrap' }, h('table', null,
      h('thead', null, h('tr', null, ['Token', 'Scopes', 'Status', 'Created by', 'Last used', ''].map((x, i) => h('th', { scope: 'col', class: [3, 4].includes(i) ? 'hide-sm' : null }, x || h('span', { class: 'sr-only' }, 'Actions'))))), body)));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showError(box, err);
  }
}

function tokenDialog() {
  const name = h('input', { type: 'text', id: 'token-name', maxlength: '64', placeholder: 'e.g. nightly-report' });
  const boxes = SCOPES.map(([v, l]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: v, dataset: { scope: v } }), ' ' + l));
  const out = h('div', { 'aria-live': 'polite' });
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const save = h('button', { type: 'button', class: 'btn btn-primary', id: 'token-create' }, 'Create token');
  const d = openDialog({ title: 'Create an API token', body: [field('Name', name), h('fieldset', { class: 'scopes' }, h('legend', null, 'Scopes'), boxes), out], actions: [cancel, save] });
  cancel.addEventListener('click', () => d.close());
  save.addEventListener('click', () => busy(save, async () => {
    const scopes = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
    try {
      const r = await post('api/admin/tokens', { name: name.value.trim(), scopes });
      const done = h('button', { type: 'button', class: 'btn btn-primary' }, 'I have saved it');
      replace(d.dialog.querySelector('.dialog-body'), h('div', null,
        h('div', { class: 'alert alert-info' }, h('div', { class: 'alert-body' }, h('b', null, 'Copy this token now.'), ' It is shown only once; Switchboard keeps just a hash of it. Send it as "Authorization: Bearer …".')),
        h('div', { class: 'secret-box' }, h('code', { id: 'new-token' }, r.secret), copyButton(() => r.secret))));
      replace(d.dialog.querySelector('.dialog-actions'), done);
      done.addEventListener('click', () => d.close());
      loadTokens();
      loadAudit();
    } catch (err) { replace(out, errorBox(err, { compact: true })); }
  }));
}

async function loadAudit() {
  const box = $('#audit');
  try {
    const r = await get('api/admin/audit', { limit: 100 });
    const entries = Array.isArray(r && r.entries) ? r.entries : [];
    if (!entries.length) { replace(box, h('p', { class: 'muted' }, 'Nothing recorded yet.')); return; }
    replace(box, h('div', { class: 'table-wrap' }, h('table', { id: 'audit-table' },
      h('thead', null, h('tr', null, ['When', 'Who', 'What', 'Status', 'From'].map((x, i) => h('th', { scope: 'col', class: i === 4 ? 'hide-sm' : null }, x)))),
      h('tbody', null, entries.map((e) => h('tr', { dataset: { method: e.method, path: e.path } },
        h('td', { class: 'small' }, date(e.at)),
        h('td', null, e.username, h('div', { class: 'cell-sub' }, e.via === 'token' ? 'API token #' + e.token_id : 'browser')),
        h('td', { class: 'mono small' }, e.method + ' ' + e.path),
        h('td', { class: 'num' }, String(e.status)),
        h('td', { class: 'hide-sm mono small' }, e.address || '')))))));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showError(box, err);
  }
}

function catalogDialog(p) {
  const display = h('input', { type: 'text', value: p.display_name || '', maxlength: '128' });
  const base = h('input', { type: 'url', value: p.base_url || '', maxlength: '512' });
  const docs = h('input', { type: 'url', value: p.docs_url || '', maxlength: '512' });
  const keys = h('input', { type: 'url', value: p.keys_url || '', maxlength: '512' });
  const out = h('div', { 'aria-live': 'polite' });
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const save = h('button', { type: 'button', class: 'btn btn-primary' }, 'Save');
  const d = openDialog({ title: 'Edit ' + p.display_name, body: [field('Display name', display), field('Default endpoint', base), field('Documentation URL', docs), field('Where to get keys', keys), out], actions: [cancel, save] });
  cancel.addEventListener('click', () => d.close());
  save.addEventListener('click', () => busy(save, async () => {
    try {
      await put('api/providers/' + encodeURIComponent(p.name), { display_name: display.value.trim(), base_url: base.value.trim(), docs_url: docs.value.trim(), keys_url: keys.value.trim() });
      d.close(); toast('Catalog entry saved', 'ok'); loadCatalog();
    } catch (err) { replace(out, errorBox(err, { compact: true })); }
  }));
}

$('#add-user').addEventListener('click', addUserDialog);
$('#add-token').addEventListener('click', tokenDialog);
shell({ active: 'admin', settings: true, adminOnly: true }).then((u) => {
  me = u;
  loadUsers();
  loadMaintenance();
  loadTokens();
  loadAudit();
  loadAliases();
  loadCatalog();
}).catch(() => {});
