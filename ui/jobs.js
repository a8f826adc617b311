// jobs.js: the #/jobs page — a filter form (kept in the hash: user, state, queue, name) and
// one page of 50 jobs at a time (ordered by id; `after` in the hash pages on).

import { getJson } from './api.js';
import { badge, fmtDuration, html, now, query } from './format.js';

const PAGE = 50;
const STATE_CHOICES = ['active', 'inactive', 'all', 'NEW', 'DEPEND', 'PRIORITY', 'SCHED', 'RUN',
  'CLEANUP', 'INACTIVE'];
const FILTERS = ['user', 'state', 'queue', 'name'];

export async function render(view, route, ctx) {
  const filter = Object.fromEntries(FILTERS.map((key) => [key, route.query.get(key) ?? '']));
  const after = route.query.get('after') ?? '';
  view.innerHTML = html`
    <h1>Jobs</h1>
    <form class="filters" data-test="job-filter">
      <label>user <input name="user" value="${filter.user}" placeholder="all"></label>
      <label>state <select name="state">${STATE_CHOICES.map((s) =>
        html`<option value="${s}" ${(filter.state || 'active') === s ? 'selected' : ''}>${s}</option>`)}</select></label>
      <label>queue <input name="queue" value="${filter.queue}" placeholder="any"></label>
      <label>name <input name="name" value="${filter.name}" placeholder="any"></label>
      <button type="submit">Show</button> <a href="#/jobs">reset</a>
    </form>
    <div class="results"></div>`.toString();

  const form = view.querySelector('form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = Object.fromEntries(FILTERS.map((key) => [key, form.elements[key].value.trim()]));
    if (values.state === 'active') values.state = '';
    const hash = `#/jobs${query(values)}`;
    if (location.hash === hash) load(); else location.hash = hash;
  });

  const results = view.querySelector('.results');
  const load = async () => {
    const data = await getJson(`/v1/jobs${query({ ...filter, limit: PAGE, after })}`, { signal: ctx.signal });
    results.innerHTML = table(data, filter, after).toString();
  };
  await load();
  ctx.live((e) => e.kind === 'job', load);
}

// "ran 3m10s", "waits 42s": how long a job has run, or waited so far.
function timing(job) {
  const t = now();
  if (job.state === 'RUN' || job.state === 'CLEANUP') return `ran ${fmtDuration(t - job.start_time)}`;
  if (job.state === 'INACTIVE') {
    return job.start_time ? `ran ${fmtDuration(job.end_time - job.start_time)}` : 'never ran';
  }
  return `waits ${fmtDuration(t - job.submit_time)}`;
}

function outcome(job) {
  if (job.state !== 'INACTIVE') return html`${job.reason}`;
  const code = job.signal ? ` signal ${job.signal}` : job.exit_code ? ` exit ${job.exit_code}` : '';
  return html`${badge(job.result)}${code} ${job.reason}`;
}

function table(data, filter, after) {
  const jobs = data.jobs ?? [];
  if (jobs.length === 0) {
    return html`<p class="muted" data-test="job-count">No ${after ? 'more ' : ''}jobs match.</p>
      ${after ? html`<a href="#/jobs${query(filter)}">first page</a>` : ''}`;
  }
  const rows = jobs.map((job) => html`<tr data-test="job-row" data-id="${job.id}" data-state="${job.state}">
      <td><a href="#/job/${job.id}">${job.id}</a></td><td>${job.user}</td><td>${job.name}</td>
      <td>${badge(job.state)}</td><td class="num">${job.ntasks}</td><td class="num">${job.nnodes}</td>
      <td>${job.nodelist}</td><td>${timing(job)}</td><td>${outcome(job)}</td></tr>`);
  const next = data.next_after !== null && data.next_after !== undefined
    ? html`<a class="button" data-test="next-page" href="#/jobs${query({ ...filter, after: data.next_after })}">next page →</a>` : '';
  const first = after ? html`<a class="button" href="#/jobs${query(filter)}">← first page</a>` : '';
  return html`
    <p class="muted" data-test="job-count">${jobs.length} jobs shown (ids ${jobs[0].id}–${jobs[jobs.length - 1].id}${after ? `, after ${after}` : ''}).</p>
    <table><thead><tr><th>id</th><th>user</th><th>name</th><th>state</th><th>tasks</th><th>nodes</th>
      <th>nodelist</th><th>time</th><th>reason / result</th></tr></thead><tbody>${rows}</tbody></table>
    <div class="pager">${first} ${next}</div>`;
}
