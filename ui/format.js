// format.js: how values become text, and text becomes safe HTML.
//
// Contract: every string that reaches innerHTML goes through html`` (each interpolated value
// is escaped unless it is itself the result of html`` or raw()) or through esc(). raw() is for
// markup this UI builds itself (and the report's SVG); never pass it data from the API.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

class SafeHtml {
  constructor(text) { this.text = text; }
  toString() { return this.text; }
}

export function raw(text) { return new SafeHtml(String(text)); }

function piece(value) {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(piece).join('');
  if (value === null || value === undefined || value === false) return '';
  return esc(value);
}

// Tagged template: html`<td>${name}</td>` escapes `name`; arrays are joined.
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => { out += piece(value) + strings[i + 1]; });
  return new SafeHtml(out);
}

const pad = (n) => String(n).padStart(2, '0');

// Epoch seconds (or an RFC 3339 string) → "YYYY-MM-DD HH:MM:SS" in local time; "—" when
// absent or 0.
export function fmtTime(epoch) {
  if (typeof epoch === 'string') epoch = Date.parse(epoch) / 1000;  // an RFC 3339 timestamp
  if (!epoch) return '—';
  const d = new Date(epoch * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// Epoch seconds → "HH:MM:SS" in local time (axis labels).
export function fmtClock(epoch) {
  const d = new Date(epoch * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// Seconds → "42s", "3m10s", "1h02m", "2d03h"; "—" when unknown.
export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  const s = Math.max(0, Math.round(Number(seconds)));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor(s % 3600 / 60))}m`;
  return `${Math.floor(s / 86400)}d${pad(Math.floor(s % 86400 / 3600))}h`;
}

// MiB → "512 MiB" / "31.5 GiB" / "2.0 TiB".
export function fmtMemory(mib) {
  const n = Number(mib) || 0;
  if (n < 1024) return `${n} MiB`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} GiB`;
  return `${(n / 1024 / 1024).toFixed(1)} TiB`;
}

export const now = () => Date.now() / 1000;

// The color family of a job state, job result, service state or JobSet phase.
const TONES = {
  RUN: 'ok', Ready: 'ok', Running: 'ok', Succeeded: 'ok', Active: 'ok', Completed: 'ok',
  COMPLETED: 'ok',
  NEW: 'wait', DEPEND: 'wait', PRIORITY: 'wait', SCHED: 'wait', CLEANUP: 'wait',
  Pending: 'wait', Starting: 'wait', NotReady: 'wait',
  INACTIVE: 'off', CANCELED: 'off', CANCELLED: 'off',
  FAILED: 'bad', TIMEOUT: 'bad', Failed: 'bad', Backoff: 'bad',
  free: 'ok', mixed: 'wait', allocated: 'info', drained: 'off', down: 'bad',
};

export function badge(state, test) {
  if (!state) return html`<span class="muted">—</span>`;
  const tone = TONES[state] ?? 'off';
  return test
    ? html`<span class="badge ${tone}" data-test="${test}">${state}</span>`
    : html`<span class="badge ${tone}">${state}</span>`;
}

// {a: 1, b: '', c: null} → "?a=1" (empty values left out).
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== '' && value !== null && value !== undefined) search.set(key, value);
  }
  const text = search.toString().replace(/%2C/gi, ',');  // commas read better, and are legal
  return text ? `?${text}` : '';
}

export function prettyJson(value) { return JSON.stringify(value, null, 2); }

// The first `max` items and a note saying how many were left out (rows stay cheap to render).
export function firstRows(items, max, noun = 'rows') {
  const shown = items.slice(0, max);
  const note = items.length > max
    ? html`<p class="muted">Showing the first ${max} of ${items.length} ${noun}.</p>` : '';
  return { shown, note };
}

// An error box with the API's message (and field, when it names one).
export function errorBox(error) {
  const field = error?.field ? html` <span class="muted">(field ${error.field})</span>` : '';
  return html`<div class="error" data-test="error">${error?.message ?? String(error)}${field}</div>`;
}
