// The budget bar shared by Usage and Budget: a <meter> (no inline styles) with
// a text line and a state pill, so colour is never the only signal.

import { h } from './dom.js';
import { statePill } from './ui.js';
import { usd } from './format.js';

/** The budget bar: a <meter> (no inline styles) with a text line, so colour is not the only signal. */
const WINDOW = { month: 'this month', week: 'this week', day: 'today' };

export function budgetBlock(b, { heading = true } = {}) {
  const box = h('div');
  const limit = b && +(b.limit_usd ?? b.monthly_limit_usd);
  const when = WINDOW[(b && b.window) || 'month'] || WINDOW.month;
  if (!b || !limit) {
    box.append(h('div', { class: 'section-head' }, h('h2', null, 'Budget'), heading ? h('a', { class: 'btn btn-sm', href: 'budget.html' }, 'Set a budget') : null),
      h('p', { class: 'muted' }, 'No budget set. Spent ' + when + ' so far: ' + usd(b ? b.spent_usd : 0) + '.'));
    return box;
  }
  const spent = +b.spent_usd || 0;
  const reserved = +b.reserved_usd || 0;
  const alertPct = +b.alert_threshold_pct || 80;
  const used = Math.min(1, (spent + reserved) / limit);
  const meter = h('meter', { class: 'budget-meter', min: '0', max: '1', low: String(alertPct / 100), high: '0.999', optimum: '0', value: String(used), 'aria-label': 'Budget used' });
  const status = b.status || (used >= 1 ? 'exceeded' : used * 100 >= alertPct ? 'warning' : 'ok');
  const pill = status === 'exceeded' ? ['exceeded', 'Limit reached'] : status === 'warning' || status === 'alert' ? ['warning', 'Alert: over ' + alertPct + '%'] : ['ok', 'Within budget'];
  box.append(
    h('div', { class: 'section-head' }, h('h2', null, 'Budget ' + when), statePill(pill[0], pill[1])),
    meter,
    h('div', { class: 'budget-line' },
      h('span', null, h('b', null, usd(spent)), ' of ' + usd(limit) + ' (' + Math.round(used * 100) + '%)' + (reserved ? ' · ' + usd(reserved) + ' in flight' : '')),
      h('span', null, 'alert at ' + alertPct + '%' + (b.hard_stop ? ' · hard stop at 100%' : ' · soft limit'))));
  return box;
}

