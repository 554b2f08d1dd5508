// Settings → Models: every synced model in one table with search and filters
// (provider, type, capability, favorites), a favorite star per row, and the
// person's aliases (short names for provider/model ids) with add and delete.
// Admins also set a model's price (an override that beats what the provider
// reports, from the next request) and see the record of price changes.

import { get, put, post, del, request, ApiError } from '../api.js';
import { h, $, clear, replace, icon, ICONS } from '../dom.js';
import { shell } from '../shell.js';
import { toast, busy, errorBox, showError, emptyState, confirmDialog, openDialog, field } from '../ui.js';
import { ctx, price, num, dateTime } from '../format.js';

const PAGE = 50;
let shown = PAGE;
const tableEl = $('#models-table');
const aliasEl = $('#aliases');
let rows = [];
let aliases = [];
let fallbacks = [];
let user = null;

const q = h('input', { type: 'search', placeholder: 'Search models…', 'aria-label': 'Search models', autocomplete: 'off' });
const provSel = h('select', { 'aria-label': 'Provider' }, h('option', { value: '' }, 'All providers'));
const typeSel = h('select', { 'aria-label': 'Type' }, ['', 'chat', 'embedding', 'image', 'audio', 'other'].map((t) => h('option', { value: t }, t ? t[0].toUpperCase() + t.slice(1) : 'All types')));
const capSel = h('select', { 'aria-label': 'Capability' }, [['', 'Any capability'], ['vision', 'Vision'], ['tools', 'Tools'], ['audio', 'Audio']].map(([v, l]) => h('option', { value: v }, l)));
const favOnly = h('input', { type: 'checkbox' });
$('#model-toolbar').append(h('div', { class: 'search' }, icon(ICONS.search), q), provSel, typeSel, capSel, h('label', { class: 'check' }, favOnly, 'Favorites only'));
for (const el of [q, provSel, typeSel, capSel, favOnly]) el.addEventListener(el === q ? 'input' : 'change', () => { shown = PAGE; renderTable(); });

shell({ active: 'models', settings: true }).then((u) => { user = u; renderAliases(); renderTable(); renderPriceChanges(); }).catch(() => {});

function isAdmin() { return !!(user && user.role === 'admin'); }

async function load() {
  try {
    const [m, a, f] = await Promise.all([get('api/models'), get('api/aliases').catch(() => ({ aliases: [] })),
      get('api/models/fallbacks').catch(() => ({ fallbacks: [] }))]);
    rows = [];
    const groups = Array.isArray(m && m.providers) ? m.providers : [];
    for (const g of groups) for (const x of (Array.isArray(g.models) ? g.models : [])) rows.push({ ...x, provider: g.provider, group: (g.provider === 'custom' ? g.config : g.display_name) || g.config, config: g.config, aggregator: !!(x.aggregator || g.type === 'aggregator') });
    const known = new Set(Array.from(provSel.options).map((o) => o.value));
    for (const g of groups) if (!known.has(g.config)) provSel.appendChild(h('option', { value: g.config }, g.provider === 'custom' ? g.config : (g.display_name || g.config)));
    aliases = Array.isArray(a && a.aliases) ? a.aliases : [];
    fallbacks = Array.isArray(f && f.fallbacks) ? f.fallbacks : [];
    renderTable();
    renderAliases();
    renderFallbacks();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showError(tableEl, err);
  }
}

function caps(x) { return Array.isArray(x.capabilities) ? x.capabilities : []; }

function renderTable() {
  const words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
  const list = rows.filter((x) => (!provSel.value || x.config === provSel.value)
    && (!typeSel.value || (x.type || 'chat') === typeSel.value)
    && (!capSel.value || caps(x).includes(capSel.value) || (capSel.value === 'tools' && caps(x).includes('functions')))
    && (!favOnly.checked || x.favorite)
    && words.every((w) => (String(x.name) + ' ' + x.id + ' ' + (x.aliases || []).join(' ')).toLowerCase().includes(w)));
  list.sort((a, b) => (b.favorite - a.favorite) || String(a.group).localeCompare(String(b.group)) || String(a.name).localeCompare(String(b.name)));
  clear(tableEl);
  if (!rows.length) {
    tableEl.appendChild(emptyState('No models yet', 'Add a provider and sync it; its models show up here.', h('a', { class: 'btn btn-primary', href: 'providers.html' }, 'Go to Providers')));
    return;
  }
  const body = h('tbody');
  for (const x of list.slice(0, shown)) body.appendChild(row(x));
  const more = list.length > shown ? h('button', { type: 'button', class: 'btn btn-sm' }, 'Show ' + Math.min(PAGE, list.length - shown) + ' more') : null;
  if (more) more.addEventListener('click', () => { shown += PAGE; renderTable(); });
  tableEl.append(h('div', { class: 'table-wrap' }, h('table', null,
    h('caption', { class: 'sr-only' }, 'Models'),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Favorite')), h('th', { scope: 'col' }, 'Model'), h('th', { scope: 'col', class: 'hide-sm' }, 'Provider'),
      h('th', { scope: 'col', class: 'num' }, 'Context'), h('th', { scope: 'col', class: 'num' }, 'Input / 1M'), h('th', { scope: 'col', class: 'num' }, 'Output / 1M'), h('th', { scope: 'col', class: 'hide-sm' }, 'Capabilities'),
      isAdmin() ? h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')) : null)),
    body)),
  h('div', { class: 'row section-foot' }, h('span', { class: 'muted small' }, 'Showing ' + num(Math.min(shown, list.length)) + ' of ' + num(list.length) + (list.length === rows.length ? ' models' : ' matches (' + num(rows.length) + ' models in all)')), more));
}

