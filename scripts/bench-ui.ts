/**
 * The UI's contract budget against real traffic (issue 14, "Keep the contract lean"):
 * `npm run bench:ui`.
 *
 *   npm run bench:ui -- [--size-mib 256] [--piece-kib 16] [--full-size-mib 1024] [--full-piece-kib 64]
 *                       [--seconds 20] [--warmup 3]
 *                       [--limit-kib 6144] [--modes throttled,full]
 *                       [--views state+info,source+peers,source+inflight,source+files,source+health,source+speed]
 *                       [--width 1440] [--height 900] [--no-build] [--json FILE] [--profile] [--trace]
 *
 * The built web host downloads a 16,384-piece torrent (throttled: 256 MiB in 16 KiB pieces; at
 * full speed: 1 GiB in 64 KiB pieces, so the download lasts long enough to measure) from a
 * libtorrent seeder on 127.0.0.1 (tick_interval 20 ms) while Debian's Chromium shows
 * it with its details open. Each view is its own download (the torrent is removed with its
 * data and added again, and a fresh seeder dials in), in each mode:
 *   throttled: Tessera's own per-torrent download limit (--limit-kib), so the download lasts
 *              longer than --warmup + --seconds and the window is steady;
 *   full:      no limit; the window is from --warmup after the first verified piece until
 *              the download completes (or --seconds, whichever comes first).
 * A view is the grid's mode (`state` or colour by `source`) and a details tab.
 *
 * Measured in the window: bytes the host sends the page over its WebSocket (every frame the
 * page receives, counted by Chromium's DevTools protocol; by kind: each event type and the
 * reply of each command) and requestAnimationFrame intervals in the page (p50/p95/p99/max).
 * Printed against the targets (≤ 50 KB/s, frame p95 ≤ 16.7 ms). Headless Chromium's frame clock
 * jitters by ~0.1 ms, so an idle page's p95 reads 16.7–16.8; intervals over 25 ms (a missed
 * vsync) are counted too. Never an assertion: a busy machine makes frames slower, and this is a
 * measurement, not a test.
 *
 * At full speed 256 MiB lasts two to four seconds on loopback (try `--full-size-mib 256
 * --full-piece-kib 16`): too short a window for a steady figure.
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { createWebSocketClient, bytesToBase64, type TesseraClient, type WebSocketConstructor } from '../shared/contract/index.js';
import { Cleanup, createTorrent, REPO_ROOT, startLtSeeder, writeRandomFile, type LtSeeder } from '../e2e/support/index.js';
import { startWebHost, type WebHost } from '../e2e/ui/web-host.js';
import { summariseTrace, TRACE_CATEGORIES } from './bench-ui-trace.js';

const TARGET_KBPS = 50;
const TARGET_FRAME_P95_MS = 16.7;

interface Options {
  sizeMiB: number;
  pieceKiB: number;
  fullSizeMiB: number;
  fullPieceKiB: number;
  seconds: number;
  warmup: number;
  limitKiB: number;
  modes: Array<'throttled' | 'full'>;
  views: View[];
  width: number;
  height: number;
  build: boolean;
  json: string | null;
  /** Print the page's top functions by self time in each window (DevTools CPU profile). */
  profile: boolean;
  /** Print what the page's main thread did in its long tasks (a Chromium performance trace). */
  trace: boolean;
}

interface View {
  label: string;
  grid: 'state' | 'source';
  tab: string;
}

