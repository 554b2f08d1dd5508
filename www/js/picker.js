// The model picker: a button that opens a filterable listbox of models grouped
// by provider, favorites first, with "via X" badges for aggregators, context
// size, prices and capability icons. Keyboard: type to filter, arrows to move,
// Enter to choose, Escape to close. The choice is remembered in localStorage.

import { h, icon, ICONS, clear } from './dom.js';
import { ctx, priceSpan } from './format.js';

const STORE = 'sb.chat.model';
let seq = 0;

function capIcons(caps) {
  const out = [];
  if (caps.includes('vision')) out.push(h('span', { class: 'cap', title: 'Vision: accepts images' }, icon(ICONS.eye), h('span', { class: 'sr-only' }, 'vision')));
  if (caps.includes('tools') || caps.includes('functions')) out.push(h('span', { class: 'cap', title: 'Tools: function calling' }, icon(ICONS.tool), h('span', { class: 'sr-only' }, 'tools')));
  if (caps.includes('audio')) out.push(h('span', { class: 'cap', title: 'Audio' }, icon(ICONS.audio), h('span', { class: 'sr-only' }, 'audio')));
  return out;
}

/** Flatten GET api/models into picker entries (chat models only). */
export function flattenModels(data) {
  const out = [];
  for (const g of (data && Array.isArray(data.providers) ? data.providers : [])) {
    for (const m of (Array.isArray(g.models) ? g.models : [])) {
      if (m.type && m.type !== 'chat') continue;
      if (typeof m.id !== 'string') continue;
      out.push({
        id: m.id,
        name: typeof m.name === 'string' && m.name ? m.name : (m.model || m.id),
        model: m.model || m.id,
        group: (g.provider === 'custom' ? g.config : g.display_name) || g.config || g.provider || 'Other',
        config: g.config || '',
        aggregator: !!(m.aggregator || g.type === 'aggregator'),
        ctx: m.context_window,
        inPrice: m.input_price_per_m,
        outPrice: m.output_price_per_m,
        caps: Array.isArray(m.capabilities) ? m.capabilities : [],
        favorite: !!m.favorite,
      });
    }
  }
  return out;
}

