/**
 * Piece-grid benchmark page: the full App (store, list, details, grid) on a simulated engine
 * downloading a 100k-piece torrent at full speed. Frame times come from requestAnimationFrame
 * timestamps; the result is left in `window.__benchResult` for bench/run.mjs.
 *
 * Query: pieces, bps (block updates per second), window (pieces in flight), deltaHz,
 *        seconds, warmup (s), worker (1 = simulated engine in a Web Worker, events as JSON
 *        text like the WebSocket; 0 = in the page, JSON round-tripped).
 */
import { mountSimulated } from '../dev/mount.js';
import { GridPainter } from '../src/grid/painter.js';
import { workerTraffic } from '../dev/worker-transport.js';

const q = new URLSearchParams(location.search);
const num = (k: string, d: number): number => {
  const v = Number(q.get(k));
  return q.has(k) && Number.isFinite(v) ? v : d;
};
const pieces = num('pieces', 100_000);
const bps = num('bps', 20_000);
const deltaHz = num('deltaHz', 4);
const seconds = num('seconds', 10);
const warmup = num('warmup', 2);
const name = `bench-${pieces}-pieces`;
/** The mosaic's views to open: the grid coloured by source, and this details tab (peers: strips; health). */
const views = q.get('views') === '1';
const tab = q.get('tab') ?? 'peers';
let bytesAtStart = 0;
let kindsAtStart: Record<string, number> = {};
let viewsOpened = false;

/** Opens the mosaic's views once the grid is live (clicks, as a user would). */
function openViews(): void {
  if (!views || viewsOpened) return;
  const source = document.querySelector<HTMLButtonElement>('[data-testid="grid-mode-source"]');
  const tabButton = document.querySelector<HTMLButtonElement>(`[data-testid="tab-${tab}"]`);
  if (!source || !tabButton) return;
  source.click();
  tabButton.click();
  viewsOpened = true;
}

// Measure the painter's own cost per frame (wraps the method; production code is unchanged).
const paintMs: number[] = [];
const paintCells: number[] = [];
const fullPaintMs: number[] = [];
const origPaint = GridPainter.prototype.paint;
const painters = new Set<GridPainter>();
GridPainter.prototype.paint = function (this: GridPainter, now?: number) {
  painters.add(this);
  const t0 = performance.now();
  const r = origPaint.call(this, now);
  const ms = performance.now() - t0;
  if (r.full) fullPaintMs.push(ms);
  else {
    paintMs.push(ms);
    paintCells.push(r.cells);
  }
  return r;
};

const inWorker = q.get('worker') !== '0';
const { engine, controller } = mountSimulated({
  wire: q.get('wire') !== '0',
  deltaHz,
  torrents: [
    { name, pieceCount: pieces, pieceLength: 262_144, blocksPerPiece: 16, done: num('done', 0.1), blocksPerSecond: bps, window: num('window', 400), peers: 50, failRate: 0.003 },
    { name: 'another torrent (seeding)', pieceCount: 2000, done: 1, peers: 5 },
    { name: 'a third torrent', pieceCount: 5000, done: 0.5, blocksPerSecond: 500, peers: 10 },
  ],
}, name, inWorker);

// Count what reached the renderer (the engine may live in a worker).
const received: Record<string, number> = {};
controller.client.subscribe((e) => { received[e.type] = (received[e.type] ?? 0) + 1; });

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

declare global {
  interface Window {
    __benchResult?: unknown;
  }
}

const frames: number[] = [];
/**
 * Main-thread work per frame: from the frame's rAF timestamp to the first task after the
 * frame's rendering update (a MessageChannel message posted from rAF is delivered after
 * style, layout, paint and commit). Includes every rAF callback of the frame (the grid's
 * paint) and any task queued ahead of it (event handling), so it is an upper bound.
 */
const frameWork: number[] = [];
const channel = new MessageChannel();
let pendingFrameStart = 0;
let measuring = false;
channel.port1.onmessage = () => {
  if (measuring && pendingFrameStart > 0) frameWork.push(performance.now() - pendingFrameStart);
  pendingFrameStart = 0;
};
let start = 0;
let last = 0;
let longTasks = 0;
try {
  new PerformanceObserver((list) => { longTasks += list.getEntries().length; }).observe({ type: 'longtask', buffered: false });
} catch {
  // longtask entries not supported
}