function parseView(s: string): View {
  const [grid, tab] = s.split('+');
  if ((grid !== 'state' && grid !== 'source') || !tab) throw new Error(`--views: "${s}" is not grid+tab (e.g. source+peers)`);
  return { label: s, grid, tab };
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    sizeMiB: 256,
    pieceKiB: 16,
    fullSizeMiB: 1024,
    fullPieceKiB: 64,
    seconds: 20,
    warmup: 3,
    limitKiB: 6144,
    modes: ['throttled', 'full'],
    views: ['state+info', 'source+peers', 'source+inflight', 'source+files', 'source+health', 'source+speed'].map(parseView),
    width: 1440,
    height: 900,
    build: true,
    json: null,
    profile: false,
    trace: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = (): number => {
      const n = Number(next());
      if (!Number.isFinite(n) || n < 0) throw new Error(`${a} needs a number`);
      return n;
    };
    if (a === '--size-mib') o.sizeMiB = num();
    else if (a === '--piece-kib') o.pieceKiB = num();
    else if (a === '--full-size-mib') o.fullSizeMiB = num();
    else if (a === '--full-piece-kib') o.fullPieceKiB = num();
    else if (a === '--seconds') o.seconds = num();
    else if (a === '--warmup') o.warmup = num();
    else if (a === '--limit-kib') o.limitKiB = num();
    else if (a === '--width') o.width = num();
    else if (a === '--height') o.height = num();
    else if (a === '--no-build') o.build = false;
    else if (a === '--profile') o.profile = true;
    else if (a === '--trace') o.trace = true;
    else if (a === '--json') o.json = next();
    else if (a === '--modes') {
      o.modes = next().split(',').map((m) => {
        if (m !== 'throttled' && m !== 'full') throw new Error(`--modes: unknown mode ${m}`);
        return m;
      });
    } else if (a === '--views') o.views = next().split(',').map(parseView);
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

interface Traffic {
  total: number;
  byKind: Map<string, number>;
}

/** Counts what the host sends the page: every WebSocket frame the page receives, by kind. */
function countTraffic(page: Page): { reset(): void; take(): Traffic } {
  let traffic: Traffic = { total: 0, byKind: new Map() };
  const commands = new Map<number, string>();
  page.on('websocket', (ws) => {
    ws.on('framesent', ({ payload }) => {
      try {
        const m = JSON.parse(String(payload)) as { id?: number; command?: string };
        if (typeof m.id === 'number' && typeof m.command === 'string') commands.set(m.id, m.command);
      } catch {
        // not ours
      }
    });
    ws.on('framereceived', ({ payload }) => {
      const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
      let kind = 'other';
      try {
        const m = JSON.parse(String(payload)) as { kind?: string; id?: number; event?: { type?: string } };
        if (m.kind === 'event') kind = m.event?.type ?? 'event';
        else if (m.kind === 'response' && typeof m.id === 'number') {
          kind = `reply:${commands.get(m.id) ?? '?'}`;
          commands.delete(m.id);
        }
      } catch {
        // counted as other
      }
      traffic.total += bytes;
      traffic.byKind.set(kind, (traffic.byKind.get(kind) ?? 0) + bytes);
    });
  });
  return {
    reset: () => {
      traffic = { total: 0, byKind: new Map() };
    },
    take: () => traffic,
  };
}

/**
 * Starts recording requestAnimationFrame intervals in the page. (A string, not a function:
 * tsx's transform would wrap a function's inner functions in a helper the page lacks.)
 */
async function startFrames(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__framesOn = true;
    window.__longTasks = [];
    try {
      window.__longObserver?.disconnect();
      window.__longObserver = new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); });
      window.__longObserver.observe({ type: 'longtask', buffered: false });
    } catch {}
    let last = 0;
    const loop = (t) => {
      if (!window.__framesOn) return;
      if (last !== 0) window.__frames.push(t - last);
      last = t;
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  })()`);
}

/** The rAF intervals, and the page's long tasks (main-thread work over 50 ms) in the window. */
async function stopFrames(page: Page): Promise<{ frames: number[]; longTasks: number[] }> {
  return (await page.evaluate('(() => { window.__framesOn = false; window.__longObserver?.disconnect(); return { frames: window.__frames, longTasks: window.__longTasks }; })()')) as { frames: number[]; longTasks: number[] };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Starts the page's CPU profiler; the returned function stops it and names the top functions by self time. */
async function startProfile(page: Page): Promise<() => Promise<string>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  return async () => {
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } };
    await cdp.detach();
    const byNode = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    profile.samples.forEach((id, k) => {
      const f = byNode.get(id)?.callFrame;
      const name = f ? `${f.functionName || '(anonymous)'}@${f.url.split('/').pop() ?? ''}:${f.lineNumber}` : '?';
      self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[k] ?? 0) / 1000);
    });
    return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([n, ms]) => `${n} ${ms.toFixed(0)} ms`).join(' · ');
  };
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

interface RunResult {
  view: string;
  mode: 'throttled' | 'full';
  seconds: number;
  /** Pieces verified per second in the window (how fast the grid changed). */
  piecesPerSecond: number;
  kbPerSecond: number;
  byKindBytesPerSecond: Record<string, number>;
  /** rAF intervals (ms); `missed`: intervals over 25 ms (at least one vsync missed). */
  frames: { count: number; p50: number; p95: number; p99: number; max: number; missed: number };
  /**
   * The page's own main-thread work over 50 ms (long tasks): count and ms in all. Missed frames
   * without long tasks come from the machine (host, seeder and page share its cores), not the page.
   */
  longTasks: { count: number; ms: number };
}

async function verifiedOnPage(page: Page): Promise<number> {
  const v = await page.getByTestId('piece-grid').getAttribute('data-verified');
  return v === null ? 0 : Number(v);
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function oneRun(
  o: Options,
  ctx: { cleanup: Cleanup; host: WebHost; page: Page; control: TesseraClient; traffic: ReturnType<typeof countTraffic>; torrentData: string; torrentPath: string; dataDir: string; pieces: number },
  view: View,
  mode: 'throttled' | 'full',
): Promise<RunResult> {
  const { page, control, host } = ctx;
  const added = await control.addTorrentFile({ fileName: 'bench-ui.torrent', data: ctx.torrentData });
  const infoHash = added.infoHash;
  await control.setTorrentLimits({ infoHash, download: mode === 'throttled' ? o.limitKiB * 1024 : 0, upload: 0 });
  const rowSel = `[data-testid="torrent-row"][data-infohash="${infoHash}"]`;
  await page.locator(rowSel).click();
  await until(async () => (await page.getByTestId('piece-grid').getAttribute('data-pieces')) === String(ctx.pieces), 'the grid', 60_000);
  await page.getByTestId(`grid-mode-${view.grid}`).click();
  await page.getByTestId(`tab-${view.tab}`).click();

  let seeder: LtSeeder | null = null;
  try {
    seeder = await startLtSeeder(ctx.cleanup, {
      torrents: [ctx.torrentPath],
      save: ctx.dataDir,
      seedMode: true,
      peers: [`127.0.0.1:${host.listenPort}`],
      settings: { tick_interval: 20 },
    });
    await until(async () => (await verifiedOnPage(page)) > 0, 'the first verified piece', 120_000);
    // At full speed the download lasts seconds: a short warm-up leaves most of it to measure.
    await sleep((mode === 'full' ? Math.min(1, o.warmup) : o.warmup) * 1000);
    const v0 = await verifiedOnPage(page);
    ctx.traffic.reset();
    const profiler = o.profile ? await startProfile(page) : null;
    const browser = page.context().browser();
    if (o.trace && browser) await browser.startTracing(page, { categories: TRACE_CATEGORIES });
    await startFrames(page);
    const t0 = Date.now();
    const end = t0 + o.seconds * 1000;
    let v1 = v0;
    while (Date.now() < end) {
      await sleep(250);
      v1 = await verifiedOnPage(page);
      if (v1 >= ctx.pieces) break;
    }
    const recorded = await stopFrames(page);
    if (profiler) process.stderr.write(`  page CPU profile (${view.label}, ${mode}), self time: ${await profiler()}\n`);
    if (o.trace && browser) {
      const trace = (await browser.stopTracing()).toString('utf8');
      const file = join(tmpdir(), `bench-ui-trace-${view.label}-${mode}-${Date.now()}.json`);
      await writeFile(file, trace);
      process.stderr.write(`  ${view.label}, ${mode} (trace: ${file}, opens in DevTools' Performance panel):\n${summariseTrace(trace)}\n`);
    }
    const frames = recorded.frames.sort((a, b) => a - b);
    const seconds = (Date.now() - t0) / 1000;
    const traffic = ctx.traffic.take();
    if (mode === 'throttled' && v1 >= ctx.pieces) process.stderr.write(`  note: the download finished inside the window; lower --limit-kib\n`);
    const byKind = Object.fromEntries([...traffic.byKind.entries()].sort((a, b) => b[1] - a[1]).map(([k, b]) => [k, Math.round(b / seconds)]));
    return {
      view: view.label,
      mode,
      seconds: Math.round(seconds * 10) / 10,
      piecesPerSecond: Math.round((v1 - v0) / seconds),
      kbPerSecond: Math.round((traffic.total / 1000 / seconds) * 10) / 10,
      byKindBytesPerSecond: byKind,
      longTasks: { count: recorded.longTasks.length, ms: Math.round(recorded.longTasks.reduce((a, b) => a + b, 0)) },
      frames: { count: frames.length, p50: pct(frames, 50), p95: pct(frames, 95), p99: pct(frames, 99), max: frames[frames.length - 1] ?? 0, missed: frames.filter((x) => x > 25).length },
    };
  } finally {
    await seeder?.stop();
    await control.remove({ infoHash, deleteData: true });
    await until(async () => (await page.locator(rowSel).count()) === 0, 'the row to go', 60_000);
  }
}

