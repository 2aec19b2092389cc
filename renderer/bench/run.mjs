#!/usr/bin/env node
/* global process, console, URLSearchParams, window */
/**
 * Piece-grid benchmark: builds bench/index.html, opens it in Debian Chromium (headless,
 * software rendering) and prints frame-time percentiles from requestAnimationFrame while a
 * simulated 100k-piece torrent downloads at full speed.
 *
 *   node renderer/bench/run.mjs [--pieces 100000] [--bps 20000] [--deltaHz 4] [--seconds 10]
 *                               [--warmup 2] [--width 1440] [--height 900] [--dpr 1] [--worker 1|0] [--no-build] [--json]
 *                               [--views 1 --tab peers|health|files]   (the mosaic's views open: colour by source + that tab)
 *
 * --worker 1 (default) runs the simulated engine in a Web Worker: like the real engine in the
 * main process or the web host, its cost is not the renderer's. Events still arrive as JSON
 * text and pass the contract's validators.
 */
import { buildPages, launch, log, options, serve } from './pages.mjs';

const o = options({ pieces: 100_000, bps: 20_000, deltaHz: 4, seconds: 10, warmup: 2, width: 1440, height: 900, dpr: 1, window: 400, worker: 1, views: 0, tab: 'peers' });

if (!o['no-build']) {
  log('building bench page…');
  await buildPages();
}
const server = await serve();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: o.width, height: o.height }, deviceScaleFactor: o.dpr });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const q = new URLSearchParams({ pieces: String(o.pieces), bps: String(o.bps), deltaHz: String(o.deltaHz), seconds: String(o.seconds), warmup: String(o.warmup), window: String(o.window), worker: String(o.worker), views: String(o.views), tab: String(o.tab) });
  log(`running ${o.seconds}s: ${o.pieces} pieces, ${o.bps} block updates/s, ${o.deltaHz} deltas/s, ${o.width}x${o.height} @${o.dpr}x, engine ${o.worker ? 'in a worker' : 'in the page'}`);
  await page.goto(`${server.url}/bench/index.html?${q}`);
  await page.waitForFunction(() => window.__benchResult !== undefined, undefined, { timeout: (o.seconds + o.warmup + 60) * 1000, polling: 500 });
  const result = await page.evaluate(() => window.__benchResult);
  if (errors.length) log('page errors:', errors);
  if (o.json) console.log(JSON.stringify(result, null, 2));
  else {
    const r = result;
    const f = (x) => x.toFixed(2);
    console.log(`frames: ${r.frames} in ${r.seconds}s · frame interval (rAF) p50 ${f(r.frameMs.p50)} ms · p95 ${f(r.frameMs.p95)} ms · p99 ${f(r.frameMs.p99)} ms · max ${f(r.frameMs.max)} ms · frames that missed a vsync (> 25 ms): ${r.missedFrames}`);
    console.log(`main-thread work per frame: p50 ${f(r.frameWorkMs.p50)} ms · p95 ${f(r.frameWorkMs.p95)} ms · p99 ${f(r.frameWorkMs.p99)} ms · max ${f(r.frameWorkMs.max)} ms · over 16.7 ms: ${r.frameWorkMs.over16_7}`);
    console.log(`grid paint: p50 ${f(r.paintMs.p50)} ms · p95 ${f(r.paintMs.p95)} ms · max ${f(r.paintMs.max)} ms over ${r.paintMs.paints} paints · cells/paint p50 ${r.cellsPerPaint.p50} max ${r.cellsPerPaint.max}`);
    console.log(`full repaints (ms): during the run ${JSON.stringify(r.fullPaintMs)} · forced afterwards ${JSON.stringify(r.forcedFullPaintMs)}`);
    if (r.bytesPerSecond !== null) console.log(`host → page: ${(r.bytesPerSecond / 1024).toFixed(1)} KB/s${r.views ? ` with colour by source and the ${r.views.tab} tab open` : ''} · by kind (B/s) ${JSON.stringify(r.bytesPerSecondByKind)}`);
    console.log(`canvas ${r.canvas} · ${r.gridRun} pieces per cell · long tasks ${r.longTasks} · verified ${r.verifiedPieces}/${r.pieces} · events ${JSON.stringify(r.events)}`);
  }
  if (errors.length) process.exitCode = 1;
} finally {
  await browser.close();
  await server.close();
}
