// services.js: the #/services page — each Service, its state, where it listens and its job.

import { getJson } from './api.js';
import { badge, firstRows, html } from './format.js';

export async function render(view, route, ctx) {
  const load = async () => show(view, await getJson('/v1/services', { signal: ctx.signal }));
  await load();
  ctx.live((e) => e.kind === 'service', load);
}

// Only http(s) URLs become links: a URL is user data, and "javascript:" must never be clickable.
function link(url) {
  if (!url) return html`<span class="muted">—</span>`;
  return /^https?:\/\//i.test(url) ? html`<a href="${url}" target="_blank" rel="noopener">${url}</a>` : html`${url}`;
}

function show(view, data) {
  const { shown, note } = firstRows(data.services ?? [], 500, 'services');
  const rows = shown.map((s) => html`<tr data-test="service-row" data-name="${s.name}" data-state="${s.state}">
      <td>${s.name}</td><td>${badge(s.state)}</td><td>${link(s.url)}</td><td class="num">${s.port || '—'}</td>
      <td class="num">${s.restarts}</td><td>${s.job ? html`<a data-test="job-link" href="#/job/${s.job}">${s.job}</a>` : '—'}</td></tr>`);
  view.innerHTML = html`<h1>Services</h1>
    ${rows.length ? html`<table><thead><tr><th>name</th><th>state</th><th>url</th><th>port</th><th>restarts</th><th>job</th></tr></thead>
      <tbody>${rows}</tbody></table>${note}`
    : html`<p class="muted">No services. Apply one with <code>converge apply -f service.yaml</code>.</p>`}`.toString();
}
