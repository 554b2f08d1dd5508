// Settings → Providers: the person's active provider configs (check now and
// check all with the stored key, sync, priority, enable/disable, replace key,
// remove) and the catalog of available providers
// with the add dialog (masked key with show/hide, optional endpoint, test
// connection, save, then a first model sync).

import { get, post, put, del, ApiError } from '../api.js';
import { h, $, clear, replace, icon, ICONS, extLink } from '../dom.js';
import { shell, refreshStatus } from '../shell.js';
import { openDialog, confirmDialog, toast, busy, statePill, errorBox, showError, emptyState, field } from '../ui.js';
import { num, usd, ago, ms } from '../format.js';

const activeEl = $('#active');
const availEl = $('#available');
let catalog = [];
let configs = [];
let health = new Map();
const syncResults = new Map();	// config name → the last sync or check result shown on its card
let loaded = 0;
const checkAllBtn = $('#check-all');
checkAllBtn.addEventListener('click', () => checkAll());

shell({ active: 'providers', settings: true }).catch(() => {});

if (new URLSearchParams(location.search).get('welcome')) {
  $('#notice').appendChild(h('div', { class: 'alert alert-ok', role: 'status' }, icon(ICONS.check),
    h('div', { class: 'alert-body' }, h('div', { class: 'alert-title' }, 'Your admin account is ready.'),
      h('div', null, 'Add your first provider below: paste its API key, test the connection, and its models appear in the chat picker.'))));
}

function hue(name) {
  let x = 0;
  for (const c of String(name)) x = (x * 31 + c.charCodeAt(0)) >>> 0;
  return String(x % 8);
}

function logo(name, label) {
  const letters = String(label || name || '?').replace(/[^A-Za-z0-9]/g, '').slice(0, 2) || '?';
  return h('div', { class: 'plogo', 'aria-hidden': 'true', dataset: { hue: hue(name) } }, letters.slice(0, 1).toUpperCase() + letters.slice(1, 2).toLowerCase());
}

function typeLabel(t) { return t === 'aggregator' ? 'Aggregator' : 'Direct provider'; }

function stateOf(cfg) {
  if (!cfg.is_active) return 'disabled';
  if (cfg.status === 'key_refused') return 'down';	// out of rotation until the key is replaced
  const s = health.get(cfg.name);
  if (s && s.state && s.state !== 'unknown') return s.state;
  if (cfg.status === 'error') return 'down';
  if (cfg.status === 'active' || cfg.status === 'ok' || cfg.status === 'healthy') return 'healthy';
  return cfg.status && ['healthy', 'degraded', 'down'].includes(cfg.status) ? cfg.status : 'unknown';
}

// Automatic fallback: when every provider of a model failed, try the same
// model on the person's other providers (the Compare view's equivalence).
async function loadRouting() {
  const box = h('input', { type: 'checkbox', id: 'auto-fallback' });
  const label = h('label', { class: 'check', for: 'auto-fallback' }, box,
    h('span', null, 'If a model fails on every provider it was asked from, try the same model on my other providers'));
  const hint = h('p', { class: 'field-hint' }, 'E.g. openai/gpt-4o failing falls over to openrouter/openai/gpt-4o. '
    + 'Only before the answer has started, and not under a hard budget. Each request\'s route shows in Usage.');
  replace($('#routing'), h('div', { class: 'card' }, label, hint));
  try {
    const r = await get('api/providers/routing');
    box.checked = !!(r && r.auto_fallback);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) showError($('#routing'), err);
    return;
  }
  box.addEventListener('change', async () => {
    try {
      const r = await put('api/providers/routing', { auto_fallback: box.checked });
      box.checked = !!r.auto_fallback;
      toast(box.checked ? 'Automatic fallback is on.' : 'Automatic fallback is off.', 'ok');
    } catch (err) {
      box.checked = !box.checked;
      toast(err.message, 'error');
    }
  });
}

async function load() {
  try {
    const [cat, cfg, st] = await Promise.all([
      get('api/providers'),
      get('api/provider-configs'),
      get('api/providers/status').catch(() => null),
    ]);
    catalog = Array.isArray(cat && cat.providers) ? cat.providers : [];
    configs = Array.isArray(cfg && cfg.configs) ? cfg.configs : [];
    configs.sort((a, b) => (a.priority ?? 100) - (b.priority ?? 100) || String(a.name).localeCompare(String(b.name)));
    health = new Map((st && Array.isArray(st.providers) ? st.providers : []).map((p) => [p.config, p]));
    render();
    if (loaded++) refreshStatus();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showError(activeEl, err);
  }
}