export function createPicker(mount, { onChange } = {}) {
  const uid = 'pk' + (++seq);
  let models = [];
  let visible = [];
  let active = -1;
  let selected = null;
  const filters = { vision: false, tools: false };

  const nameEl = h('span', { class: 'picker-name' }, 'Select a model');
  const badges = h('span', { class: 'tags' });
  const btn = h('button', { type: 'button', class: 'picker-btn', id: uid + '-btn', 'aria-haspopup': 'listbox', 'aria-expanded': 'false' }, nameEl, badges, icon(ICONS.chevron));
  const input = h('input', {
    type: 'text', id: uid + '-q', placeholder: 'Type to filter…', autocomplete: 'off', spellcheck: 'false',
    role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'true', 'aria-controls': uid + '-list', 'aria-label': 'Filter models',
  });
  const chip = (key, label, ic) => {
    const c = h('button', { type: 'button', class: 'chip', 'aria-pressed': 'false' }, icon(ic), label);
    c.addEventListener('click', () => { filters[key] = !filters[key]; c.setAttribute('aria-pressed', String(filters[key])); render(); input.focus(); });
    return c;
  };
  const list = h('ul', { class: 'picker-list', id: uid + '-list', role: 'listbox', 'aria-label': 'Models' });
  const foot = h('div', { class: 'picker-foot' }, h('span', null, '↑↓ move'), h('span', null, 'Enter choose'), h('span', null, 'Esc close'), h('span', { class: 'spacer' }), h('span', { class: 'picker-count' }));
  const pop = h('div', { class: 'picker-pop', hidden: true },
    h('div', { class: 'picker-search' },
      h('div', { class: 'search' }, icon(ICONS.search), input),
      h('div', { class: 'picker-filters', role: 'group', 'aria-label': 'Capability filters' }, chip('vision', 'Vision', ICONS.eye), chip('tools', 'Tools', ICONS.tool))),
    list, foot);
  mount.append(btn, pop);

  function matches(m, words) {
    if (filters.vision && !m.caps.includes('vision')) return false;
    if (filters.tools && !(m.caps.includes('tools') || m.caps.includes('functions'))) return false;
    const hay = (m.name + ' ' + m.id + ' ' + m.group).toLowerCase();
    return words.every((w) => hay.includes(w));
  }

  function option(m, idx) {
    const price = priceSpan(m.inPrice, m.outPrice);
    const c = ctx(m.ctx);
    const li = h('li', { role: 'option', id: uid + '-o' + idx, class: 'picker-opt', 'aria-selected': selected && selected.id === m.id ? 'true' : 'false', dataset: { id: m.id } },
      h('span', { class: 'opt-name' }, m.favorite ? h('span', { class: 'fav', title: 'Favorite' }, icon(ICONS.star), h('span', { class: 'sr-only' }, 'favorite')) : null, h('span', { class: 'opt-label' }, m.name)),
      h('span', { class: 'opt-right' }, c ? h('span', { class: 'tag' }, c) : null, capIcons(m.caps)),
      h('span', { class: 'opt-sub' },
        m.aggregator ? h('span', { class: 'tag tag-accent' }, 'via ' + m.group) : null,
        h('span', null, price || 'price unknown'),
        h('span', { class: 'mono' }, m.id)));
    li.addEventListener('mousedown', (e) => e.preventDefault());
    li.addEventListener('click', () => choose(m, true));
    li.addEventListener('mousemove', () => { if (active !== idx) setActive(idx, false); });
    return li;
  }

  function render() {
    clear(list);
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    const found = models.filter((m) => matches(m, words));
    const groups = [];
    const favs = found.filter((m) => m.favorite);
    if (favs.length) groups.push(['★ Favorites', favs, false]);
    const byGroup = new Map();
    for (const m of found) {
      if (m.favorite) continue;
      if (!byGroup.has(m.group)) byGroup.set(m.group, []);
      byGroup.get(m.group).push(m);
    }
    for (const [g, ms] of byGroup) groups.push([g, ms, ms.some((m) => m.aggregator)]);
    visible = [];
    groups.forEach(([label, ms, agg], gi) => {
      const gid = uid + '-g' + gi;
      const ul = h('ul', { role: 'group', 'aria-labelledby': gid, class: 'picker-gl' });
      for (const m of ms) { ul.appendChild(option(m, visible.length)); visible.push(m); }
      list.appendChild(h('li', { role: 'presentation' },
        h('div', { class: 'picker-group', id: gid }, label, agg ? h('span', { class: 'tag tag-accent' }, 'Aggregator') : null), ul));
    });
    if (!visible.length) {
      list.appendChild(h('li', { role: 'presentation', class: 'picker-empty' }, models.length ? 'No model matches “' + input.value + '”.' : 'No models yet. Add a provider in Settings → Providers.'));
    }
    foot.querySelector('.picker-count').textContent = visible.length + ' of ' + models.length;
    const cur = selected ? visible.findIndex((m) => m.id === selected.id) : -1;
    setActive(words.length || cur < 0 ? (visible.length ? 0 : -1) : cur, true);
  }

  function setActive(i, scroll) {
    const prev = list.querySelector('.is-active');
    if (prev) prev.classList.remove('is-active');
    active = i;
    if (i < 0) { input.removeAttribute('aria-activedescendant'); return; }
    const el = document.getElementById(uid + '-o' + i);
    if (!el) return;
    el.classList.add('is-active');
    input.setAttribute('aria-activedescendant', el.id);
    if (scroll) el.scrollIntoView({ block: 'nearest' });
  }

  function showSelected() {
    clear(badges);
    if (!selected) { nameEl.textContent = models.length ? 'Select a model' : 'No models available'; btn.removeAttribute('title'); return; }
    nameEl.textContent = selected.name;
    btn.title = selected.id;
    if (selected.aggregator) badges.appendChild(h('span', { class: 'tag tag-accent' }, 'via ' + selected.group));
    const c = ctx(selected.ctx);
    if (c) badges.appendChild(h('span', { class: 'tag hide-sm' }, c));
    btn.setAttribute('aria-label', 'Model: ' + selected.name + (selected.aggregator ? ' via ' + selected.group : '') + '. Change model');
  }

  function choose(m, close) {
    selected = m;
    try { localStorage.setItem(STORE, m.id); } catch { /* private mode */ }
    showSelected();
    if (close) closePop(true);
    if (onChange) onChange(m);
  }

  function openPop(initial) {
    if (!pop.hidden) return;
    pop.hidden = false;
    btn.setAttribute('aria-expanded', 'true');
    input.value = initial || '';
    render();
    input.focus();
  }

  function closePop(focusBtn) {
    if (pop.hidden) return;
    pop.hidden = true;
    btn.setAttribute('aria-expanded', 'false');
    if (focusBtn) btn.focus();
  }

  btn.addEventListener('click', () => (pop.hidden ? openPop('') : closePop(false)));
  btn.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') { e.preventDefault(); openPop(''); }
    else if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey && e.key !== ' ') { e.preventDefault(); openPop(e.key); }
  });
  input.addEventListener('input', render);
  input.addEventListener('keydown', (e) => {
    const n = visible.length;
    if (e.key === 'ArrowDown') { e.preventDefault(); if (n) setActive((active + 1) % n, true); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); if (n) setActive((active - 1 + n) % n, true); }
    else if (e.key === 'PageDown') { e.preventDefault(); if (n) setActive(Math.min(n - 1, active + 8), true); }
    else if (e.key === 'PageUp') { e.preventDefault(); if (n) setActive(Math.max(0, active - 8), true); }
    else if (e.key === 'Enter') { e.preventDefault(); if (active >= 0 && visible[active]) choose(visible[active], true); }
    else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); closePop(true); }
    else if (e.key === 'Tab') closePop(false);
  });
  document.addEventListener('mousedown', (e) => { if (!pop.hidden && !mount.contains(e.target)) closePop(false); });

  return {
    setModels(list_) {
      models = list_.slice().sort((a, b) => (b.favorite - a.favorite));
      let want = null;
      try { want = localStorage.getItem(STORE); } catch { want = null; }
      const keep = selected && models.find((m) => m.id === selected.id);
      selected = keep || models.find((m) => m.id === want) || models.find((m) => m.favorite) || models[0] || null;
      showSelected();
      if (!pop.hidden) render();
      if (selected && onChange) onChange(selected);
    },
    get value() { return selected; },
    open: openPop,
    button: btn,
  };
}
