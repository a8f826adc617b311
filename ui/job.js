// job.js: the #/job/ID page — what one job is, was, and printed: its summary, eventlog,
// jobspec and allocation (R), and the tail of its output, followed while it runs.

import { getJson } from './api.js';
import { badge, fmtDuration, fmtTime, html, now, prettyJson } from './format.js';
import { OutputTail } from './output_tail.js';

const STARTED = ['RUN', 'CLEANUP', 'INACTIVE'];

export async function render(view, route, ctx) {
  const id = route.arg;
  view.innerHTML = html`
    <h1>Job ${id} <span class="job-name"></span></h1>
    <section class="summary"></section>
    <h2>Output</h2>
    <div class="output-bar">
      <button type="button" data-stream="stdout" data-test="stream-stdout" aria-pressed="true">stdout</button>
      <button type="button" data-stream="stderr" data-test="stream-stderr" aria-pressed="false">stderr</button>
      <span class="muted output-status"></span>
    </div>
    <pre class="output" data-test="output"></pre>
    <h2>Eventlog</h2>
    <section class="eventlog-slot"></section>
    <section class="specs"></section>`.toString();
  const tail = new OutputTail(view.querySelector('pre.output'), view.querySelector('.output-status'));
  ctx.signal.addEventListener('abort', () => tail.stop());
  let stream = 'stdout';
  let job = null;

  const startOutput = () => {
    if (!STARTED.includes(job.state)) {
      tail.stop();
      view.querySelector('pre.output').textContent = '(the job has not started: its output will follow here once it runs)';
      return Promise.resolve();
    }
    return tail.start(id, stream, job.state !== 'INACTIVE');
  };
  for (const button of view.querySelectorAll('[data-stream]')) {
    button.addEventListener('click', () => {
      stream = button.dataset.stream;
      for (const b of view.querySelectorAll('[data-stream]')) b.setAttribute('aria-pressed', String(b === button));
      startOutput();
    });
  }

  const load = async () => {
    const [data, log] = await Promise.all([
      getJson(`/v1/jobs/${encodeURIComponent(id)}`, { signal: ctx.signal }),
      getJson(`/v1/jobs/${encodeURIComponent(id)}/events`, { signal: ctx.signal }),
    ]);
    const before = job?.state;
    job = data;
    view.querySelector('.job-name').textContent = job.name ?? '';
    view.querySelector('.summary').innerHTML = summary(job).toString();
    view.querySelector('.eventlog-slot').innerHTML = eventlog(log.events ?? []).toString();
    const open = [...view.querySelectorAll('.specs details')].map((d) => d.open);
    view.querySelector('.specs').innerHTML = specs(job, open).toString();
    // Start reading once the job starts; a followed read ends by itself when the job ends.
    if (before === undefined || (!STARTED.includes(before) && STARTED.includes(job.state))) {
      return { output: startOutput() };
    }
    return { output: null };
  };
  const { output } = await load();
  if (output) await Promise.race([output, new Promise((resolve) => setTimeout(resolve, 1500))]);
  ctx.live((e) => e.kind === 'job' && String(e.name) === String(id), load);
}

function summary(job) {
  const t = now();
  const waited = job.start_time ? job.start_time - job.submit_time : t - job.submit_time;
  const ran = job.start_time ? (job.end_time || t) - job.start_time : null;
  const deps = (job.dependencies ?? []).map((d) => (typeof d === 'object' ? `${d.scheme}:${d.value}` : String(d)));
  const fact = (name, value) => html`<dt>${name}</dt><dd>${value}</dd>`;
  return html`<dl class="facts">
    ${fact('state', badge(job.state, 'job-state'))}
    ${job.state === 'INACTIVE' ? fact('result', html`<span data-test="job-result">${badge(job.result)}</span>`) : ''}
    ${job.state === 'INACTIVE' ? fact('exit code', html`<span data-test="job-exit-code">${job.exit_code}</span>${job.signal ? ` (signal ${job.signal})` : ''}`) : ''}
    ${job.reason ? fact('reason', job.reason) : ''}
    ${fact('user', `${job.user} (uid ${job.uid})`)}
    ${fact('queue', job.queue || 'default')}
    ${fact('priority', job.priority)}
    ${fact('tasks / nodes', `${job.ntasks} tasks on ${job.nnodes} node${job.nnodes === 1 ? '' : 's'}`)}
    ${fact('nodelist', job.nodelist || '—')}
    ${fact('submitted', fmtTime(job.submit_time))}
    ${fact('started', job.start_time ? `${fmtTime(job.start_time)} (after waiting ${fmtDuration(waited)})` : `not yet (waiting ${fmtDuration(waited)})`)}
    ${fact('ended', job.end_time ? fmtTime(job.end_time) : '—')}
    ${ran !== null ? fact('runtime', fmtDuration(ran)) : ''}
    ${fact('time limit', job.duration ? fmtDuration(job.duration) : 'none')}
    ${deps.length ? fact('dependencies', deps.join(', ')) : ''}
    ${fact('stdout', job.output || '—')}
    ${fact('stderr', job.error_output || '—')}
  </dl>`;
}

function eventlog(events) {
  const rows = events.map((e) => html`<tr><td class="num">${e.seq}</td><td>${fmtTime(e.timestamp)}</td>
      <td>${e.name}</td><td><code>${e.context && Object.keys(e.context).length ? JSON.stringify(e.context) : ''}</code></td></tr>`);
  return html`<table data-test="eventlog"><thead><tr><th>seq</th><th>time</th><th>event</th><th>context</th></tr></thead>
    <tbody>${rows}</tbody></table>`;
}

function specs(job, open) {
  return html`
    <details data-test="jobspec" ${open[0] ? 'open' : ''}><summary>Jobspec</summary><pre class="json">${prettyJson(job.jobspec ?? null)}</pre></details>
    <details data-test="R" ${open[1] ?? true ? 'open' : ''}><summary>Allocation (R)</summary>
      ${job.R ? html`<pre class="json">${prettyJson(job.R)}</pre>` : html`<p class="muted">No allocation (the job has not run).</p>`}</details>`;
}
