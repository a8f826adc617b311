// app.js: wiring — adopt the token, start the shared event stream, fill the header, route.

import { adoptTokenFromUrl, getJson } from './api.js';
import { fmtDuration, html } from './format.js';
import { startLive, watchConnection } from './live.js';
import { startRouter } from './router.js';
import * as cluster from './cluster.js';
import * as queue from './queue.js';
import * as jobs from './jobs.js';
import * as job from './job.js';
import * as services from './services.js';
import * as jobsets from './jobsets.js';
import * as jobset from './jobset.js';
import * as events from './events.js';
import * as report from './report.js';

const PAGES = { cluster, queue, jobs, job, services, jobsets, jobset, events, report };
// The nav entry a page lights up (a job's page belongs to Jobs).
const NAV_OF = { job: 'jobs', jobset: 'jobsets' };

adoptTokenFromUrl();

function highlightNav(route) {
  const current = NAV_OF[route.name] ?? route.name;
  for (const link of document.querySelectorAll('#nav a')) {
    link.classList.toggle('current', link.dataset.nav === current);
  }
}

// version · owner · uptime, from /v1/health; uptime keeps counting between fetches.
async function showInstance() {
  const box = document.getElementById('instance');
  try {
    const health = await getJson('/v1/health');
    const fetched = Date.now();
    const paint = () => {
      const uptime = health.uptime + (Date.now() - fetched) / 1000;
      box.innerHTML = html`converge ${health.version} · owner <b>${health.owner}</b> · up ${fmtDuration(uptime)}${
        health.status !== 'ok' ? html` · <span class="badge bad">${health.status}: ${health.degraded ?? ''}</span>` : ''}`.toString();
    };
    paint();
    setInterval(paint, 5000);
  } catch (error) {
    box.textContent = '';
    const notice = document.getElementById('notice');
    notice.textContent = error.message;
    notice.hidden = false;
  }
}

watchConnection((connected) => {
  const live = document.getElementById('live');
  live.dataset.connected = String(connected);
  live.title = connected ? 'receiving live events' : 'event stream disconnected: reconnecting';
});

showInstance();
startLive();
startRouter(PAGES, document.getElementById('page'), highlightNav);
