// queue.js: the #/queue page — jobs per state, the named queues, the pending jobs and a
// timeline of their planned starts.

import { getJson } from './api.js';
import { badge, firstRows, fmtTime, html, now } from './format.js';
import { timelineSvg } from './timeline.js';

const STATES = ['DEPEND', 'PRIORITY', 'SCHED', 'RUN', 'CLEANUP'];

export async function render(view, route, ctx) {
  const load = async () => show(view, await getJson('/v1/queue', { signal: ctx.signal }));
  await load();
  ctx.live((e) => e.kind === 'job', load);
}

function show(view, data) {
  const counts = data.counts ?? {};
  const queues = (data.queues ?? []).map((q) => html`<tr data-test="queue-row" data-name="${q.name}">
      <td>${q.name}</td><td>${q.policy}</td><td>${q.started ? badge('Active') : badge('stopped')}</td>
      <td>${q.pending}</td><td>${q.running}</td></tr>`);
  const pending = data.pending ?? [];
  const { shown, note } = firstRows(pending, 200, 'pending jobs');
  const rows = shown.map((job) => html`<tr data-test="pending-row" data-id="${job.id}">
      <td><a href="#/job/${job.id}">${job.id}</a></td><td>${job.user}</td><td>${job.name ?? ''}</td>
      <td>${badge(job.state)}</td><td>${job.reason}</td>
      <td>${job.reserved_start ? fmtTime(job.reserved_start) : html`<span class="muted">not planned</span>`}</td></tr>`);
  view.innerHTML = html`
    <h1>Queue <span class="muted small">policy ${data.policy}</span></h1>
    <div class="counts">${STATES.map((state) => html`
      <a class="count" href="#/jobs?state=${state}"><span class="n" data-test="count-${state}">${counts[state] ?? 0}</span>
      ${badge(state)}</a>`)}</div>
    <h2>Named queues</h2>
    ${queues.length ? html`<table><thead><tr><th>name</th><th>policy</th><th>state</th><th>pending</th><th>running</th></tr></thead>
      <tbody>${queues}</tbody></table>` : html`<p class="muted">No named queues: every job goes to the default queue.</p>`}
    <h2>Planned starts</h2>
    ${timelineSvg(pending, now())}
    <h2>Pending jobs <span class="muted small">${pending.length}</span></h2>
    ${rows.length ? html`<table><thead><tr><th>id</th><th>user</th><th>name</th><th>state</th><th>why it waits</th><th>planned start</th></tr></thead>
      <tbody>${rows}</tbody></table>${note}` : html`<p class="muted">Nothing is waiting.</p>`}`.toString();
}
