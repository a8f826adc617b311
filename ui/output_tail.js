// output_tail.js: the tail of a job's stdout or stderr in a <pre>, following it while the job
// runs (GET /v1/jobs/ID/output?follow=true, read chunk by chunk).
//
// Contract: start() replaces any previous read; only the last 64 KiB stay in the DOM; the
// <pre> keeps scrolling to the bottom unless the reader scrolled up. start() resolves once the
// first bytes arrived or the read ended (so a page can say "ready" with the text shown), and
// when following, once the stream is open.

import { readText, request } from './api.js';

const KEEP = 64 * 1024;

export class OutputTail {
  constructor(pre, status) {
    this.pre = pre;
    this.status = status;
    this.controller = null;
  }

  stop() { this.controller?.abort(); this.controller = null; }

  start(jobId, stream, follow) {
    this.stop();
    const controller = (this.controller = new AbortController());
    let text = '';
    let cut = false;
    let painting = false;
    this.pre.textContent = '';
    this.status.textContent = follow ? 'following…' : 'reading…';
    const paint = () => {
      painting = false;
      if (controller.signal.aborted) return;
      const pre = this.pre;
      const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 24;
      pre.textContent = (cut ? '… (earlier output left out: the last 64 KiB are shown)\n' : '') + text;
      if (atBottom) pre.scrollTop = pre.scrollHeight;
    };
    let firstData;
    const first = new Promise((resolve) => { firstData = resolve; });
    const url = `/v1/jobs/${jobId}/output?stream=${stream}${follow ? '&follow=true' : ''}`;
    (async () => {
      try {
        const response = await request(url, { signal: controller.signal });
        if (follow) firstData();  // connected: what the job prints from now on will follow
        await readText(response, (chunk) => {
          text += chunk;
          if (text.length > KEEP) { text = text.slice(-KEEP); cut = true; }
          if (!painting) { painting = true; requestAnimationFrame(paint); }
          firstData();
        });
        paint();
        if (!controller.signal.aborted) {
          this.status.textContent = text ? 'end of output' : `(no ${stream} output)`;
        }
      } catch (error) {
        if (error.name !== 'AbortError') this.status.textContent = `cannot read ${stream}: ${error.message}`;
      }
      firstData();
    })();
    return first;
  }
}
