// jobset.js: the #/jobset/NAME page — one JobSet's conditions, replicated jobs and child jobs.

import { getJson } from './api.js';
import { badge, firstRows, fmtTime, html, prettyJson } from './format.js';
import { replicatedSummary } from './jobsets.js';

export async function render(view, route, ctx) {
  const name = route.arg;
  const load = async () => show(view, await getJson(`/v1/objects/jobset/${encodeURIComponent(name)}`, { signal: ctx.signal }));
  await load();
  ctx.live((e) => e.kind === 'jobset' && e.name === name, load);
}

function show(view, js) {
  const status = js.status ?? {};
  const conditions = (status.conditions ?? []).map((c) => html`<tr data-test="condition-row">
      <td>${c.type}</td><td>${c.status}</td><td>${c.reason}</td><td>${c.message}</td>
      <td>${fmtTime(c.lastTransitionTime)}</td></tr>`);
  const { shown, note } = firstRows(status.childJobs ?? [], 500, 'child jobs');
  const children = shown.map((c) => html`<tr data-test="child-row" data-name="${c.name}">
      <td>${c.name}</td><td>${badge(c.phase)}</td>
      <td>${c.job ? html`<a data-test="job-link" href="#/job/${c.job}">${c.job}</a>` : '—'}</td></tr>`);
  const open = view.querySelector('details.spec')?.open ? 'open' : '';
  view.innerHTML = html`
    <p><a href="#/jobsets">← JobSets</a></p>
    <h1>JobSet ${js.metadata?.name} <span data-test="jobset-phase">${badge(status.phase)}</span></h1>
    <dl class="facts">
      <dt>created</dt><dd>${fmtTime(js.metadata?.creationTimestamp)}</dd>
      <dt>restarts</dt><dd>${status.restarts ?? 0}</dd>
      <dt>replicated jobs</dt><dd>${replicatedSummary(status.replicatedJobsStatus)}</dd>
    </dl>
    <h2>Conditions</h2>
    ${conditions.length ? html`<table><thead><tr><th>type</th><th>status</th><th>reason</th><th>message</th><th>since</th></tr></thead>
      <tbody>${conditions}</tbody></table>` : html`<p class="muted">No conditions yet.</p>`}
    <h2>Child jobs</h2>
    ${children.length ? html`<table><thead><tr><th>name</th><th>phase</th><th>job</th></tr></thead>
      <tbody>${children}</tbody></table>${note}` : html`<p class="muted">No child jobs yet.</p>`}
    <details class="spec" ${open}><summary>Spec</summary><pre class="json">${prettyJson(js.spec ?? null)}</pre></details>`.toString();
}