function row(x) {
  const star = h('button', { type: 'button', class: 'icon-btn fav-btn', 'aria-pressed': String(!!x.favorite), 'aria-label': (x.favorite ? 'Remove ' : 'Add ') + x.name + (x.favorite ? ' from favorites' : ' to favorites') }, icon(ICONS.star));
  star.addEventListener('click', async () => {
    const want = !x.favorite;
    try {
      await put('api/models/favorites', { model: x.id, favorite: want });
      x.favorite = want;
      renderTable();
    } catch (err) { toast(err.message, 'error'); }
  });
  const p = (v) => price(v) ?? '—';
  let edit = null;
  if (isAdmin()) {
    edit = h('button', { type: 'button', class: 'btn btn-sm btn-ghost', 'aria-label': 'Set the price of ' + (x.name || x.model) }, 'Set price');
    edit.addEventListener('click', () => priceDialog(x));
  }
  const admin = x.price_source === 'admin' ? [' ', h('span', { class: 'tag tag-accent', title: 'Set by an admin' }, 'set')] : null;
  return h('tr', { dataset: { model: x.id } },
    h('td', null, star),
    h('td', null, h('div', { class: 'cell-main' }, x.name || x.model, (x.aliases || []).map((al) => [' ', h('span', { class: 'tag' }, al)])), h('div', { class: 'cell-sub mono' }, x.id)),
    h('td', { class: 'hide-sm' }, x.group, x.aggregator ? [' ', h('span', { class: 'tag tag-accent' }, 'Aggregator')] : null),
    h('td', { class: 'num' }, (ctx(x.context_window) || '—').replace(' ctx', '')),
    h('td', { class: 'num' }, p(x.input_price_per_m)),
    h('td', { class: 'num' }, p(x.output_price_per_m), admin),
    h('td', { class: 'hide-sm' }, h('div', { class: 'tags' }, caps(x).map((c) => h('span', { class: 'tag' }, c)))),
    isAdmin() ? h('td', { class: 'actions' }, edit) : null);
}

// An admin's price for one provider's model: it beats what the provider
// reports, applies from the next request and is recorded; reports keep the
// cost each request was charged.
function priceDialog(x) {
  const input = (v) => h('input', { type: 'text', inputmode: 'decimal', value: v ?? '', placeholder: '0.00', autocomplete: 'off' });
  const fin = input(x.input_price_per_m);
  const fout = input(x.output_price_per_m);
  const fcr = input(x.price_source === 'admin' ? x.cache_read_price_per_m : '');
  const out = h('div', { 'aria-live': 'polite' });
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const save = h('button', { type: 'button', class: 'btn btn-primary' }, 'Save price');
  const remove = x.price_source === 'admin' ? h('button', { type: 'button', class: 'btn btn-ghost danger' }, 'Use the provider\'s price') : null;
  const d = openDialog({ title: 'Price of ' + (x.name || x.model), description: x.group + ' · ' + x.model + '. USD per 1M tokens; applies from the next request.',
    body: [field('Input', fin), field('Output', fout), field('Cached input', fcr, 'Optional.'), out], actions: [remove, cancel, save].filter(Boolean) });
  cancel.addEventListener('click', () => d.close());
  save.addEventListener('click', () => busy(save, async () => {
    const body = { provider: x.provider, model: x.model, input_price_per_m: fin.value.trim(), output_price_per_m: fout.value.trim() };
    if (fcr.value.trim()) body.cache_read_price_per_m = fcr.value.trim();
    try {
      await put('api/prices/overrides', body);
      d.close();
      toast('Price saved', 'ok');
      await load();
      renderPriceChanges();
    } catch (err) { replace(out, errorBox(err, { compact: true })); }
  }));
  if (remove) remove.addEventListener('click', () => busy(remove, async () => {
    try {
      await del('api/prices/overrides?provider=' + encodeURIComponent(x.provider) + '&model=' + encodeURIComponent(x.model));
      d.close();
      toast('The provider\'s price applies again', 'ok');
      await load();
      renderPriceChanges();
    } catch (err) { replace(out, errorBox(err, { compact: true })); }
  }));
}

