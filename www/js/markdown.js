// A small, safe Markdown renderer that returns DOM nodes, never HTML strings:
// paragraphs, headings, fenced and indented code, inline code, bold, italic,
// lists, blockquotes and links (http/https only, rel=noopener). Raw HTML in the
// input stays literal text.

import { h } from './dom.js';

const FENCE = /^\s{0,3}(```+|~~~+)\s*([\w+#.-]*)\s*$/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const ULIST = /^\s{0,3}[-*+]\s+(.*)$/;
const OLIST = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;

/** Render Markdown text into a DocumentFragment. */
export function renderMarkdown(text) {
  const frag = document.createDocumentFragment();
  const lines = String(text).replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i++; continue; }
    let m = FENCE.exec(line);
    if (m) {
      const fence = m[1];
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence)) body.push(lines[i++]);
      i++;
      frag.appendChild(codeBlock(body.join('\n'), m[2]));
      continue;
    }
    if (/^( {4}|\t)/.test(line)) {
      const body = [];
      while (i < lines.length && (/^( {4}|\t)/.test(lines[i]) || !lines[i].trim())) body.push(lines[i++].replace(/^( {4}|\t)/, ''));
      frag.appendChild(codeBlock(body.join('\n').replace(/\n+$/, ''), ''));
      continue;
    }
    if ((m = HEADING.exec(line))) {
      const level = Math.min(6, m[1].length + 2);
      frag.appendChild(h('h' + level, { class: 'md-h' }, inline(m[2])));
      i++;
      continue;
    }
    if (RULE.test(line)) { frag.appendChild(h('hr')); i++; continue; }
    if (QUOTE.test(line)) {
      const body = [];
      while (i < lines.length && QUOTE.test(lines[i])) body.push(QUOTE.exec(lines[i++])[1]);
      frag.appendChild(h('blockquote', null, renderMarkdown(body.join('\n'))));
      continue;
    }
    if (ULIST.test(line) || OLIST.test(line)) {
      const ordered = !ULIST.test(line);
      const re = ordered ? OLIST : ULIST;
      const list = h(ordered ? 'ol' : 'ul');
      if (ordered) {
        const start = parseInt(OLIST.exec(line)[1], 10);
        if (start > 1) list.setAttribute('start', String(start));
      }
      const items = [];
      while (i < lines.length) {
        const l = lines[i];
        const mm = re.exec(l);
        if (mm) { items.push([ordered ? mm[2] : mm[1]]); i++; }
        else if (items.length && l.trim() && /^\s{2,}/.test(l)) { items[items.length - 1].push(l.trim()); i++; }
        else break;
      }
      for (const it of items) list.appendChild(h('li', null, inline(it.join(' '))));
      frag.appendChild(list);
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && !FENCE.test(lines[i]) && !HEADING.test(lines[i]) && !ULIST.test(lines[i]) && !OLIST.test(lines[i]) && !QUOTE.test(lines[i])) {
      para.push(lines[i++]);
    }
    const p = h('p');
    para.forEach((l, k) => {
      if (k) p.appendChild(h('br'));
      p.appendChild(inline(l));
    });
    frag.appendChild(p);
  }
  return frag;
}

function codeBlock(code, lang) {
  const pre = h('pre', { class: 'md-code' }, h('code', lang ? { 'data-lang': lang } : null, code));
  if (lang) pre.dataset.lang = lang;
  return pre;
}

const INLINE = /(`+)([\s\S]*?[^`])\1(?!`)|\*\*([^*]+?)\*\*|__([^_]+?)__|\*([^*\s][^*]*?)\*|(?<![\w])_([^_\s][^_]*?)_(?![\w])|\[([^\]]{1,500})\]\(\s*([^)\s]{1,2000})(?:\s+"[^"]*")?\s*\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/;

/** Inline spans of one line or paragraph into a fragment of nodes. */
export function inline(text) {
  const frag = document.createDocumentFragment();
  let rest = String(text);
  let guard = 0;
  while (rest && guard++ < 10000) {
    const m = INLINE.exec(rest);
    if (!m) { frag.appendChild(document.createTextNode(rest)); break; }
    if (m.index) frag.appendChild(document.createTextNode(rest.slice(0, m.index)));
    if (m[1]) frag.appendChild(h('code', null, m[2].replace(/^ (.*) $/, '$1')));
    else if (m[3] || m[4]) frag.appendChild(h('strong', null, inline(m[3] || m[4])));
    else if (m[5] || m[6]) frag.appendChild(h('em', null, inline(m[5] || m[6])));
    else if (m[7]) frag.appendChild(link(m[8], inline(m[7]), m[0]));
    else if (m[9]) frag.appendChild(link(m[9], m[9], m[0]));
    rest = rest.slice(m.index + m[0].length);
  }
  return frag;
}

function link(href, content, raw) {
  let u;
  try { u = new URL(href); } catch { return document.createTextNode(raw); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return document.createTextNode(raw);
  return h('a', { href: u.href, target: '_blank', rel: 'noopener noreferrer nofollow' }, content);
}