function render() {
  $('#active-count').textContent = configs.length ? '(' + configs.length + ')' : '';
  checkAllBtn.hidden = !configs.some((c) => c.is_active);
  clear(activeEl);
  if (!configs.length) {
    activeEl.appendChild(emptyState('No providers yet', 'Pick one from the list below and paste its API key. An aggregator such as OpenRouter reaches hundreds of models with one key.'));
  }
  for (const c of configs) activeEl.appendChild(activeCard(c));
  clear(availEl);
  const used = new Set(configs.map((c) => c.provider));
  const avail = catalog.filter((p) => p.is_active !== false && (p.name === 'custom' || !used.has(p.name)));
  avail.sort((a, b) => (a.type === b.type ? 0 : a.type === 'aggregator' ? -1 : 1) || String(a.display_name).localeCompare(String(b.display_name)));
  for (const p of avail) availEl.appendChild(availableCard(p));
  if (!avail.length) availEl.appendChild(h('p', { class: 'muted' }, 'Every provider in the catalog is configured.'));
}

function activeCard(c) {
  const cat = catalog.find((p) => p.name === c.provider) || {};
  const custom = c.provider === 'custom';
  const base = c.display_name || cat.display_name || c.name;
  const title = custom ? c.name : c.name !== c.provider ? base + ' (' + c.name + ')' : base;
  const state = stateOf(c);
  const result = h('div', { class: 'sync-result', 'aria-live': 'polite' });
  if (syncResults.has(c.name)) result.appendChild(syncResults.get(c.name));

  const syncBtn = h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'sync' } }, icon(ICONS.sync), 'Sync models');
  syncBtn.addEventListener('click', () => sync(c, syncBtn, result));
  const checkBtn = h('button', { type: 'button', class: 'btn btn-sm btn-ghost', dataset: { action: 'check' }, disabled: !c.is_active,
    title: 'Try the stored key now' }, 'Check now');
  checkBtn.addEventListener('click', () => busy(checkBtn, async () => {
    replace(result, h('span', { class: 'muted' }, 'Checking ' + title + '…'));
    try { await check(c, title); } catch (err) { return; }	// signed out
    await load();
  }, 'Checking…'));
  const groups = priorityGroups();
  const g = groups.findIndex((grp) => grp.includes(c));
  const up = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Raise priority of ' + title, disabled: g === 0 }, icon(ICONS.up));
  const down = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Lower priority of ' + title, disabled: g === groups.length - 1 }, icon(ICONS.down));
  up.addEventListener('click', () => move(c, -1));
  down.addEventListener('click', () => move(c, 1));
  const toggle = h('button', { type: 'button', class: 'btn btn-sm btn-ghost', dataset: { action: 'toggle' } }, c.is_active ? 'Disable' : 'Enable');
  toggle.addEventListener('click', () => busy(toggle, async () => {
    try { await put('api/provider-configs/' + encodeURIComponent(c.name), { is_active: !c.is_active }); toast(title + (c.is_active ? ' disabled' : ' enabled'), 'ok'); await load(); } catch (err) { toast(err.message, 'error'); }
  }));
  const rekey = h('button', { type: 'button', class: 'btn btn-sm btn-ghost', dataset: { action: 'rekey' } }, icon(ICONS.key), 'Replace key');
  rekey.addEventListener('click', () => keyDialog({ provider: cat.name ? cat : { name: c.provider, display_name: title, type: c.type }, config: c }));
  // Another key of the same provider (e.g. a second project): its own
  // config, same priority, sharing the requests by weight.
  const addKey = custom || !cat.name ? null : h('button', { type: 'button', class: 'btn btn-sm btn-ghost', dataset: { action: 'addkey' } }, icon(ICONS.plus), 'Add key');
  if (addKey) addKey.addEventListener('click', () => keyDialog({ provider: cat, another: c }));
  const sharing = configs.filter((x) => x !== c && x.provider === c.provider && x.priority === c.priority && x.is_active);
  const remove = h('button', { type: 'button', class: 'btn btn-sm btn-ghost danger', dataset: { action: 'remove' } }, icon(ICONS.trash), 'Remove');
  remove.addEventListener('click', async () => {
    const ok = await confirmDialog({ title: 'Remove ' + title + '?', message: 'Its stored key and its ' + num(c.model_count ?? 0) + ' synced models are deleted. Usage history stays. Gateway clients using ' + c.name + '/… models will get errors.', confirm: 'Remove provider', danger: true });
    if (!ok) return;
    try { await del('api/provider-configs/' + encodeURIComponent(c.name)); syncResults.delete(c.name); toast(title + ' removed', 'ok'); await load(); } catch (err) { toast(err.message, 'error'); }
  });

  const meta = h('div', { class: 'pcard-meta' },
    h('span', null, 'Models: ', h('b', null, num(c.model_count ?? 0))),
    h('span', null, 'This month: ', h('b', null, usd(c.month_cost_usd ?? 0))),
    h('span', null, 'Last sync ', h('b', null, ago(c.last_sync_at))),
    c.key_hint ? h('span', null, 'Key ', h('b', { class: 'mono' }, c.key_hint)) : null,
    sharing.length ? shareControls(c, title, sharing) : null,
    c.base_url && (c.base_url_override || c.provider === 'custom') ? h('span', null, 'Endpoint ', h('b', { class: 'mono' }, c.base_url)) : null);
  const hs = health.get(c.name);
  const lastErr = (hs && hs.last_error && hs.last_error.message) || c.last_error;
  return h('article', { class: ['card', 'pcard', !c.is_active && 'is-disabled'], dataset: { config: c.name }, 'aria-label': title },
    h('div', { class: 'pcard-head' }, logo(c.provider || c.name, title),
      h('div', { class: 'pcard-title' }, h('div', { class: 'pcard-name' }, title),
        h('div', { class: 'pcard-type' }, custom ? 'Custom OpenAI-compatible endpoint' : typeLabel(c.type || cat.type), ' · ', (c.api_format || cat.api_format || 'openai').toUpperCase() + ' API')),
      statePill(state)),
    meta,
    lastErr ? h('div', { class: 'small', role: 'note' }, h('span', { class: 'tag tag-error' }, 'Last error'), ' ', h('span', { class: 'err-msg' }, lastErr)) : null,
    result,
    h('div', { class: 'pcard-actions' }, syncBtn, checkBtn,
      h('span', { class: 'prio', title: 'Routing priority: lower goes first; keys sharing a priority move together' }, 'Priority ' + (g + 1), up, down),
      h('span', { class: 'spacer' }), toggle, addKey, rekey, remove));
}

