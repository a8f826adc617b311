// jobsets.js: the #/jobsets page — each JobSet, its phase, restarts and replicated jobs.

import { getJson } from './api.js';
import { badge, firstRows, fmtTime, html } from './format.js';

export async function render(view, route, ctx) {
  const load = async () => show(view, await getJson('/v1/objects/jobset', { signal: ctx.signal }));
  await load();
  ctx.live((e) => e.kind === 'jobset', load);
}

// "workers: 2 active · 2 ready · 0 succeeded · 0 failed", one line per replicated job.
export function replicatedSummary(statuses) {
  return (statuses ?? []).map((r) => html`<div><b>${r.name}</b>: ${r.active} active · ${r.ready} ready ·
    ${r.succeeded} succeeded · <span class="${r.failed ? 'bad-text' : ''}">${r.failed} failed</span></div>`);
}

function show(view, data) {
  const { shown, note } = firstRows(data.items ?? [], 500, 'JobSets');
  const rows = shown.map((js) => {
    const name = js.metadata?.name ?? '';
    return html`<tr data-test="jobset-row" data-name="${name}">
      <td><a href="#/jobset/${encodeURIComponent(name)}">${name}</a></td><td>${badge(js.status?.phase)}</td>
      <td class="num">${js.status?.restarts ?? 0}</td><td>${replicatedSummary(js.status?.replicatedJobsStatus)}</td>
      <td>${fmtTime(js.metadata?.creationTimestamp)}</td></tr>`;
  });
  view.innerHTML = html`<h1>JobSets</h1>
    ${rows.length ? html`<table><thead><tr><th>name</th><th>phase</th><th>restarts</th><th>replicated jobs</th><th>created</th></tr></thead>
      <tbody>${rows}</tbody></table>${note}`
    : html`<p class="muted">No JobSets. Apply one with <code>converge apply -f jobset.yaml</code>.</p>`}`.toString();
}
