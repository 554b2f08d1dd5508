// The frame around every signed-in page: the header (logo, navigation, the
// global provider-status indicator, the account menu), the settings tabs, and
// the phone menu. shell() starts the "who am I" and status requests in parallel
// with the page's own requests and resolves to the signed-in user.

import { h, icon, ICONS, $, clear } from './dom.js';
import { me, get, post, logout, page } from './api.js';

const SETTINGS = [
  ['providers', 'Providers', 'providers.html'],
  ['models', 'Models', 'models.html'],
  ['keys', 'API keys', 'keys.html'],
  ['budget', 'Budget', 'budget.html'],
  ['admin', 'Admin', 'admin.html', true],
];

const OVERALL = {
  healthy: ['ok', '●', 'All providers healthy', 'Healthy'],
  degraded: ['warn', '▲', 'Some providers degraded', 'Degraded'],
  down: ['bad', '■', 'Providers down', 'Down'],
  unknown: ['off', '○', 'Provider status unknown', 'Status'],
  none: ['off', '○', 'No providers yet', 'No providers'],
};

function navLink(key, label, href, active) {
  return h('a', { href: page(href), class: ['nav-link', key === active && 'is-active'], 'aria-current': key === active ? 'page' : null }, label);
}

function disclosure(button, panel) {
  const set = (open) => {
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    panel.hidden = !open;
  };
  set(false);
  button.addEventListener('click', (e) => { e.stopPropagation(); set(panel.hidden); if (!panel.hidden) { const f = panel.querySelector('a,button'); if (f) f.focus(); } });
  document.addEventListener('click', (e) => { if (!panel.hidden && !panel.contains(e.target)) set(false); });
  panel.addEventListener('keydown', (e) => { if (e.key === 'Escape') { set(false); button.focus(); } });
  button.addEventListener('keydown', (e) => { if (e.key === 'Escape') set(false); });
  return set;
}

let statusLoader = () => {};

/** Re-read the provider status for the header indicator (after provider changes). */
export function refreshStatus() { statusLoader(); }

function statusIndicator() {
  const glyph = h('span', { class: 'status-glyph', 'aria-hidden': 'true' }, '○');
  const text = h('span', { class: 'status-text' }, 'Status');
  const a = h('a', { href: page('status.html'), class: 'status-ind status-off', id: 'status-indicator', title: 'Provider status' }, glyph, text);
  a.setAttribute('aria-label', 'Provider status: loading');
  statusLoader = () => get('api/providers/status', null, { noRedirect: true }).then((s) => {
    const list = s && Array.isArray(s.providers) ? s.providers : [];
    const key = list.length === 0 ? 'none' : (OVERALL[s.overall] ? s.overall : 'unknown');
    const [cls, g, long, short] = OVERALL[key];
    // Which providers are in trouble (an open circuit, down, degraded): named
    // in the tooltip, and the link goes to the first one's row.
    const trouble = list.filter((p) => p.is_active !== false && ['circuit_open', 'down', 'degraded'].includes(p.state));
    const detail = trouble.map((p) => p.config + ': ' + (p.state === 'circuit_open' ? 'circuit open' : p.state)).join(', ');
    // Which provider is serving: the one that answered last.
    const serving = list.filter((p) => p.last_success_at).sort((x, y) => String(y.last_success_at).localeCompare(String(x.last_success_at)))[0];
    a.className = 'status-ind status-' + cls;
    a.dataset.overall = key;
    a.dataset.serving = serving ? serving.config : '';
    glyph.textContent = g;
    text.textContent = trouble.length === 1 ? short + ' · ' + trouble[0].config : serving ? short + ' · via ' + serving.config : short;
    a.title = [long, serving && 'serving: ' + serving.config + ' (last answer ' + String(serving.last_success_at).replace('T', ' ').slice(0, 16) + ')', detail].filter(Boolean).join(' — ');
    const row = trouble.length ? trouble[0] : serving;
    a.href = page('status.html') + (row ? '#' + encodeURIComponent(row.config) : '');
    a.setAttribute('aria-label', 'Provider status: ' + a.title);
  }).catch(() => { a.dataset.overall = 'unknown'; });
  statusLoader();
  return a;
}

