// Shared widgets: modal dialogs on <dialog> (focus trapped by showModal, Escape
// closes), confirmations, toasts in a live region, busy buttons, copy buttons,
// state pills, and the one place that turns an API error into words a person
// can act on.

import { h, icon, ICONS, clear } from './dom.js';
import { page } from './api.js';

let dialogSeq = 0;

/** Open a modal. body: nodes; returns {dialog, close, done} where done resolves on close. */
export function openDialog({ title, description, body, actions, wide, onClose }) {
  const id = 'dlg' + (++dialogSeq);
  const heading = h('h2', { id: id + '-t', class: 'dialog-title' }, title);
  const closeBtn = h('button', { type: 'button', class: 'icon-btn dialog-x', 'aria-label': 'Close' }, icon(ICONS.x));
  const dlg = h('dialog', { class: ['dialog', wide && 'dialog-wide'], 'aria-labelledby': id + '-t' },
    h('div', { class: 'dialog-head' }, heading, closeBtn),
    description ? h('p', { class: 'muted dialog-desc', id: id + '-d' }, description) : null,
    h('div', { class: 'dialog-body' }, body),
    actions && actions.length ? h('div', { class: 'dialog-actions' }, actions) : null);
  if (description) dlg.setAttribute('aria-describedby', id + '-d');
  let resolve;
  const done = new Promise((r) => { resolve = r; });
  const opener = document.activeElement;
  const close = (value) => {
    if (!dlg.open) return;
    dlg.close();
    dlg.remove();
    if (opener && opener.focus && document.contains(opener)) opener.focus();
    if (onClose) onClose(value);
    resolve(value);
  };
  closeBtn.addEventListener('click', () => close(undefined));
  dlg.addEventListener('cancel', (e) => { e.preventDefault(); close(undefined); });
  dlg.addEventListener('click', (e) => { if (e.target === dlg) close(undefined); });
  document.body.appendChild(dlg);
  dlg.showModal();
  const first = dlg.querySelector('[autofocus], .dialog-body input, .dialog-body select, .dialog-body textarea, .dialog-actions .btn-primary, .dialog-actions button');
  if (first) first.focus();
  return { dialog: dlg, close, done };
}

/** Ask for confirmation; resolves true or false. */
export function confirmDialog({ title, message, confirm = 'Confirm', danger = false }) {
  const cancelBtn = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const okBtn = h('button', { type: 'button', class: ['btn', danger ? 'btn-danger' : 'btn-primary'] }, confirm);
  const d = openDialog({ title, body: h('p', null, message), actions: [cancelBtn, okBtn] });
  cancelBtn.addEventListener('click', () => d.close(false));
  okBtn.addEventListener('click', () => d.close(true));
  cancelBtn.focus();
  return d.done.then((v) => v === true);
}

