// timeline.js: an SVG of the planned starts of reserved pending jobs — x from now to the
// latest reserved start (+10%), one row per job: a bar from now to its start, labelled #id.
//
// Contract: timelineSvg(pending, nowEpoch) returns html`` markup of one
// <svg data-test="timeline">; each bar is <g data-test="reservation" data-id="ID">.

import { fmtClock, fmtDuration, fmtTime, html } from './format.js';

const MAX_ROWS = 40;
const WIDTH = 900;
const LEFT = 70;
const RIGHT = 20;
const ROW = 18;
const TOP = 8;
const AXIS = 34;

export function timelineSvg(pending, nowEpoch) {
  const reserved = pending.filter((job) => job.reserved_start !== null && job.reserved_start !== undefined)
    .sort((a, b) => a.reserved_start - b.reserved_start);
  if (reserved.length === 0) {
    return html`<svg data-test="timeline" class="timeline" viewBox="0 0 ${WIDTH} 30" width="100%">
      <text x="${LEFT}" y="20" class="muted">No reservations: no pending job has a planned start.</text></svg>`;
  }
  const rows = reserved.slice(0, MAX_ROWS);
  const latest = rows[rows.length - 1].reserved_start;
  const span = Math.max(latest - nowEpoch, 60) * 1.1;
  const plot = WIDTH - LEFT - RIGHT;
  const x = (t) => LEFT + Math.max(0, Math.min(1, (t - nowEpoch) / span)) * plot;
  const height = TOP + rows.length * ROW + AXIS;
  const axisY = TOP + rows.length * ROW + 4;

  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const t = nowEpoch + f * span;
    const tx = LEFT + f * plot;
    const anchor = f === 1 ? 'end' : 'middle';
    return html`<line x1="${tx}" y1="${TOP}" x2="${tx}" y2="${axisY}" class="grid"/>
      <text x="${tx}" y="${axisY + 13}" text-anchor="${anchor}">${f === 0 ? 'now' : `+${fmtDuration(f * span)}`}</text>
      <text x="${tx}" y="${axisY + 26}" text-anchor="${anchor}" class="muted">${fmtClock(t)}</text>`;
  });
  const bars = rows.map((job, i) => {
    const y = TOP + i * ROW;
    const end = x(job.reserved_start);
    return html`<g data-test="reservation" data-id="${job.id}">
      <title>job ${job.id} (${job.user ?? ''} ${job.name ?? ''}) planned to start ${fmtTime(job.reserved_start)}</title>
      <text x="${LEFT - 6}" y="${y + 12}" text-anchor="end">#${job.id}</text>
      <rect x="${LEFT}" y="${y + 4}" width="${Math.max(1, end - LEFT)}" height="${ROW - 8}" class="wait-bar"/>
      <circle cx="${end}" cy="${y + ROW / 2}" r="5" class="start-mark"/></g>`;
  });
  const more = reserved.length > MAX_ROWS
    ? html`<text x="${WIDTH - RIGHT}" y="${height - 2}" text-anchor="end" class="muted">first ${MAX_ROWS} of ${reserved.length} reservations</text>` : '';
  return html`<svg data-test="timeline" class="timeline" viewBox="0 0 ${WIDTH} ${height}" width="100%">
    ${ticks}${bars}${more}</svg>`;
}
