// Number, money, size and time formatting shared by every page. Money arrives as
// JSON numbers with at most 6 decimals (exact micro-USD); we only format it.

const nf = new Intl.NumberFormat(undefined);

export function num(n) { return Number.isFinite(+n) ? nf.format(+n) : '—'; }

/** 1234 → "1.2K", 1_200_000 → "1.2M". */
export function compact(n) {
  n = +n;
  if (!Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a >= 1e9) return trim(n / 1e9) + 'B';
  if (a >= 1e6) return trim(n / 1e6) + 'M';
  if (a >= 1e4) return trim(n / 1e3) + 'K';
  return nf.format(n);
}
function trim(x) { return (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1)).replace(/\.0$/, ''); }

/** Dollars: $12.34, small amounts keep significant digits ($0.000123). */
export function usd(v) {
  if (v === null || v === undefined || v === '') return '—';
  const n = +v;
  if (!Number.isFinite(n)) return '—';
  if (n === 0) return '$0.00';
  const a = Math.abs(n);
  if (a >= 0.01) return (n < 0 ? '-$' : '$') + a.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (n < 0 ? '-$' : '$') + a.toFixed(6).replace(/0+$/, '');
}

/** Price per 1M tokens: 2.5 → "$2.50", 0.15 → "$0.15", 0 → "free". */
export function price(v) {
  if (v === null || v === undefined) return null;
  const n = +v;
  if (!Number.isFinite(n)) return null;
  if (n === 0) return 'free';
  return '$' + (n >= 100 ? n.toFixed(0) : n >= 0.01 ? n.toFixed(2).replace(/\.00$/, '') : n.toPrecision(2));
}

export function priceSpan(inp, out) {
  const a = price(inp);
  const b = price(out);
  if (a === null && b === null) return null;
  if (a === 'free' && b === 'free') return 'free';
  return (a ?? '?') + '/' + (b ?? '?') + ' per 1M';
}

/** 128000 → "128K ctx". */
export function ctx(n) {
  n = +n;
  if (!n || !Number.isFinite(n)) return null;
  const pow2 = n % 1024 === 0 && ((n / 1024) & (n / 1024 - 1)) === 0;
  if (n >= 1e6) return trim(pow2 ? n / 1048576 : n / 1e6) + 'M ctx';
  return Math.round(pow2 ? n / 1024 : n / 1000) + 'K ctx';
}

export function ms(v) {
  const n = +v;
  if (v === null || v === undefined || !Number.isFinite(n)) return '—';
  if (n >= 10000) return (n / 1000).toFixed(1) + ' s';
  return Math.round(n) + ' ms';
}

export function pct(v, digits = 0) {
  const n = +v;
  if (v === null || v === undefined || !Number.isFinite(n)) return '—';
  return n.toFixed(digits) + '%';
}

/** Fraction 0..1 → "98.5%". */
export function ratio(v) {
  const n = +v;
  if (v === null || v === undefined || !Number.isFinite(n)) return '—';
  const p = n * 100;
  return (p === 100 || p === 0 ? p.toFixed(0) : p.toFixed(1)) + '%';
}

export function parseTime(s) {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? new Date(t) : null;
}

/** "just now", "5 min ago", "2 h ago", "3 d ago", or a date. */
export function ago(s) {
  const d = parseTime(s);
  if (!d) return 'never';
  const sec = Math.round((Date.now() - d.getTime()) / 1000);
  if (sec < 0) return 'in ' + until(d);
  if (sec < 45) return 'just now';
  if (sec < 3600) return Math.max(1, Math.round(sec / 60)) + ' min ago';
  if (sec < 86400) return Math.round(sec / 3600) + ' h ago';
  if (sec < 86400 * 30) return Math.round(sec / 86400) + ' d ago';
  return date(s);
}

function until(d) {
  const sec = Math.round((d.getTime() - Date.now()) / 1000);
  if (sec < 3600) return Math.max(1, Math.round(sec / 60)) + ' min';
  if (sec < 86400) return Math.round(sec / 3600) + ' h';
  return Math.round(sec / 86400) + ' d';
}

export function date(s) {
  const d = parseTime(s);
  return d ? d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }) : '—';
}

export function dateTime(s) {
  const d = parseTime(s);
  return d ? d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : '—';
}