interface Fixture {
  dataDir: string;
  torrentPath: string;
  torrentData: string;
  pieces: number;
  pieceLength: number;
}

async function makeFixture(cleanup: Cleanup, sizeMiB: number, pieceKiB: number): Promise<Fixture> {
  const dataDir = await cleanup.tempDir(`bench-ui-data-${sizeMiB}`);
  const payload = join(dataDir, 'bench-ui.bin');
  process.stderr.write(`making ${sizeMiB} MiB in ${pieceKiB} KiB pieces…\n`);
  await writeRandomFile(payload, sizeMiB * 1024 * 1024, 'bench-ui');
  const info = await createTorrent({ path: payload, out: join(await cleanup.tempDir('bench-ui-torrent'), 'bench-ui.torrent'), pieceLength: pieceKiB * 1024 });
  return { dataDir, torrentPath: info.torrentPath, torrentData: bytesToBase64(await readFile(info.torrentPath)), pieces: info.pieces, pieceLength: info.pieceLength };
}

function line(r: RunResult): string {
  const kb = r.kbPerSecond;
  const f = r.frames;
  const top = Object.entries(r.byKindBytesPerSecond).slice(0, 5).map(([k, b]) => `${k} ${(b / 1000).toFixed(1)}`).join(', ');
  return `${r.mode.padEnd(9)} ${r.view.padEnd(16)} ${String(r.piecesPerSecond).padStart(5)} pieces/s · host → page ${kb.toFixed(1).padStart(6)} KB/s ${kb <= TARGET_KBPS ? 'ok ' : 'OVER'} · frame p50 ${f.p50.toFixed(1)} p95 ${f.p95.toFixed(2).padStart(5)} ms ${f.p95 <= TARGET_FRAME_P95_MS ? 'ok ' : 'OVER'} p99 ${f.p99.toFixed(1)} max ${f.max.toFixed(0)}, ${f.missed} of ${f.count} missed a vsync (${r.seconds}s) · long tasks ${r.longTasks.count} (${r.longTasks.ms} ms) · KB/s by kind: ${top}`;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.build) {
    process.stderr.write('building…\n');
    const b = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  const cleanup = new Cleanup();
  const results: RunResult[] = [];
  try {
    const fixtures = new Map<string, Fixture>();
    for (const mode of o.modes) {
      const [mib, kib] = mode === 'full' ? [o.fullSizeMiB, o.fullPieceKiB] : [o.sizeMiB, o.pieceKiB];
      const key = `${mib}/${kib}`;
      if (!fixtures.has(key)) fixtures.set(key, await makeFixture(cleanup, mib, kib));
    }
    const host = await startWebHost(cleanup);
    const control = createWebSocketClient({ url: `ws://127.0.0.1:${host.port}/ws?token=${host.token}`, WebSocket: WebSocket as unknown as WebSocketConstructor, reconnect: false });
    cleanup.add(() => control.close());
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    cleanup.add(() => browser.close());
    const page = await browser.newPage({ viewport: { width: o.width, height: o.height } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const traffic = countTraffic(page);
    await page.goto(host.url);
    await page.getByTestId('torrent-list').waitFor();
    // Add without the confirmation dialog (the control client adds; the page only watches).
    await control.setSettings({ confirmAdd: false });
    process.stderr.write(`window ${o.seconds}s after ${o.warmup}s (full speed: 1s); throttled = ${o.limitKiB} KiB/s\n`);
    for (const mode of o.modes) {
      const fx = fixtures.get(mode === 'full' ? `${o.fullSizeMiB}/${o.fullPieceKiB}` : `${o.sizeMiB}/${o.pieceKiB}`)!;
      process.stderr.write(`${mode}: ${fx.pieces} pieces of ${fx.pieceLength} B\n`);
      for (const view of o.views) {
        const r = await oneRun(o, { cleanup, host, page, control, traffic, torrentData: fx.torrentData, torrentPath: fx.torrentPath, dataDir: fx.dataDir, pieces: fx.pieces }, view, mode);
        results.push(r);
        console.log(line(r));
      }
    }
    const worstKb = Math.max(...results.map((r) => r.kbPerSecond));
    const worstP95 = Math.max(...results.map((r) => r.frames.p95));
    console.log(`worst: ${worstKb.toFixed(1)} KB/s (target ≤ ${TARGET_KBPS}) · frame p95 ${worstP95.toFixed(2)} ms (target ≤ ${TARGET_FRAME_P95_MS})`);
    if (errors.length > 0) console.log(`page errors: ${errors.join(' | ')}`);
    if (o.json) await writeFile(o.json, JSON.stringify({ options: { ...o, views: o.views.map((v) => v.label) }, results }, null, 2));
  } finally {
    await cleanup.run();
  }
}

await main();
