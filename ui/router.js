// router.js: hash routes (#/name/arg?query) → page modules.
//
// A page module exports `render(view, route, ctx)` (async; resolves once its data is shown)
// and may export `update(view, route, ctx)` for a change of query alone (same name and arg).
// ctx.signal aborts when the page is left; ctx.live(match, refresh) calls refresh() at most once
// a second (or `interval` ms) while events that `match` arrive, and stops when the page is left.
// body[data-page] names the page; body[data-ready] names it once it is rendered ("" before).

import { errorBox } from './format.js';
import { subscribe } from './live.js';

export function parseRoute(hash) {
  const text = hash.replace(/^#\/?/, '');
  const [path, search = ''] = text.split('?');
  const [name, ...rest] = path.split('/');
  return {
    name: name || 'cluster',
    arg: rest.length ? decodeURIComponent(rest.join('/')) : '',
    query: new URLSearchParams(search),
  };
}

function makeContext() {
  const controller = new AbortController();
  const stops = [];
  return {
    signal: controller.signal,
    live(match, refresh, interval = 1000) {
      let last = 0;
      let timer = null;
      let running = false;
      let again = false;
      const run = async () => {
        timer = null;
        if (controller.signal.aborted) return;
        if (running) { again = true; return; }
        running = true;
        last = Date.now();
        try { await refresh(); } catch (error) { console.warn('refresh failed', error); }
        running = false;
        if (again) { again = false; schedule(); }
      };
      const schedule = () => {
        if (timer) return;
        timer = setTimeout(run, Math.max(0, last + interval - Date.now()));
      };
      stops.push(subscribe((event) => { if (match(event)) schedule(); }));
      stops.push(() => clearTimeout(timer));
    },
    close() {
      controller.abort();
      for (const stop of stops) stop();
    },
  };
}

export function startRouter(pages, view, onRoute) {
  let current = null;  // {route, ctx, page}
  let generation = 0;

  async function show() {
    const route = parseRoute(location.hash);
    const page = pages[route.name];
    const mine = ++generation;
    document.body.dataset.ready = '';
    onRoute(route);
    const ready = () => { if (mine === generation) document.body.dataset.ready = route.name; };

    if (current && page === current.page && route.arg === current.route.arg && page.update) {
      current.route = route;
      try { await page.update(view, route, current.ctx); } catch (error) { showError(error); }
      return ready();
    }
    current?.ctx.close();
    const ctx = makeContext();
    current = { route, ctx, page };
    document.body.dataset.page = route.name;
    if (!page) {
      view.innerHTML = errorBox(new Error(`No page named "${route.name}".`)).toString();
      return ready();
    }
    view.innerHTML = '<p class="muted">Loading…</p>';
    try {
      await page.render(view, route, ctx);
    } catch (error) {
      if (ctx.signal.aborted) return;
      showError(error);
    }
    if (!ctx.signal.aborted) ready();
  }

  function showError(error) {
    if (error?.name === 'AbortError') return;
    view.innerHTML = errorBox(error).toString();
  }

  window.addEventListener('hashchange', show);
  show();
}