// The bell: the newest notifications (budget alerts, refused keys, circuits
// that keep opening), unread ones counted; "Mark all read" clears the count.
function bell() {
  const count = h('span', { class: 'bell-count', hidden: true }, '');
  const btn = h('button', { type: 'button', class: 'icon-btn bell-btn', id: 'bell', 'aria-haspopup': 'true', 'aria-label': 'Notifications' }, icon(ICONS.bell), count);
  const list = h('div', { class: 'bell-list' });
  const readAll = h('button', { type: 'button', class: 'btn btn-sm', id: 'bell-read' }, 'Mark all read');
  const panel = h('div', { class: 'menu menu-right bell-panel', id: 'bell-panel' }, list,
    h('div', { class: 'bell-foot' }, readAll, h('a', { href: page('budget.html') + '#alerts', class: 'small' }, 'Alert settings')));
  btn.setAttribute('aria-controls', 'bell-panel');
  disclosure(btn, panel);
  const load = () => get('api/notifications', null, { noRedirect: true }).then((r) => {
    const items = r && Array.isArray(r.notifications) ? r.notifications : [];
    const unread = r && r.unread ? r.unread : 0;
    count.hidden = unread === 0;
    count.textContent = unread > 99 ? '99+' : String(unread);
    btn.setAttribute('aria-label', unread ? 'Notifications: ' + unread + ' unread' : 'Notifications');
    readAll.hidden = unread === 0;
    clear(list).append(...(items.length ? items.slice(0, 20).map((n) => h('a', {
      href: n.link ? page(n.link) : '#', class: ['bell-item', !n.read_at && 'is-unread'], dataset: { kind: n.kind } },
    h('span', { class: 'bell-title' }, n.title), h('span', { class: 'bell-body small' }, n.body),
    h('span', { class: 'bell-time small faint' }, String(n.created_at || '').replace('T', ' ').slice(0, 16) + ' UTC'))) :
      [h('p', { class: 'muted small bell-empty' }, 'Nothing yet. Budget alerts, refused keys and failing providers show up here.')]));
  }).catch(() => {});
  readAll.addEventListener('click', () => post('api/notifications/read', {}).then(load).catch(() => {}));
  return { node: h('div', { class: 'nav-drop' }, btn, panel), load };
}

/**
 * Render the header into #topbar and the settings tabs (if opts.settings).
 * Resolves to the user; non-admins are sent away from admin-only pages.
 */
export function shell({ active, settings = false, adminOnly = false } = {}) {
  const userP = me();
  const top = $('#topbar');
  const settingsBtn = h('button', { type: 'button', class: ['nav-link', 'nav-menu-btn', settings && 'is-active'], 'aria-haspopup': 'true' }, 'Settings', icon(ICONS.chevron));
  const settingsMenu = h('div', { class: 'menu', id: 'settings-menu' },
    SETTINGS.map(([k, label, href, admin]) => {
      const a = h('a', { href: page(href), class: ['menu-item', k === active && 'is-active'] }, label);
      if (admin) { a.hidden = true; a.dataset.admin = '1'; }
      return a;
    }));
  settingsBtn.setAttribute('aria-controls', 'settings-menu');
  const nav = h('nav', { class: 'nav', 'aria-label': 'Main', id: 'main-nav' },
    navLink('chat', 'Chat', 'index.html', active),
    navLink('usage', 'Usage', 'usage.html', active),
    navLink('requests', 'Requests', 'requests.html', active),
    h('div', { class: 'nav-drop' }, settingsBtn, settingsMenu));
  disclosure(settingsBtn, settingsMenu);

  const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' }, '·');
  const uname = h('span', { class: 'acct-name' }, '');
  const acctBtn = h('button', { type: 'button', class: 'acct-btn', 'aria-haspopup': 'true', 'aria-label': 'Account menu' }, avatar, uname, icon(ICONS.chevron));
  const roleLine = h('div', { class: 'menu-note' }, '');
  const logoutBtn = h('button', { type: 'button', class: 'menu-item', id: 'logout' }, 'Log out');
  logoutBtn.addEventListener('click', () => logout());
  const acctMenu = h('div', { class: 'menu menu-right', id: 'account-menu' }, roleLine,
    h('a', { href: page('keys.html'), class: 'menu-item' }, 'API keys'),
    h('a', { href: page('usage.html'), class: 'menu-item' }, 'My usage'),
    logoutBtn);
  acctBtn.setAttribute('aria-controls', 'account-menu');
  disclosure(acctBtn, acctMenu);

  const burger = h('button', { type: 'button', class: 'icon-btn burger', 'aria-label': 'Menu', 'aria-controls': 'main-nav', 'aria-expanded': 'false' }, icon(ICONS.menu));
  burger.addEventListener('click', () => {
    const open = !top.classList.contains('nav-open');
    top.classList.toggle('nav-open', open);
    burger.setAttribute('aria-expanded', open ? 'true' : 'false');
  });

  const notes = bell();
  top.append(h('div', { class: 'topbar-inner' },
    h('a', { href: page('index.html'), class: 'brand' }, h('img', { src: page('favicon.svg'), alt: '', width: '26', height: '26' }), h('span', null, 'Switchboard')),
    burger, nav,
    h('div', { class: 'topbar-right' }, statusIndicator(), notes.node, h('div', { class: 'nav-drop' }, acctBtn, acctMenu))));

  if (settings) {
    const tabs = h('nav', { class: 'tabs', 'aria-label': 'Settings' },
      SETTINGS.map(([k, label, href, admin]) => {
        const a = h('a', { href: page(href), class: ['tab', k === active && 'is-active'], 'aria-current': k === active ? 'page' : null }, label);
        if (admin) { a.hidden = true; a.dataset.admin = '1'; }
        return a;
      }));
    const main = $('#main');
    main.insertBefore(tabs, main.firstChild);
  }

  return userP.then((user) => {
    uname.textContent = user.username;
    avatar.textContent = (user.username || '?').slice(0, 1).toUpperCase();
    roleLine.textContent = 'Signed in as ' + user.username + ' (' + user.role + ')';
    document.body.dataset.role = user.role;
    notes.load();
    if (user.role === 'admin') document.querySelectorAll('[data-admin]').forEach((el) => { el.hidden = false; });
    if (adminOnly && user.role !== 'admin') { location.replace(page('index.html')); throw new Error('admin only'); }
    return user;
  });
}
