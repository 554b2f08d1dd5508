// Thin wrappers over the vendored uPlot (www/vendor/uplot, MIT): a time chart
// (tokens as bars on the left axis, cost and errors as lines, each on its own
// labelled right axis) and a category bar chart. Colours come from the CSS theme; charts follow their box's width.

import uPlot from '../vendor/uplot/uPlot.esm.js';
import { compact, usd } from './format.js';

const C = { a: '#6366f1', b: '#f59e0b', c: '#ef4444' };

function theme() {
  const cs = getComputedStyle(document.documentElement);
  return { text: cs.getPropertyValue('--muted').trim() || '#666', grid: cs.getPropertyValue('--border').trim() || '#ddd' };
}

function axis(t, extra) {
  return { stroke: t.text, grid: { stroke: t.grid, width: 1 }, ticks: { stroke: t.grid, width: 1 }, font: '12px system-ui, sans-serif', ...extra };
}

function follow(el, u) {
  const ro = new ResizeObserver(() => { const w = el.clientWidth; if (w && Math.abs(w - u.width) > 2) u.setSize({ width: w, height: u.height }); });
  ro.observe(el);
  return ro;
}

export function toSeconds(t) {
  if (typeof t === 'number') return t > 1e12 ? t / 1000 : t;
  const p = Date.parse(String(t));
  return Number.isFinite(p) ? p / 1000 : NaN;
}

/** Time chart into el; points [{t, total_tokens, cost_usd, errors}]. Returns a destroy fn. */
export function timeChart(el, points, { hourly }) {
  const t = theme();
  const xs = [], tok = [], cost = [], errs = [];
  for (const p of points) {
    const x = toSeconds(p.t);
    if (!Number.isFinite(x)) continue;
    xs.push(x); tok.push(+p.total_tokens || 0); cost.push(+p.cost_usd || 0); errs.push(+p.errors || 0);
  }
  const bars = uPlot.paths.bars({ size: [0.6, 40], align: 0 });
  const opts = {
    width: el.clientWidth || 600,
    height: 260,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    scales: { x: { time: true, range: (u, min, max) => { const step = xs.length > 1 ? (xs[xs.length - 1] - xs[0]) / (xs.length - 1) : 3600; return [min - step * 0.6, max + step * 0.6]; } }, tok: { range: (u, min, max) => [0, Math.max(10, max * 1.1)] }, usd: { range: (u, min, max) => [0, Math.max(0.01, max * 1.15)] }, err: { range: (u, min, max) => [0, Math.max(4, Math.ceil(max * 1.2))] } },
    axes: [
      axis(t, { values: hourly ? '{HH}:{mm}' : '{MMM} {D}', space: 60, incrs: hourly ? [3600, 7200, 10800, 21600, 43200, 86400] : [86400, 172800, 345600, 604800] }),
      axis(t, { scale: 'tok', label: 'Tokens', labelSize: 20, values: (u, v) => v.map((x) => compact(x)), size: 56 }),
      axis(t, { scale: 'usd', side: 1, label: 'Cost (USD)', labelSize: 20, grid: { show: false }, values: (u, v) => v.map((x) => usd(x)), size: 64 }),
      axis(t, { scale: 'err', side: 1, label: 'Errors', labelSize: 20, grid: { show: false }, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 1e5, 1e6], values: (u, v) => v.map((x) => (Number.isInteger(x) ? compact(x) : '')), size: 40 }),
    ],
    series: [
      {},
      { label: 'Tokens', scale: 'tok', stroke: C.a, fill: C.a + 'cc', width: 0, paths: bars, points: { show: false } },
      { label: 'Cost', scale: 'usd', stroke: C.b, width: 2, points: { show: xs.length < 40 } },
      { label: 'Errors', scale: 'err', stroke: C.c, width: 1.5, dash: [4, 4], points: { show: false } },
    ],
  };
  const u = new uPlot(opts, [xs, tok, cost, errs], el);
  u.root.setAttribute('role', 'img');
  u.root.setAttribute('aria-label', 'Tokens (left axis), cost in USD and error count (right axes) over time; the same numbers are in the summary cards and the CSV export.');
  const ro = follow(el, u);
  const destroy = () => { ro.disconnect(); u.destroy(); };
  destroy.plot = u;
  return destroy;
}

/** Bar chart by category: labels[], values[] (USD). Returns a destroy fn. */
export function barChart(el, labels, values, { format = usd, label = 'Cost' } = {}) {
  const t = theme();
  const xs = labels.map((_, i) => i);
  const room = Math.max(6, Math.floor((el.clientWidth || 600) / Math.max(1, labels.length) / 7.5));
  const short = labels.map((l) => { const s = String(l).split('/').pop(); return s.length > room ? s.slice(0, room - 1) + '…' : s; });
  const opts = {
    width: el.clientWidth || 600,
    height: 240,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false, range: () => [-0.6, labels.length - 0.4] }, y: { range: (u, min, max) => [0, Math.max(format === usd ? 0.01 : 10, max * 1.15)] } },
    axes: [
      axis(t, { values: (u, v) => v.map((i) => (Number.isInteger(i) && short[i] !== undefined ? short[i] : '')), splits: () => xs, gap: 6, size: 40 }),
      axis(t, { values: (u, v) => v.map((x) => format(x)), size: 64 }),
    ],
    series: [{}, { label, stroke: C.a, fill: C.a + 'cc', width: 0, paths: uPlot.paths.bars({ size: [0.55, 80] }), points: { show: false } }],
  };
  const u = new uPlot(opts, [xs, values], el);
  u.root.setAttribute('role', 'img');
  u.root.setAttribute('aria-label', label + ' per model; the table below lists the same numbers.');
  const ro = follow(el, u);
  return () => { ro.disconnect(); u.destroy(); };
}