function syncNode(r) {
  return h('div', { class: 'alert alert-ok alert-compact', role: 'status' }, icon(ICONS.check),
    h('div', { class: 'alert-body' }, 'Synced: ', h('b', null, num(r.added ?? 0) + ' added'), ', ' + num(r.updated ?? 0) + ' updated, ' + num(r.removed ?? 0) + ' removed · ' + num(r.total ?? 0) + ' models in total'));
}

/** What to do about a saved provider whose check failed. */
function checkHint(e, title) {
  switch (e.type) {
    case 'auth': return title + ' refused the stored key: use Replace key with a new one from its dashboard.';
    case 'budget': return 'The ' + title + ' account has no credit or quota left; top it up there.';
    case 'rate_limit': return title + ' is rate limiting this key; check again in a minute, or add a second key.';
    case 'network': return 'The endpoint did not answer: check its address and that it is reachable from this server.';
    case 'timeout': return title + ' did not answer in time; check again in a moment.';
    default: return 'Check again in a moment; if it keeps failing, look at the Status page.';
  }
}

/** Try one config's stored key (its model list); the result goes on its
 * card and, as its latest probe, into the status. Returns true when it
 * answered. */
async function check(c, title) {
  try {
    const r = await post('api/provider-configs/' + encodeURIComponent(c.name) + '/check', {});
    syncResults.set(c.name, r.ok
      ? h('div', { class: 'alert alert-ok alert-compact', role: 'status' }, icon(ICONS.check),
        h('div', { class: 'alert-body' }, 'Key works: ', h('b', null, num(r.models ?? 0) + ' models'), ' listed in ' + ms(r.latency_ms ?? 0) + '.'))
      : errorBox(r.error || {}, { compact: true, hint: checkHint(r.error || {}, title) }));
    return !!r.ok;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) throw err;
    syncResults.set(c.name, errorBox(err, { compact: true }));
    return false;
  }
}