function toastRegion() {
  let r = document.getElementById('toasts');
  if (!r) {
    r = h('div', { id: 'toasts', class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(r);
  }
  return r;
}

/** Short notice at the bottom; kind: ok | error | info. */
export function toast(message, kind = 'info') {
  const t = h('div', { class: ['toast', 'toast-' + kind] }, icon(kind === 'error' ? ICONS.alert : ICONS.check), h('span', null, message));
  toastRegion().appendChild(t);
  setTimeout(() => { t.classList.add('toast-out'); setTimeout(() => t.remove(), 300); }, kind === 'error' ? 7000 : 3500);
}

/** Run fn while btn shows a spinner and is disabled. */
export async function busy(btn, fn, label) {
  const old = Array.from(btn.childNodes);
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  if (label) { clear(btn); btn.append(h('span', { class: 'spinner', 'aria-hidden': 'true' }), label); }
  try { return await fn(); } finally {
    btn.disabled = false;
    btn.removeAttribute('aria-busy');
    if (label) { clear(btn); btn.append(...old); }
  }
}

export function copyButton(getText, label = 'Copy') {
  const b = h('button', { type: 'button', class: 'btn btn-sm' }, icon(ICONS.copy), h('span', null, label));
  b.addEventListener('click', async () => {
    const text = getText();
    let ok = false;
    try { await navigator.clipboard.writeText(text); ok = true; } catch {
      const ta = h('textarea', { class: 'offscreen', readonly: true });
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      try { ok = document.execCommand('copy'); } catch { ok = false; }
      ta.remove();
    }
    b.lastChild.textContent = ok ? 'Copied' : 'Press Ctrl+C';
    b.dataset.copied = ok ? 'yes' : 'no';
    setTimeout(() => { b.lastChild.textContent = label; }, 2000);
  });
  return b;
}

const STATE = {
  healthy: { cls: 'ok', label: 'Healthy', glyph: '●' },
  active: { cls: 'ok', label: 'Active', glyph: '●' },
  ok: { cls: 'ok', label: 'OK', glyph: '●' },
  degraded: { cls: 'warn', label: 'Degraded', glyph: '▲' },
  warning: { cls: 'warn', label: 'Near limit', glyph: '▲' },
  down: { cls: 'bad', label: 'Down', glyph: '■' },
  error: { cls: 'bad', label: 'Error', glyph: '■' },
  exceeded: { cls: 'bad', label: 'Limit reached', glyph: '■' },
  open: { cls: 'bad', label: 'Circuit open', glyph: '■' },
  circuit_open: { cls: 'bad', label: 'Circuit open', glyph: '■' },
  disabled: { cls: 'off', label: 'Disabled', glyph: '○' },
  unknown: { cls: 'off', label: 'Unknown', glyph: '○' },
};

/** A coloured pill with a shape glyph and a word, so colour is never the only signal. */
export function statePill(state, text) {
  const s = STATE[state] || STATE.unknown;
  return h('span', { class: ['pill', 'pill-' + s.cls], dataset: { state: state || 'unknown' } },
    h('span', { class: 'pill-glyph', 'aria-hidden': 'true' }, s.glyph), text || s.label);
}

const CATEGORY = {
  auth: 'Authentication', rate_limit: 'Rate limit', budget: 'Budget', model: 'Model', validation: 'Invalid request',
  network: 'Network', timeout: 'Timeout', upstream: 'Provider error', internal: 'Server error',
};

/** {title, hint, link?} explaining an ApiError or stream error object. */
export function explain(err) {
  const type = err && err.type || 'internal';
  const msg = err && err.message || '';
  const provider = err && err.provider;
  const code = err && err.code || '';
  const out = { category: CATEGORY[type] || type, title: msg, hint: '', link: null };
  const fromProvider = code.startsWith('provider_');
  const who = provider || 'the provider';
  if (fromProvider && type === 'budget') {
    out.hint = 'The account at ' + who + ' is out of credit or quota — top it up there, or pick a model from another provider.';
    return out;
  }
  if (fromProvider && type === 'validation') {
    out.hint = who.charAt(0).toUpperCase() + who.slice(1) + ' rejected this request — try another model, or start a new chat with a shorter conversation.';
    return out;
  }
  switch (type) {
    case 'rate_limit': {
      const s = err.retryAfter ?? err.retry_after;
      out.hint = Number.isFinite(+s) && s !== null && s !== undefined ? 'Rate limit hit, retry in ' + Math.max(1, Math.round(+s)) + ' s.' : 'Rate limit hit — wait a moment and retry, or pick another model.';
      break;
    }
    case 'budget':
      if (code === 'price_unknown') {
        out.hint = 'This model has no known price, so your budget cannot limit it — set its price, or pick a priced model.';
        out.link = { href: page('models.html'), text: 'Settings → Models' };
        break;
      }
      out.hint = 'Budget reached — raise the limit or wait for the next month.';
      out.link = { href: page('budget.html'), text: 'Settings → Budget' };
      break;
    case 'auth':
      if (fromProvider || code.startsWith('upstream') || provider || err.status === 502) {
        out.hint = 'Key rejected' + (provider ? ' by ' + provider : ' by the provider') + ' — check it in Settings → Providers.';
        out.link = { href: page('providers.html'), text: 'Settings → Providers' };
      } else out.hint = 'Your session or key was not accepted. Sign in again.';
      break;
    case 'model':
      out.hint = 'Pick another model, or sync the provider to refresh its model list.';
      out.link = { href: page('models.html'), text: 'Settings → Models' };
      break;
    case 'network':
      out.hint = 'Could not reach the provider. Check its endpoint in Settings → Providers, then retry.';
      break;
    case 'timeout':
      out.hint = 'The provider took too long. Retry, or choose a faster model.';
      break;
    case 'upstream':
      out.hint = 'The provider returned an error. Retry, or try another provider for this model.';
      break;
    case 'validation':
      out.hint = 'Check the fields and try again.';
      break;
    default:
      out.hint = 'Something went wrong on the server. Retry; if it persists, give the request id to your admin.';
  }
  return out;
}

/** An error box with category, message, what to do, and request id. */
export function errorBox(err, { compact, hint } = {}) {
  const x = explain(err);
  if (hint !== undefined) { x.hint = hint; x.link = null; }
  return h('div', { class: ['alert', 'alert-error', compact && 'alert-compact'], role: 'alert' },
    icon(ICONS.alert),
    h('div', { class: 'alert-body' },
      h('div', { class: 'alert-title' }, h('span', { class: 'tag tag-error' }, x.category), ' ', h('span', { class: 'err-msg' }, x.title)),
      x.hint ? h('div', { class: 'alert-hint' }, x.hint, x.link ? [' ', h('a', { href: x.link.href }, x.link.text)] : null) : null,
      err && (err.requestId || err.request_id) ? h('div', { class: 'alert-meta' }, 'Request id ', h('code', null, String(err.requestId || err.request_id))) : null));
}

/** Replace a container's content with an error box (for page-level load failures). */
export function showError(container, err) {
  clear(container);
  container.appendChild(errorBox(err));
}

/** An empty-state block. */
export function emptyState(title, text, action) {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title), text ? h('p', { class: 'muted' }, text) : null, action || null);
}

/** Labelled form field: label + control + optional hint, wired with ids. */
let fieldSeq = 0;
export function field(label, control, hint) {
  const target = control.matches('input,select,textarea') ? control : (control.querySelector('input,select,textarea') || control);
  const id = target.id || ('f' + (++fieldSeq));
  target.id = id;
  const hintEl = hint ? h('div', { class: 'field-hint', id: id + '-h' }, hint) : null;
  if (hintEl) target.setAttribute('aria-describedby', id + '-h');
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}