/** The grid is live once it shows the big torrent; warm-up starts then. */
function gridReady(): boolean {
  const grid = document.querySelector('[data-testid="piece-grid"]');
  return grid !== null && Number(grid.getAttribute('data-pieces')) === pieces;
}

function loop(t: number): void {
  if (start === 0 && !gridReady()) {
    requestAnimationFrame(loop);
    return;
  }
  if (start === 0) start = t;
  openViews();
  const elapsed = (t - start) / 1000;
  if (elapsed >= warmup) {
    if (!measuring) {
      bytesAtStart = workerTraffic.received;
      kindsAtStart = { ...workerTraffic.byKind };
    }
    if (last !== 0) frames.push(t - last);
    last = t;
    measuring = true;
    pendingFrameStart = t;
    channel.port2.postMessage(0);
  } else if (elapsed < warmup) {
    paintMs.length = 0;
    paintCells.length = 0;
    longTasks = 0;
  }
  if (elapsed < warmup + seconds) {
    requestAnimationFrame(loop);
    return;
  }
  // Forced full repaints (resize / theme change / new snapshot), measured directly.
  const forcedFull: number[] = [];
  const painter = [...painters].pop();
  for (let k = 0; k < 5 && painter; k++) {
    painter.invalidateAll();
    const t1 = performance.now();
    origPaint.call(painter);
    forcedFull.push(Math.round((performance.now() - t1) * 10) / 10);
  }
  measuring = false;
  const bytesMeasured = workerTraffic.received - bytesAtStart;
  const f = [...frames].sort((a, b) => a - b);
  const w = [...frameWork].sort((a, b) => a - b);
  const p = [...paintMs].sort((a, b) => a - b);
  const grid = document.querySelector('[data-testid="piece-grid"]');
  const state = controller.store.getState();
  const t0 = Object.values(state.torrents).find((x) => x.name === name);
  window.__benchResult = {
    pieces,
    blockUpdatesPerSecond: bps,
    deltaHz,
    seconds,
    frames: frames.length,
    frameMs: { p50: pct(f, 50), p95: pct(f, 95), p99: pct(f, 99), max: f[f.length - 1] ?? 0, mean: f.reduce((a, b) => a + b, 0) / Math.max(1, f.length) },
    frameWorkMs: { p50: pct(w, 50), p95: pct(w, 95), p99: pct(w, 99), max: w[w.length - 1] ?? 0, over16_7: w.filter((x) => x > 16.7).length },
    /** Frames that missed at least one vsync (interval > 1.5 × 16.7 ms). */
    missedFrames: f.filter((x) => x > 25).length,
    paintMs: { p50: pct(p, 50), p95: pct(p, 95), max: p[p.length - 1] ?? 0, paints: p.length },
    fullPaintMs: fullPaintMs.map((x) => Math.round(x * 10) / 10),
    forcedFullPaintMs: forcedFull,
    cellsPerPaint: { p50: pct([...paintCells].sort((a, b) => a - b), 50), max: Math.max(0, ...paintCells) },
    longTasks,
    engineInWorker: inWorker,
    views: views ? { source: viewsOpened, tab } : null,
    /** Host → page traffic while measuring (JSON text from the engine's worker: events and replies). */
    bytesPerSecond: inWorker ? Math.round(bytesMeasured / seconds) : null,
    bytesPerSecondByKind: Object.fromEntries(Object.entries(workerTraffic.byKind).map(([k, v]) => [k, Math.round((v - (kindsAtStart[k] ?? 0)) / seconds)])),
    events: engine?.sent ?? received,
    verifiedPieces: t0?.verifiedPieces ?? null,
    gridRun: grid?.getAttribute('data-run') ?? null,
    canvas: grid instanceof HTMLCanvasElement ? `${grid.width}x${grid.height}` : null,
    devicePixelRatio: window.devicePixelRatio,
  };
  document.title = 'bench done';
}
requestAnimationFrame(loop);
