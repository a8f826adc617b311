// events.js: the #/events page — the instance's events as they come, newest on top (at most
// 500 rows), filtered by kind (#/events?type=job,node; all kinds when absent).

import { getJson } from './api.js';
import { fmtTime, html, query } from './format.js';
import { subscribe } from './live.js';

const KINDS = ['job', 'service', 'jobset', 'minicluster', 'node'];
const KEEP = 500;

export async function render(view, route, ctx) {
  const chosen = (route.query.get('type') ?? '').split(',').filter((k) => KINDS.includes(k));
  const kinds = chosen.length ? chosen : KINDS;
  view.innerHTML = html`
    <h1>Events <span class="muted small">live, newest first</span></h1>
    <form class="filters kinds">${KINDS.map((kind) => html`
      <label><input type="checkbox" name="${kind}" data-test="kind-${kind}" ${kinds.includes(kind) ? 'checked' : ''}> ${kind}</label>`)}
    </form>
    <table><thead><tr><th>time</th><th>kind</th><th>name</th><th>reason</th><th>message</th></tr></thead>
      <tbody data-test="event-rows"></tbody></table>`.toString();

  view.querySelector('form').addEventListener('change', (event) => {
    const form = event.currentTarget;
    const picked = KINDS.filter((kind) => form.elements[kind].checked);
    location.hash = `#/events${query({ type: picked.length === KINDS.length ? '' : picked.join(',') })}`;
  });

  const body = view.querySelector('tbody');
  let shownSeq = Infinity;  // events up to this seq are on screen; Infinity while loading
  const early = [];
  const add = (events) => {
    const fresh = events.filter((e) => e.seq > shownSeq && kinds.includes(e.kind));
    if (!fresh.length) return;
    shownSeq = fresh[fresh.length - 1].seq;
    body.insertAdjacentHTML('afterbegin', fresh.reverse().map(row).join(''));
    while (body.rows.length > KEEP) body.deleteRow(-1);
  };
  const stop = subscribe((event) => { if (shownSeq === Infinity) early.push(event); else add([event]); });
  ctx.signal.addEventListener('abort', stop);

  const typeParam = kinds.length === KINDS.length ? '' : kinds.join(',');
  const data = await getJson(`/v1/events${query({ type: typeParam, limit: KEEP })}`, { signal: ctx.signal });
  shownSeq = 0;
  add(data.events ?? []);
  shownSeq = Math.max(shownSeq, data.last_seq ?? 0);
  add(early);
}

// The page an event's object has, when it has one.
function objectLink(e) {
  const target = { job: `#/job/${e.name}`, jobset: `#/jobset/${encodeURIComponent(e.name)}`,
    service: '#/services', node: `#/cluster${query({ node: e.name })}` }[e.kind];
  return target ? html`<a href="${target}">${e.name}</a>` : html`${e.name}`;
}

function row(e) {
  const message = String(e.message ?? '');
  const short = message.length > 300 ? `${message.slice(0, 300)}…` : message;
  return html`<tr data-test="event-row" data-seq="${e.seq}" data-kind="${e.kind}">
    <td>${fmtTime(e.time)}</td><td>${e.kind}</td><td>${objectLink(e)}</td><td>${e.reason}</td>
    <td class="message" title="${message}">${short}</td></tr>`;
}