// A price list file (LiteLLM's model_prices_and_context_window.json, or the
// TSV of sql/prices.tsv), as `switchboard prices import` takes it.
function importForm() {
  const file = h('input', { type: 'file', id: 'price-file', accept: '.json,.tsv,.txt,application/json,text/plain' });
  const go = h('button', { type: 'button', class: 'btn btn-sm', id: 'price-import' }, 'Import price list');
  const out = h('div', { 'aria-live': 'polite' });
  go.addEventListener('click', () => busy(go, async () => {
    const f = file.files && file.files[0];
    if (!f) { replace(out, errorBox({ type: 'validation', message: 'Choose a price list file first.' }, { compact: true })); return; }
    try {
      const r = await request('POST', 'api/prices/import', { raw: await f.text() });
      toast(r.changed + ' prices new or changed', 'ok');
      clear(out);
      await load();
      renderPriceChanges();
    } catch (err) { replace(out, errorBox(err, { compact: true })); }
  }));
  return h('div', { class: 'card card-tight' }, h('p', { class: 'muted small' },
    'A price list fills in prices your providers do not report: LiteLLM\'s model_prices_and_context_window.json, or a TSV like sql/prices.tsv. A price set on a model (Set price) wins over it.'),
    h('div', { class: 'toolbar' }, field('Price list file', file), go), out);
}

async function renderPriceChanges() {
  const box = $('#price-changes');
  const section = box.closest('section');
  if (!isAdmin()) return;
  section.hidden = false;
  let list = [];
  try { list = (await get('api/prices/changes', { limit: 50 })).changes || []; } catch (err) { showError(box, err); return; }
  clear(box);
  box.appendChild(importForm());
  if (!list.length) { box.appendChild(emptyState('No price changes yet', 'Prices set on a model and imported price lists are recorded here.')); return; }
  const p = (v) => price(v) ?? '—';
  const body = h('tbody');
  for (const c of list) {
    body.appendChild(h('tr', null, h('td', null, dateTime(c.at)), h('td', { class: 'mono' }, c.model),
      h('td', { class: 'hide-sm' }, c.provider || 'any'), h('td', null, c.source === 'admin' ? (c.by || 'admin') : 'import' + (c.by ? ' by ' + c.by : '')),
      h('td', { class: 'num' }, p(c.old_input_price_per_m) + ' → ' + p(c.new_input_price_per_m)),
      h('td', { class: 'num' }, p(c.old_output_price_per_m) + ' → ' + p(c.new_output_price_per_m))));
  }
  box.appendChild(h('div', { class: 'table-wrap' }, h('table', null, h('caption', { class: 'sr-only' }, 'Price changes'),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Model'), h('th', { scope: 'col', class: 'hide-sm' }, 'Provider'),
      h('th', { scope: 'col' }, 'By'), h('th', { scope: 'col', class: 'num' }, 'Input / 1M'), h('th', { scope: 'col', class: 'num' }, 'Output / 1M'))), body)));
}

