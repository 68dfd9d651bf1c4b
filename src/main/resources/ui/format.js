// Numbers as a person reads them: dollars, milliseconds, tokens, times.

const LOCALE = undefined; // the browser's

/** Dollars: cents from $1 up, a few significant digits below, never "1e-7". */
export function usd(v) {
  if (v == null || Number.isNaN(v)) return '–';
  const a = Math.abs(v);
  const sign = v < 0 ? '−' : '';
  if (a === 0) return '$0';
  if (a >= 1000) return sign + '$' + a.toLocaleString(LOCALE, { maximumFractionDigits: 0 });
  if (a >= 1) return sign + '$' + a.toFixed(2);
  if (a < 0.000001) return sign + '<$0.000001';
  // three significant digits, at least cents, without an exponent or trailing zeros
  const digits = Math.min(8, Math.max(2, 2 - Math.floor(Math.log10(a))));
  let text = a.toFixed(digits);
  while (text.endsWith('0') && text.length - text.indexOf('.') > 3) text = text.slice(0, -1);
  return sign + '$' + text;
}

/** Milliseconds, or seconds from 10 s up. */
export function ms(v) {
  if (v == null || Number.isNaN(v)) return '–';
  if (v === 0) return '0 ms';
  if (v >= 10000) return (v / 1000).toFixed(1) + ' s';
  if (v >= 100) return Math.round(v) + ' ms';
  if (v >= 10) return v.toFixed(1) + ' ms';
  return v.toFixed(2) + ' ms';
}

/** A count: 950, 12.3k, 4.5M. */
export function count(v) {
  if (v == null || Number.isNaN(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(1) + 'B';
  if (a >= 1e6) return (v / 1e6).toFixed(1) + 'M';
  if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
  return Math.round(v).toLocaleString(LOCALE);
}

export function tokens(v) {
  return count(v) + ' tokens';
}

export function percent(fraction, digits = 1) {
  if (fraction == null || !Number.isFinite(fraction)) return '–';
  const p = fraction * 100;
  if (p > 0 && p < 0.1) return '<0.1%';
  return p.toFixed(p >= 10 || p === 0 ? 0 : digits) + '%';
}

/** How a measure's values read: money, requests or tokens. */
export function byUnit(unit) {
  return unit === 'usd' ? usd : unit === 'ms' ? ms : count;
}

export function unitOf(measure) {
  return measure.endsWith('_usd') ? 'usd' : measure.endsWith('_ms') ? 'ms' : 'count';
}

/** A moment, in the browser's zone: "Tue 12 Nov, 14:05". */
export function dateTime(t) {
  const d = t instanceof Date ? t : new Date(t);
  return d.toLocaleString(LOCALE, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

export function date(t) {
  const d = t instanceof Date ? t : new Date(t);
  return d.toLocaleDateString(LOCALE, { weekday: 'short', day: 'numeric', month: 'short' });
}

/** A bucket's start, as precise as its granularity. */
export function bucket(epochSeconds, granularity) {
  const d = new Date(epochSeconds * 1000);
  if (granularity === 'day') return date(d);
  return dateTime(d);
}

/** "in 3 days", "in 4 hours", "in 12 minutes". */
export function fromNow(t, now = Date.now()) {
  const s = ((t instanceof Date ? t.getTime() : new Date(t).getTime()) - now) / 1000;
  const a = Math.abs(s);
  const [n, u] = a >= 2 * 86400 ? [a / 86400, 'day'] : a >= 2 * 3600 ? [a / 3600, 'hour'] : [a / 60, 'minute'];
  const r = Math.max(1, Math.round(n));
  const phrase = r + ' ' + u + (r === 1 ? '' : 's');
  return s >= 0 ? 'in ' + phrase : phrase + ' ago';
}

/** The browser's UTC offset, "UTC+01:00". */
export function zoneLabel() {
  const off = -new Date().getTimezoneOffset();
  const sign = off >= 0 ? '+' : '−';
  const a = Math.abs(off);
  return 'UTC' + sign + String(Math.floor(a / 60)).padStart(2, '0') + ':' + String(a % 60).padStart(2, '0');
}