/** Check every enabled provider, one after the other, then say how many answered. */
async function checkAll() {
  await busy(checkAllBtn, async () => {
    const active = configs.filter((c) => c.is_active);
    let ok = 0;
    try {
      for (const c of active) if (await check(c, c.display_name || c.name)) ok++;
    } catch (err) {
      return;	// signed out
    }
    await load();
    toast(ok === active.length ? 'All ' + active.length + ' providers answered.' : ok + ' of ' + active.length + ' providers answered; see the cards for what to do.', ok === active.length ? 'ok' : 'error');
  }, 'Checking…');
}

async function sync(c, btn, out) {
  await busy(btn, async () => {
    replace(out, h('span', { class: 'muted' }, 'Asking ' + (c.display_name || c.name) + ' for its models…'));
    try {
      const r = await post('api/provider-configs/' + encodeURIComponent(c.name) + '/sync', {});
      syncResults.set(c.name, syncNode(r && r.sync ? r.sync : r));
      await load();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      const node = errorBox(err, { compact: true });
      syncResults.set(c.name, node);
      replace(out, node);
    }
  }, 'Syncing…');
}

// Keys of one provider at the same priority share its requests by weight:
// the weight is edited here, and "Stop sharing" gives this key its own
// priority, right after the others.
function shareControls(c, title, sharing) {
  const weight = h('input', { type: 'number', min: '1', max: '1000', value: String(c.weight ?? 1), class: 'input-sm', 'aria-label': 'Weight of ' + title });
  weight.addEventListener('change', async () => {
    const w = Number(weight.value);
    if (!(Number.isInteger(w) && w >= 1 && w <= 1000)) { toast('The weight is a whole number from 1 to 1000.', 'error'); weight.value = String(c.weight ?? 1); return; }
    try { await put('api/provider-configs/' + encodeURIComponent(c.name), { weight: w }); toast('Weight of ' + title + ' set to ' + w, 'ok'); await load(); } catch (err) { toast(err.message, 'error'); }
  });
  const split = h('button', { type: 'button', class: 'btn btn-sm btn-ghost', dataset: { action: 'unshare' } }, 'Stop sharing');
  split.addEventListener('click', () => busy(split, async () => {
    const groups = priorityGroups();
    const g = groups.findIndex((grp) => grp.includes(c));
    groups.splice(g + 1, 0, [c]);
    groups[g] = groups[g].filter((x) => x !== c);
    await renumber(groups);
  }));
  return h('span', { class: 'share', title: 'Same priority: requests are shared in proportion to the weights' },
    'Shares with ' + sharing.map((x) => x.name).join(', ') + ' · weight ', weight, split);
}

// The configs in routing order; the keys of one catalog provider at one
// priority (which share its requests) form one group. Custom endpoints are
// each their own.
function priorityGroups() {
  const groups = [];
  for (const c of configs) {
    const last = groups[groups.length - 1];
    if (last && c.provider !== 'custom' && last[0].priority === c.priority && last[0].provider === c.provider) last.push(c);
    else groups.push([c]);
  }
  return groups;
}

// Store the groups' order as priorities 10, 20, …; a group shares one.
async function renumber(groups) {
  try {
    await Promise.all(groups.flatMap((grp, k) => grp.map((c) => ((k + 1) * 10 !== c.priority ?
      put('api/provider-configs/' + encodeURIComponent(c.name), { priority: (k + 1) * 10 }) : null))));
  } catch (err) { toast(err.message, 'error'); }
  await load();
}

// Move c's priority group one place up (dir -1) or down (1).
async function move(c, dir) {
  const groups = priorityGroups();
  const i = groups.findIndex((grp) => grp.includes(c));
  const j = i + dir;
  if (i < 0 || j < 0 || j >= groups.length) return;
  [groups[i], groups[j]] = [groups[j], groups[i]];
  await renumber(groups);
  const card = activeEl.querySelector('[data-config="' + CSS.escape(c.name) + '"]');
  const b = card && card.querySelector(dir < 0 ? '[aria-label^="Raise"]' : '[aria-label^="Lower"]');
  if (b && !b.disabled) b.focus();
}