function renderAliases() {
  clear(aliasEl);
  const alias = h('input', { type: 'text', placeholder: 'sonnet', maxlength: '128', 'aria-label': 'Alias', autocomplete: 'off', spellcheck: 'false' });
  const target = h('input', { type: 'text', placeholder: 'openrouter/anthropic/claude-3.5-sonnet', list: 'model-ids', 'aria-label': 'Target model', autocomplete: 'off', spellcheck: 'false' });
  const ids = h('datalist', { id: 'model-ids' }, rows.slice(0, 2000).map((x) => h('option', { value: x.id })));
  const add = h('button', { type: 'submit', class: 'btn btn-primary' }, icon(ICONS.plus), 'Add alias');
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'toolbar' }, alias, h('span', { 'aria-hidden': 'true' }, '→'), target, add, ids);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!alias.value.trim() || !target.value.trim()) { replace(out, errorBox({ type: 'validation', message: 'Enter an alias and the model it points to.' }, { compact: true })); return; }
    busy(add, async () => {
      try {
        await post('api/aliases', { alias: alias.value.trim(), model: target.value.trim() });
        toast('Alias added', 'ok');
        await load();
      } catch (err) { replace(out, errorBox(err, { compact: true })); }
    });
  });
  aliasEl.append(h('div', { class: 'card card-tight' }, h('p', { class: 'muted small' }, 'Use an alias anywhere a model id goes, in the chat page or in API calls.'), form, out));
  if (!aliases.length) return;
  const body = h('tbody');
  for (const a of aliases) {
    const canDelete = a.scope !== 'global' || (user && user.role === 'admin');
    const rm = canDelete ? h('button', { type: 'button', class: 'btn btn-sm btn-ghost danger', 'aria-label': 'Delete alias ' + a.alias }, icon(ICONS.trash), 'Delete') : null;
    if (rm) rm.addEventListener('click', async () => {
      if (!await confirmDialog({ title: 'Delete alias “' + a.alias + '”?', message: 'Requests using “' + a.alias + '” will fail until you add it again.', confirm: 'Delete', danger: true })) return;
      try { await del('api/aliases/' + encodeURIComponent(a.id)); toast('Alias deleted', 'ok'); await load(); } catch (err) { toast(err.message, 'error'); }
    });
    body.appendChild(h('tr', null, h('td', { class: 'cell-main mono' }, a.alias), h('td', { class: 'mono' }, a.model), h('td', null, h('span', { class: ['tag', a.scope === 'global' && 'tag-accent'] }, a.scope === 'global' ? 'Global' : 'Mine')), h('td', { class: 'actions' }, rm)));
  }
  aliasEl.appendChild(h('div', { class: 'table-wrap section' }, h('table', null, h('thead', null, h('tr', null, h('th', null, 'Alias'), h('th', null, 'Model'), h('th', null, 'Scope'), h('th', null, h('span', { class: 'sr-only' }, 'Actions')))), body)));
}

// "If this model fails, try these": two lists per model or alias. The first
// is tried once every provider of the model failed (before the answer
// starts); the second when the model says the prompt is longer than its
// context window (point it at a model with a larger one).
const WHEN = { fallbacks: 'it fails', context_fallbacks: 'the prompt is too long for it' };

function renderFallbacks() {
  const box = $('#fallbacks');
  clear(box);
  const model = h('input', { type: 'text', placeholder: 'openai/gpt-4o', list: 'model-ids', 'aria-label': 'Model', autocomplete: 'off', spellcheck: 'false' });
  const when = h('select', { 'aria-label': 'When' }, Object.entries(WHEN).map(([v, t]) => h('option', { value: v }, 'when ' + t)));
  const list = h('input', { type: 'text', placeholder: 'openrouter/openai/gpt-4o, anthropic/claude-sonnet-4-5', 'aria-label': 'Fallback models, in order', autocomplete: 'off', spellcheck: 'false' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, icon(ICONS.plus), 'Save fallbacks');
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'toolbar', id: 'fallback-form' }, model, when, h('span', { 'aria-hidden': 'true' }, '→'), list, save);
  const store = async (body, what) => {
    await put('api/models/fallbacks', body);
    toast(what, 'ok');
    await load();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const names = list.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (!model.value.trim() || !names.length) { replace(out, errorBox({ type: 'validation', message: 'Enter a model and the models to try, separated by commas.' }, { compact: true })); return; }
    busy(save, async () => { try { await store({ model: model.value.trim(), [when.value]: names }, 'Fallbacks saved'); } catch (err) { replace(out, errorBox(err, { compact: true })); } });
  });
  box.append(h('div', { class: 'card card-tight' }, h('p', { class: 'muted small' },
    'When every provider of a model (or alias) fails before the answer starts, the first list is tried in order; when the model says the prompt is too long for it, the second (a model with a larger context window). Each request\'s route shows under Requests.'), form, out));
  if (!fallbacks.length) return;
  const body = h('tbody');
  const names = (l) => (l && l.length ? l.join(' → ') : '—');
  for (const f of fallbacks) {
    const rm = h('button', { type: 'button', class: 'btn btn-sm btn-ghost danger', 'aria-label': 'Remove the fallbacks of ' + f.model }, icon(ICONS.trash), 'Remove');
    rm.addEventListener('click', async () => { try { await store({ model: f.model, fallbacks: [], context_fallbacks: [] }, 'Fallbacks removed'); } catch (err) { toast(err.message, 'error'); } });
    body.appendChild(h('tr', { dataset: { model: f.model } }, h('td', { class: 'cell-main mono' }, f.model), h('td', { class: 'mono' }, names(f.fallbacks)), h('td', { class: 'mono' }, names(f.context_fallbacks)), h('td', { class: 'actions' }, rm)));
  }
  box.appendChild(h('div', { class: 'table-wrap section' }, h('table', null, h('thead', null, h('tr', null, h('th', null, 'Model'), h('th', null, 'When it fails'), h('th', null, 'When the prompt is too long'), h('th', null, h('span', { class: 'sr-only' }, 'Actions')))), body)));
}

load();
