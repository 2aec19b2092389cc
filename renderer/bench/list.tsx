/**
 * Torrent-list benchmark page: the full App on a simulated engine (in a Web Worker) with many
 * torrents. bench/list.mjs drives real input (Playwright mouse/keyboard) and reads
 * `window.__listBench`: input-to-paint samples, long tasks by phase, DOM size.
 *
 * Input to paint: from the input event's timestamp (capture listener on window, so before
 * React's handler) to the first task after the next frame's rendering update (a MessageChannel
 * message posted from requestAnimationFrame is delivered after style, layout and paint).
 *
 * Query: n (torrents), active (how many download), summaryHz.
 */
import { parseServerEvent, type ServerEvent } from '../../shared/contract/index.js';
import type { SimTorrentSpec } from '../dev/sim.js';
import { mountSimulated } from '../dev/mount.js';
import { dispatch } from '../src/state/store.js';

const q = new URLSearchParams(location.search);
const num = (k: string, d: number): number => {
  const v = Number(q.get(k));
  return q.has(k) && Number.isFinite(v) ? v : d;
};
const n = num('n', 10_000);
const active = num('active', 50);
const STATES = ['seeding', 'paused', 'seeding', 'downloading'] as const;

const torrents: SimTorrentSpec[] = [];
for (let i = 0; i < n; i++) {
  const downloading = i < active;
  torrents.push({
    name: `torrent ${String(i).padStart(5, '0')} ${['ubuntu', 'debian', 'fedora', 'arch', 'mint'][i % 5]}.iso`,
    pieceCount: 32 + (i % 97),
    done: downloading ? 0.2 : (i % 7) / 7,
    state: downloading ? 'downloading' : STATES[i % 3],
    blocksPerSecond: downloading ? 40 : 0,
    peers: i % 13,
  });
}

interface Sample { kind: string; ms: number }
interface LongTask { start: number; ms: number }
declare global {
  interface Window {
    __listBench?: {
      n: number;
      loadStart: number;
      /** performance.now() when the list first showed rows with all n torrents in the store. */
      loadedAt: number;
      samples: Sample[];
      longTasks: LongTask[];
      /** Event Timing entries (input → next paint, as Chromium measures it; 8 ms granularity). */
      eventTiming: Sample[];
      rows(): number;
      torrentsInStore(): number;
      domElements(): number;
      /** Cost of one `summaries` event carrying every torrent, by stage (ms). */
      summariesCost(): Promise<{ bytes: number; parse: number; validate: number; reduceAndSelectors: number; toNextPaint: number }>;
    };
  }
}

const { controller } = mountSimulated({ wire: false, torrents, summaryHz: num('summaryHz', 4) }, undefined, true);

const bench: NonNullable<Window['__listBench']> = {
  n,
  loadStart: 0,
  loadedAt: 0,
  samples: [],
  longTasks: [],
  eventTiming: [],
  rows: () => document.querySelectorAll('[data-testid="torrent-row"]').length,
  torrentsInStore: () => controller.store.getState().order.length,
  domElements: () => document.getElementsByTagName('*').length,
  // The stages a summaries event goes through in the renderer, timed one by one on the
  // current list (JSON text → JSON.parse → the contract's validator → reducer + store
  // subscribers → React render and paint).
  summariesCost: async () => {
    const s = controller.store.getState();
    const event: ServerEvent = { type: 'summaries', session: s.session, torrents: s.order.flatMap((h) => (s.torrents[h] ? [{ ...s.torrents[h], uploaded: s.torrents[h].uploaded + 1 }] : [])) };
    const text = JSON.stringify(event);
    const t0 = performance.now();
    const raw: unknown = JSON.parse(text);
    const t1 = performance.now();
    const parsed = parseServerEvent(raw);
    const t2 = performance.now();
    if (parsed.type === 'summaries') dispatch(controller.store, parsed);
    const t3 = performance.now();
    await new Promise<void>((resolve) => requestAnimationFrame(() => {
      const c = new MessageChannel();
      c.port1.onmessage = () => resolve();
      c.port2.postMessage(0);
    }));
    const t4 = performance.now();
    return { bytes: text.length, parse: t1 - t0, validate: t2 - t1, reduceAndSelectors: t3 - t2, toNextPaint: t4 - t3 };
  },
};
window.__listBench = bench;

try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bench.longTasks.push({ start: e.startTime, ms: e.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // longtask entries not supported
}
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.name === 'mousedown' || e.name === 'keydown') bench.eventTiming.push({ kind: e.name, ms: e.duration });
    }
  }).observe({ type: 'event', buffered: true, durationThreshold: 16 } as PerformanceObserverInit);
} catch {
  // Event Timing not supported
}

const channel = new MessageChannel();
const waiting: Array<{ kind: string; t0: number }> = [];
channel.port1.onmessage = () => {
  const now = performance.now();
  for (const w of waiting.splice(0)) bench.samples.push({ kind: w.kind, ms: now - w.t0 });
};
const track = (kind: string) => (e: Event) => {
  if (e instanceof KeyboardEvent && e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'PageDown' && e.key !== 'End' && e.key !== 'Home') return;
  const label = e instanceof KeyboardEvent ? e.key : kind;
  waiting.push({ kind: label, t0: e.timeStamp });
  requestAnimationFrame(() => channel.port2.postMessage(0));
};
window.addEventListener('mousedown', track('click'), { capture: true });
window.addEventListener('keydown', track('key'), { capture: true });

const watchLoad = () => {
  if (bench.torrentsInStore() >= n && bench.rows() > 0) bench.loadedAt = performance.now();
  else requestAnimationFrame(watchLoad);
};
requestAnimationFrame(watchLoad);
