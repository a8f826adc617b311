// live.js: the app's one live event stream (GET /v1/events?watch=true), shared by every page.
//
// Contract: startLive() once; subscribe(fn) calls fn(event) for each event that arrives from
// then on, and returns the function that stops it. After a drop the stream reconnects with
// `after=` the last seq seen, so no event is delivered twice or lost (while kept by the server).

import { getJson, readNdjson, request } from './api.js';

const subscribers = new Set();
const connectionWatchers = new Set();
let lastSeq = null;
let connected = false;

export function subscribe(fn) {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

// fn(connected) now and on every change.
export function watchConnection(fn) {
  connectionWatchers.add(fn);
  fn(connected);
}

function setConnected(value) {
  if (value === connected) return;
  connected = value;
  for (const fn of connectionWatchers) fn(value);
}

function deliver(event) {
  if (lastSeq !== null && event.seq <= lastSeq) return;
  lastSeq = event.seq;
  for (const fn of subscribers) {
    try { fn(event); } catch (error) { console.error('live subscriber failed', error); }
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startLive() {
  let delay = 1000;
  for (;;) {
    try {
      // Start from now: the pages load what already happened themselves.
      if (lastSeq === null) lastSeq = (await getJson('/v1/events?limit=1')).last_seq ?? 0;
      const response = await request(`/v1/events?watch=true&after=${lastSeq}`);
      setConnected(true);
      delay = 1000;
      await readNdjson(response, deliver);
    } catch (error) {
      console.warn('event stream:', error.message);
    }
    setConnected(false);
    await sleep(delay);
    delay = Math.min(delay * 2, 15000);
  }
}