function availableCard(p) {
  const f = p.features || {};
  const feats = [['streaming', 'Streaming'], ['vision', 'Vision'], ['functions', 'Functions'], ['audio', 'Audio']].filter(([k]) => f[k]).map(([, l]) => h('span', { class: 'tag' }, l));
  const add = h('button', { type: 'button', class: 'btn btn-sm btn-primary', 'aria-label': 'Add ' + p.display_name, dataset: { add: p.name } }, icon(ICONS.plus), 'Add');
  add.addEventListener('click', () => keyDialog({ provider: p }));
  return h('article', { class: 'card pcard', dataset: { provider: p.name } },
    h('div', { class: 'pcard-head' }, logo(p.name, p.display_name),
      h('div', { class: 'pcard-title' }, h('div', { class: 'pcard-name' }, p.display_name), h('div', { class: 'pcard-type' }, p.type === 'aggregator' ? 'API aggregator' : 'Direct provider')),
      add),
    h('dl', { class: 'pcard-kv' },
      h('dt', null, 'Features'), h('dd', null, feats.length ? h('div', { class: 'tags' }, feats) : '—'),
      h('dt', null, 'API standard'), h('dd', { class: 'mono' }, String(p.api_format || '').toUpperCase())),
    p.docs_url ? h('div', { class: 'small' }, extLink(p.docs_url, 'View documentation')) : null);
}

/** What to do about a failed test or save, said from inside the dialog. */
function dialogHint(e, provider) {
  const where = provider.display_name || 'the provider';
  switch (e.type) {
    case 'auth': return 'Copy the key again from ' + where + '’s dashboard, paste it above and test again.';
    case 'network': return 'Check the endpoint address and that ' + where + ' is reachable from this server.';
    case 'timeout': return where + ' did not answer in time. Check the endpoint, or try again in a moment.';
    case 'rate_limit': return where + ' is rate limiting this key; wait a little and test again.';
    case 'budget': return 'The ' + where + ' account has no credit or quota left; top it up there.';
    case 'validation': return e.code === 'conflict' || /exists|taken|already/i.test(e.message || '') ? 'This provider is already configured; use Replace key on its card.' : 'Check the fields above and try again.';
    default: return 'Test again in a moment; if it keeps failing, check the endpoint.';
  }
}

/** Add a provider (no config), another key of a configured one (another:
 * that config), or replace the key of an existing config. */
