// Building DOM safely: h() creates elements with createElement and puts every
// string in as a text node, so untrusted text (model names, upstream errors) can
// never become markup. There is no innerHTML anywhere in this app.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(el, child) {
  if (child === null || child === undefined || child === false || child === true) return;
  if (Array.isArray(child)) { for (const c of child) append(el, c); return; }
  if (child instanceof Node) { el.appendChild(child); return; }
  el.appendChild(document.createTextNode(String(child)));
}

function setProps(el, props) {
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'href' || k === 'src') el.setAttribute(k, safeUrl(v));
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'selected' || k === 'hidden' || k === 'open') el[k] = v;
    else if (k === 'style') throw new Error('inline styles are not allowed');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** h('div', {class:'x', onClick: fn}, 'text', child, [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props && (typeof props !== 'object' || props instanceof Node || Array.isArray(props))) children.unshift(props);
  else if (props) setProps(el, props);
  append(el, children);
  return el;
}

/** A tiny inline SVG icon from one or more path strings (our own constants only). */
export function icon(paths, label) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', label ? 'false' : 'true');
  if (label) { svg.setAttribute('role', 'img'); svg.setAttribute('aria-label', label); }
  for (const d of [].concat(paths)) {
    const p = document.createElementNS(SVG_NS, 'path');
    p.setAttribute('d', d);
    svg.appendChild(p);
  }
  return svg;
}

/** Relative, same-origin or http(s) URLs only; anything else becomes "#". */
export function safeUrl(v) {
  const s = String(v);
  try {
    const u = new URL(s, document.baseURI);
    if (u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'blob:' || u.protocol === 'data:' && /^data:image\/(png|svg\+xml);/.test(s)) return s;
  } catch { /* fallthrough */ }
  return '#';
}

export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

export function replace(el, ...children) { clear(el); append(el, children); return el; }

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** An external link that opens in a new tab without handing over window.opener. */
export function extLink(href, text, cls) {
  return h('a', { href, target: '_blank', rel: 'noopener noreferrer', class: cls }, text, h('span', { class: 'ext', 'aria-hidden': 'true' }, ' ↗'));
}

export const ICONS = {
  eye: ['M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z', 'M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z'],
  eyeOff: ['M3 3l18 18', 'M10.6 6.1A11 11 0 0 1 12 6c7 0 11 6 11 6a18 18 0 0 1-3.2 3.9M6.6 6.6C3.1 8.6 1 12 1 12s4 7 11 7a10 10 0 0 0 5.4-1.6', 'M9.9 10a3 3 0 0 0 4.2 4.2'],
  tool: ['M14.7 6.3a4 4 0 0 0 5 5L21 13l-8 8-3-3 1.3-1.3a4 4 0 0 0-5-5L3 14V8l6-6h6z'],
  star: ['M12 2l3.1 6.3 6.9 1-5 4.9 1.2 6.8L12 17.8 5.8 21l1.2-6.8-5-4.9 6.9-1z'],
  chevron: ['M6 9l6 6 6-6'],
  up: ['M6 15l6-6 6 6'],
  down: ['M6 9l6 6 6-6'],
  search: ['M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14z', 'M21 21l-4.3-4.3'],
  send: ['M4 12l16-8-6 16-2-7z'],
  stop: ['M7 7h10v10H7z'],
  copy: ['M9 9h11v11H9z', 'M5 15H4V4h11v1'],
  plus: ['M12 5v14', 'M5 12h14'],
  sync: ['M21 12a9 9 0 0 1-15.5 6.2L3 16', 'M3 12a9 9 0 0 1 15.5-6.2L21 8', 'M21 3v5h-5', 'M3 21v-5h5'],
  trash: ['M4 7h16', 'M10 11v6', 'M14 11v6', 'M6 7l1 13h10l1-13', 'M9 7V4h6v3'],
  menu: ['M4 6h16', 'M4 12h16', 'M4 18h16'],
  x: ['M6 6l12 12', 'M18 6L6 18'],
  check: ['M5 12l5 5 9-10'],
  alert: ['M12 3l10 18H2z', 'M12 10v5', 'M12 18v.5'],
  download: ['M12 4v12', 'M6 11l6 6 6-6', 'M4 20h16'],
  user: ['M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M4 21a8 8 0 0 1 16 0'],
  key: ['M15 3a6 6 0 1 0 0 12 6 6 0 0 0 0-12z', 'M10.5 13.5L3 21', 'M6 18l2 2'],
  audio: ['M12 3v18', 'M8 8v8', 'M16 7v10', 'M4 11v2', 'M20 10v4'],
  bolt: ['M13 2L4 14h7l-1 8 9-12h-7z'],
  bell: ['M6 16V11a6 6 0 0 1 12 0v5l2 2H4z', 'M10 20a2 2 0 0 0 4 0'],
};
