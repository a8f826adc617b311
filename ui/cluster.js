// cluster.js: the #/cluster page — totals, the node heat map and, for #/cluster?node=NAME,
// that node's details and the jobs running on it.

import { getJson } from './api.js';
import { badge, errorBox, fmtDuration, fmtMemory, html, now, query } from './format.js';
import { MAP_COLORS, NodeMap } from './node_map.js';

let page = null;  // {map, nodes, selected, view} of the page on screen

export async function render(view, route, ctx) {
  view.innerHTML = html`
    <h1>Cluster</h1>
    <p class="totals" data-test="totals"></p>
    <div class="legend">
      <span>free</span>
      <span class="ramp" style="background: linear-gradient(to right, ${MAP_COLORS.free}, ${MAP_COLORS.allocated})"></span>
      <span>all cores allocated</span>
      <span class="swatch drained"></span><span>drained</span>
      <span class="swatch down"></span><span>down</span>
      <span class="muted">— click a node for its jobs</span>
    </div>
    <div class="node-map" data-test="node-map"></div>
    <section class="node-detail-slot"></section>`.toString();
  const map = new NodeMap(view.querySelector('.node-map'), {
    onPick: (name) => { location.hash = `#/cluster${query({ node: name })}`; },
  });
  page = { map, nodes: [], selected: route.query.get('node') ?? '', view };
  await loadResources(ctx);
  await showDetail(ctx);
  window.addEventListener('resize', () => map.draw(page.nodes, page.selected), { signal: ctx.signal });
  ctx.live((e) => e.kind === 'node' || e.kind === 'job', async () => {
    await loadResources(ctx);
    await showDetail(ctx);
  }, 2000);
}

export async function update(view, route, ctx) {
  page.selected = route.query.get('node') ?? '';
  page.map.draw(page.nodes, page.selected);
  await showDetail(ctx);
}

async function loadResources(ctx) {
  const data = await getJson('/v1/resources', { signal: ctx.signal });
  const t = data.totals ?? {};
  page.nodes = data.nodes ?? [];
  const byState = {};
  for (const node of page.nodes) byState[node.state] = (byState[node.state] ?? 0) + 1;
  const states = Object.entries(byState).map(([state, n]) => `${n} ${state}`).join(', ');
  page.view.querySelector('[data-test="totals"]').innerHTML = html`
    <b>${t.nodes}</b> nodes (${states}) ·
    <span class="free-cores"><span data-test="cores-free">${t.cores_free}</span>/<span data-test="cores-total">${t.cores}</span> cores free</span> ·
    <span data-test="gpus-free">${t.gpus_free}</span>/<span data-test="gpus-total">${t.gpus}</span> GPUs free ·
    ${fmtMemory(t.memory_free_mib)} of ${fmtMemory(t.memory_mib)} memory free`.toString();
  page.map.draw(page.nodes, page.selected);
}

async function showDetail(ctx) {
  const slot = page.view.querySelector('.node-detail-slot');
  const name = page.selected;
  if (!name) { slot.innerHTML = ''; return; }
  const node = page.nodes.find((n) => n.name === name);
  if (!node) {
    slot.innerHTML = errorBox(new Error(`No node named "${name}".`)).toString();
    return;
  }
  let jobs;
  try {
    jobs = await getJson(`/v1/jobs${query({ node: name, state: 'RUN', limit: 200 })}`, { signal: ctx.signal });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    jobs = { error };
  }
  if (page.selected !== name) return;  // another node was picked meanwhile
  const properties = Object.entries(node.properties ?? {})
    .map(([key, value]) => html`<span class="tag">${key}${value === true || value === '' ? '' : `=${value}`}</span>`);
  const rows = (jobs.jobs ?? []).map((job) => html`<tr>
      <td><a data-test="job-link" href="#/job/${job.id}">${job.id}</a></td><td>${job.user}</td>
      <td>${job.name}</td><td>${job.ntasks}</td><td>${job.nodelist}</td>
      <td>${fmtDuration(now() - job.start_time)}</td></tr>`);
  slot.innerHTML = html`
    <div class="panel" data-test="node-detail" data-node="${node.name}">
      <h2>${node.name} ${badge(node.state)} <a class="close" href="#/cluster" title="close">×</a></h2>
      <dl class="facts">
        <dt>cores</dt><dd>${node.cores - node.cores_free} used of ${node.cores}</dd>
        <dt>GPUs</dt><dd>${node.gpus - node.gpus_free} used of ${node.gpus}</dd>
        <dt>memory</dt><dd>${fmtMemory(node.memory_mib - node.memory_free_mib)} used of ${fmtMemory(node.memory_mib)}</dd>
        ${node.reason ? html`<dt>reason</dt><dd>${node.reason}</dd>` : ''}
        ${properties.length ? html`<dt>properties</dt><dd>${properties}</dd>` : ''}
      </dl>
      <h3>Jobs running here</h3>
      ${jobs.error ? errorBox(jobs.error) : rows.length === 0 ? html`<p class="muted">No job runs on ${node.name}.</p>` : html`
        <table><thead><tr><th>id</th><th>user</th><th>name</th><th>tasks</th><th>nodes</th><th>running for</th></tr></thead>
        <tbody>${rows}</tbody></table>`}
    </div>`.toString();
}