function keyDialog({ provider, config, another }) {
  const custom = provider.name === 'custom' && !config;
  const named = custom || !!another;
  const name = h('input', { type: 'text', placeholder: another ? another.provider + '-2' : 'ollama', maxlength: '64', autocomplete: 'off', spellcheck: 'false', pattern: '[a-z0-9][a-z0-9_-]{0,63}' });
  if (another) name.value = another.provider + '-' + (configs.filter((x) => x.provider === another.provider).length + 1);
  const weight = h('input', { type: 'number', min: '1', max: '1000', value: '1', 'aria-label': 'Weight' });
  const key = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', placeholder: custom ? 'any value if the server needs none' : 'paste the API key', maxlength: '512' });
  const eye = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Show key', 'aria-pressed': 'false' }, icon(ICONS.eye));
  eye.addEventListener('click', () => {
    const show = key.type === 'password';
    key.type = show ? 'text' : 'password';
    eye.setAttribute('aria-pressed', String(show));
    eye.setAttribute('aria-label', show ? 'Hide key' : 'Show key');
    replace(eye, icon(show ? ICONS.eyeOff : ICONS.eye));
    key.focus();
  });
  const endpoint = h('input', { type: 'url', placeholder: provider.base_url || 'https://…/v1', maxlength: '512', autocomplete: 'off', spellcheck: 'false' });
  if (config && config.base_url) endpoint.value = config.base_url;
  const result = h('div', { class: 'test-result', 'aria-live': 'polite' });
  const testBtn = h('button', { type: 'button', class: 'btn' }, icon(ICONS.bolt), 'Test connection');
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const save = h('button', { type: 'button', class: 'btn btn-primary' }, config ? 'Save key' : 'Add provider');
  const keyField = field('API key', h('div', { class: 'input-group' }, key, eye),
    provider.keys_url ? [h('span', null, 'Get a key from the provider’s dashboard '), extLink(provider.keys_url, provider.display_name)] : 'Stored encrypted; only its last characters are ever shown.');
  const body = h('form', { novalidate: true },
    custom ? field('Name', name, 'Lowercase; becomes the model prefix, e.g. ollama/llama3.') : null,
    another ? field('Name', name, 'Lowercase; this key\'s own prefix, e.g. ' + name.value + '/gpt-4o. Bare model ids are shared with ' + another.name + '.') : null,
    another ? field('Weight', weight, 'Requests are shared with ' + another.name + ' (weight ' + (another.weight ?? 1) + ') in proportion to the weights.') : null,
    keyField,
    field(custom ? 'Endpoint' : 'Custom endpoint (optional)', endpoint, custom ? 'Base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1' : 'Leave empty to use ' + (provider.base_url || 'the default') + '.'),
    h('div', { class: 'row' }, testBtn), result);
  body.addEventListener('submit', (e) => { e.preventDefault(); save.click(); });
  const d = openDialog({ title: another ? 'Add another ' + provider.display_name + ' key' : (config ? 'Replace key for ' : 'Add ') + (config ? (config.provider === 'custom' ? config.name : (config.display_name || config.name)) : provider.display_name), body, actions: [cancel, save] });
  (custom ? name : key).focus();
  cancel.addEventListener('click', () => d.close());

  const values = () => {
    const v = { api_key: key.value.trim() };
    if (endpoint.value.trim()) v.base_url = endpoint.value.trim();
    return v;
  };
  const check = () => {
    if (named && !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name.value.trim())) return 'Give it a short lowercase name (letters, digits, - or _).';
    if (another && !(Number(weight.value) >= 1 && Number(weight.value) <= 1000)) return 'The weight is a number from 1 to 1000.';
    if (!key.value.trim()) return custom ? 'Enter the API key (for a server without keys, any word such as none).' : 'Paste the API key first.';
    if (custom && !endpoint.value.trim()) return 'Enter the endpoint URL.';
    if (endpoint.value.trim() && !/^https?:\/\/\S+$/.test(endpoint.value.trim())) return 'The endpoint must start with http:// or https://.';
    return '';
  };
  const bad = (msg) => replace(result, errorBox({ type: 'validation', message: msg }, { compact: true }));

  testBtn.addEventListener('click', () => {
    const problem = check();
    if (problem) return bad(problem);
    return busy(testBtn, async () => {
      replace(result, h('span', { class: 'muted' }, 'Connecting…'));
      try {
        const r = await post('api/providers/' + encodeURIComponent(provider.name) + '/test', values());
        if (r && r.ok) {
          replace(result, h('div', { class: 'alert alert-ok alert-compact', role: 'status' }, icon(ICONS.check),
            h('div', { class: 'alert-body' }, h('b', null, 'Connected'), ' · ' + num(r.model_count ?? 0) + ' models found · ' + ms(r.latency_ms))));
        } else {
          const e = (r && r.error) || { type: 'upstream', message: 'The provider did not accept the request.' };
          const msg = e.message || 'Connection failed';
          const x = { ...e, message: msg + (e.status && !msg.includes(String(e.status)) ? ' (' + e.status + ')' : ''), provider: provider.display_name };
          replace(result, errorBox(x, { compact: true, hint: dialogHint(x, provider) }));
        }
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return;
        replace(result, errorBox(err, { compact: true }));
      }
    }, 'Testing…');
  });

  save.addEventListener('click', () => {
    const problem = check();
    if (problem) return bad(problem);
    return busy(save, async () => {
      try {
        let cfgName;
        let r;
        if (config) {
          r = await put('api/provider-configs/' + encodeURIComponent(config.name), values());
          cfgName = config.name;
        } else if (custom) {
          cfgName = name.value.trim();
          r = await post('api/provider-configs/custom', { ...values(), name: cfgName });
        } else if (another) {
          cfgName = name.value.trim();
          r = await post('api/provider-configs/' + encodeURIComponent(provider.name),
            { ...values(), name: cfgName, priority: another.priority, weight: Number(weight.value) });
        } else {
          cfgName = provider.name;
          r = await post('api/provider-configs/' + encodeURIComponent(provider.name), values());
        }
        if (r && r.config && r.config.name) cfgName = r.config.name;
        if (r && r.sync && typeof r.sync === 'object') syncResults.set(cfgName, syncNode(r.sync));
        d.close(true);
        toast(config ? 'Key replaced' : (named ? cfgName : provider.display_name) + ' added', 'ok');
        await load();
        if (!config && !(r && r.sync)) {
          const card = activeEl.querySelector('[data-config="' + CSS.escape(cfgName) + '"]');
          const c = configs.find((x) => x.name === cfgName);
          if (card && c) sync(c, card.querySelector('[data-action="sync"]'), card.querySelector('.sync-result'));
        }
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return;
        const x = { ...err, message: err.message, type: err.type, code: err.code, requestId: err.requestId, provider: provider.display_name };
        replace(result, errorBox(x, { compact: true, hint: dialogHint(x, provider) }));
      }
    }, config ? 'Saving…' : 'Adding…');
  });
}

load();
loadRouting();
