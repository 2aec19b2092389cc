/**
 * Many torrents in one session (issue 11, "Scale"): `npm run bench:scale`.
 *
 *   npm run bench:scale -- [--torrents 10000] [--idle-torrents 1000] [--idle-seconds 30]
 *                          [--settle-seconds 30] [--settle-max-seconds 120] [--nofile 1024]
 *                          [--json FILE] [--strict]
 *
 * Makes N small single-file torrents whose data is on disk, then, each step in its own Node
 * process run under `prlimit --nofile=<nofile>` (the desktop default is 1,024) with the built
 * engine (dist/, as the app and the CLI run it):
 *   add:     one session adds all N (they are checked and seed); then settles (CPU reported as
 *            "settle") and idles --idle-seconds (the idle CPU). Settling is V8's memory reducer
 *            compacting the heap the burst grew (a few major GCs, once): it waits at least
 *            --settle-seconds and, beyond that, until a major GC came after ready and none for
 *            5 s, at most --settle-max-seconds. (The reducer starts once the allocation rate it
 *            samples is low, and the burst's samples weigh until GCs push them out: the quieter
 *            the idle session, the later it comes, up to a minute after ready at 10,000.)
 *   restart: a new session restores them from the state folder; the time until every one is
 *            back seeding, with no piece hashed again (resumed from the resume records);
 *            then settles and idles as above;
 *   idle:    the same restart with --idle-torrents (default 1,000) for the idle CPU at that size.
 * Reported: wall times, peak RSS, idle CPU (% of one core) against the targets: restart ≤ 5 s,
 * RSS ≤ 400 MiB, idle CPU ≤ 2 % at 10,000 and ≤ 1 % at 1,000.
 *
 * `--child` is the mode the steps run in (internal).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const FILE_BYTES = 4096;
/** `npm run bench:scale` builds first (package.json). */
const BUILT_ENGINE = fileURLToPath(new URL('../dist/electron/engine/index.js', import.meta.url));
const PIECE_LENGTH = 16384;

interface Options {
  torrents: number;
  idleTorrents: number;
  idleSeconds: number;
  settleSeconds: number;
  settleMaxSeconds: number;
  nofile: number;
  json: string | null;
  strict: boolean;
  child: null | { step: 'add' | 'restart'; work: string; count: number; idleSeconds: number; settleSeconds: number; settleMaxSeconds: number };
}

function parseArgs(argv: string[]): Options {
  const o: Options = { torrents: 10_000, idleTorrents: 1000, idleSeconds: 30, settleSeconds: 30, settleMaxSeconds: 120, nofile: 1024, json: null, strict: false, child: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (): number => {
      const n = Number.parseInt(next(), 10);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${a} needs a number`);
      return n;
    };
    if (a === '--torrents') o.torrents = Math.max(1, int());
    else if (a === '--idle-torrents') o.idleTorrents = int();
    else if (a === '--idle-seconds') o.idleSeconds = int();
    else if (a === '--settle-seconds') o.settleSeconds = int();
    else if (a === '--settle-max-seconds') o.settleMaxSeconds = int();
    else if (a === '--nofile') o.nofile = Math.max(64, int());
    else if (a === '--json') o.json = next();
    else if (a === '--strict') o.strict = true;
    else if (a === '--child') {
      const step = next();
      if (step !== 'add' && step !== 'restart') throw new Error(`unknown step ${step}`);
      const [work, count, idleSeconds, settleSeconds, settleMaxSeconds] = [next(), next(), next(), next(), next()];
      o.child = { step, work, count: Number(count), idleSeconds: Number(idleSeconds), settleSeconds: Number(settleSeconds), settleMaxSeconds: Number(settleMaxSeconds) };
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run bench:scale -- [--torrents N] [--idle-torrents N] [--idle-seconds S] [--settle-seconds S] [--settle-max-seconds S] [--nofile N] [--json FILE] [--strict]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** What one step measured (printed by the child as one JSON line). */
export interface StepResult {
  step: 'add' | 'restart';
  torrents: number;
  /** From creating the session (restart) or the first add (add) until every torrent seeds. */
  readySeconds: number;
  /** CPU time (all threads) until then: steadier than wall time on a busy machine. */
  readyCpuSeconds: number;
  seeding: number;
  errors: string[];
  /** Pieces hashed from disk at start (a restart should hash none) and trusted from resume data. */
  checkedPieces: number;
  resumedPieces: number;
  idleSeconds: number;
  /** CPU time over the idle period, as % of one core. */
  idleCpuPercent: number;
  /**
   * CPU over the settle period between ready and idle, as % of one core: right after a burst
   * of work V8's memory reducer compacts the grown heap (a few major GCs, about 0.6 s at
   * 10,000 torrents), once; reported, not counted as idle.
   */
  settleCpuPercent: number;
  /** How long it settled (see the header), and the major GCs (mark-compact) during it and during the idle period. */
  settleSeconds: number;
  settleMajorGcs: number;
  idleMajorGcs: number;
  rssMiB: number;
  peakRssMiB: number;
  fdLimit: string;
  maxOpenFds: number;
}

// --- the child: one session, one step -----------------------------------------------------

function torrentBytesFor(i: number): Buffer {
  const data = fileData(i);
  const info = { length: FILE_BYTES, name: Buffer.from(`t${i}.bin`), 'piece length': PIECE_LENGTH, pieces: createHash('sha1').update(data).digest() };
  return encodeTorrent({ info });
}

function fileData(i: number): Buffer {
  const b = Buffer.alloc(FILE_BYTES);
  b.write(`torrent ${i} `.repeat(FILE_BYTES / 8), 'latin1');
  return b;
}

/** Minimal bencode for the fixed shape above (keys sorted as bencode requires). */
function encodeTorrent(value: unknown): Buffer {
  if (typeof value === 'number') return Buffer.from(`i${value}e`);
  if (Buffer.isBuffer(value)) return Buffer.concat([Buffer.from(`${value.length}:`), value]);
  if (typeof value === 'string') return encodeTorrent(Buffer.from(value));
  const obj = value as Record<string, unknown>;
  const parts: Buffer[] = [Buffer.from('d')];
  for (const key of Object.keys(obj).sort()) parts.push(encodeTorrent(key), encodeTorrent(obj[key]));
  parts.push(Buffer.from('e'));
  return Buffer.concat(parts);
}

function statusKiB(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function runChild(c: NonNullable<Options['child']>): Promise<void> {
  // Imported here so the parent (which only spawns) does not load the engine.
  // The built engine, as the app and CLI run it: under tsx every function would carry esbuild's
  // keepNames wrapper (a property store per closure: 60 MiB more at 10,000 torrents).
  const { Session } = (await import(pathToFileURL(BUILT_ENGINE).href)) as typeof import('../electron/engine/index.js');
  const downloadDir = path.join(c.work, 'data');
  const stateDir = path.join(c.work, `state-${c.count}`);
  let maxOpenFds = 0;
  const countFds = (): void => {
    maxOpenFds = Math.max(maxOpenFds, fs.readdirSync('/proc/self/fd').length);
  };
  const fdTimer = setInterval(countFds, 200);
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const session = new Session({ downloadDir, stateDir, port: 0, listenHost: '127.0.0.1', dht: false });
  // Torrents seeding (or failed), learnt from their events: polling 10,000 torrents' stats would cost more than what is measured.
  const settledSet = new Set<string>();
  let allSettled = (): void => undefined;
  const settledNow = new Promise<void>((resolve) => (allSettled = resolve));
  session.on('added', (infoHash) => {
    const torrent = session.get(infoHash)!;
    const onState = (state: string): void => {
      if (state !== 'seeding' && state !== 'error') return;
      settledSet.add(infoHash);
      torrent.off('state', onState);
      if (settledSet.size >= c.count) allSettled();
    };
    torrent.on('state', onState);
    onState(torrent.stats().state);
  });
  await session.listen();
  if (c.step === 'restart') await session.restore();
  if (c.step === 'add') {
    let next = 0;
    // A few adds in flight at once, as a watch folder or a script would do.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < c.count) {
          const i = next++;
          await session.add({ kind: 'torrent', bytes: torrentBytesFor(i) });
        }
      }),
    );
  }
  await settledNow;
  const readySeconds = (performance.now() - started) / 1000;
  const readyCpu = process.cpuUsage(cpuAtStart);
  countFds();
  const gcs = watchMajorGcs();
  const settleCpu0 = process.cpuUsage();
  const settle0 = performance.now();
  await settle(c, settle0, gcs);
  const settleCpu = process.cpuUsage(settleCpu0);
  const settleWall = (performance.now() - settle0) / 1000;
  const settleMajorGcs = gcs.count;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(c.idleSeconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const idleWall = (performance.now() - t0) / 1000;
  const idleMajorGcs = gcs.count - settleMajorGcs;
  gcs.stop();
  const stats = session.list().map((t) => t.stats());
  const limits = fs.readFileSync('/proc/self/limits', 'utf8');
  const result: StepResult = {
    step: c.step,
    torrents: session.list().length,
    readySeconds,
    readyCpuSeconds: (readyCpu.user + readyCpu.system) / 1e6,
    seeding: stats.filter((s) => s.state === 'seeding').length,
    errors: session.list().flatMap((t) => (t.stats().state === 'error' ? [`${t.infoHash}: ${t.stats().error ?? 'error'}`] : [])).slice(0, 5),
    checkedPieces: stats.reduce((n, s) => n + (s.checkedPieces ?? 0), 0),
    resumedPieces: stats.reduce((n, s) => n + (s.resumedPieces ?? 0), 0),
    idleSeconds: idleWall,
    idleCpuPercent: idleWall > 0 ? ((cpu.user + cpu.system) / 1e6 / idleWall) * 100 : NaN,
    settleCpuPercent: settleWall > 0 ? ((settleCpu.user + settleCpu.system) / 1e6 / settleWall) * 100 : NaN,
    settleSeconds: settleWall,
    settleMajorGcs,
    idleMajorGcs,
    rssMiB: statusKiB('VmRSS') / 1024,
    peakRssMiB: statusKiB('VmHWM') / 1024,
    fdLimit: /^Max open files\s+(\S+)/m.exec(limits)?.[1] ?? '?',
    maxOpenFds,
  };
  clearInterval(fdTimer);
  await session.close();
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Quiet this long after the last major GC, the memory reducer is taken to be done. */
const REDUCER_QUIET_MS = 5000;

interface MajorGcs {
  /** Major GCs (mark-compact) that ended since the watch began. */
  readonly count: number;
  /** performance.now() at the end of the last one. */
  readonly lastAt: number;
  stop(): void;
}

function watchMajorGcs(): MajorGcs {
  const watch = { count: 0, lastAt: -Infinity, stop: () => observer.disconnect() };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      // A 'gc' entry's detail says which kind (the DOM typing of PerformanceEntry does not know it).
      if ((e as { detail?: { kind?: number } }).detail?.kind !== perfConstants.NODE_PERFORMANCE_GC_MAJOR) continue;
      watch.count++;
      watch.lastAt = Math.max(watch.lastAt, e.startTime + e.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return watch;
}

/** At least settleSeconds; then until the memory reducer's GCs are over (see the header), at most settleMaxSeconds. */
async function settle(c: { settleSeconds: number; settleMaxSeconds: number }, since: number, gcs: MajorGcs): Promise<void> {
  await sleep(c.settleSeconds * 1000);
  const until = since + Math.max(c.settleSeconds, c.settleMaxSeconds) * 1000;
  while (performance.now() < until && !(gcs.count > 0 && performance.now() - gcs.lastAt >= REDUCER_QUIET_MS)) {
    await sleep(Math.min(1000, until - performance.now()));
  }
}

// --- the parent: data, steps, report ------------------------------------------------------

export async function makeData(work: string, count: number): Promise<void> {
  const dir = path.join(work, 'data');
  await fs.promises.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i += 256) {
    await Promise.all(Array.from({ length: Math.min(256, count - i) }, (_, k) => fs.promises.writeFile(path.join(dir, `t${i + k}.bin`), fileData(i + k))));
  }
}

/** Runs one step in a child process under the descriptor limit; resolves with its result. */
export function runStep(
  step: 'add' | 'restart',
  work: string,
  count: number,
  idleSeconds: number,
  settleSeconds: number,
  nofile: number,
  settleMaxSeconds = settleSeconds,
): Promise<StepResult> {
  const script = fileURLToPath(import.meta.url);
  const args = [`--nofile=${nofile}`, process.execPath, '--import', 'tsx', script, '--child', step, work, String(count), String(idleSeconds), String(settleSeconds), String(settleMaxSeconds)];
  const env = { ...process.env, TESSERA_DHT_BOOTSTRAP: '', TESSERA_PORT_MAPPING: '0', TESSERA_LSD: '0' };
  return new Promise((resolve, reject) => {
    const child = spawn('prlimit', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`${step} step exited ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)) as StepResult);
    });
  });
}

function fmt(v: number, digits = 1): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '—';
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.child) return runChild(o.child);
  if (!fs.existsSync(BUILT_ENGINE)) throw new Error(`${BUILT_ENGINE} is missing: run \`npm run bench:scale\` (it builds first) or \`npm run build\``);
  const work = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tessera-bench-scale-'));
  const log = (m: string): void => void process.stderr.write(`[bench:scale] ${m}\n`);
  const results: StepResult[] = [];
  try {
    log(`${o.torrents} torrents of ${FILE_BYTES} bytes in ${work}; steps under prlimit --nofile=${o.nofile}`);
    await makeData(work, Math.max(o.torrents, o.idleTorrents));
    const sizes = o.idleTorrents > 0 && o.idleTorrents !== o.torrents ? [o.torrents, o.idleTorrents] : [o.torrents];
    for (const count of sizes) {
      for (const step of ['add', 'restart'] as const) {
        log(`${step} ${count}…`);
        const r = await runStep(step, work, count, o.idleSeconds, o.settleSeconds, o.nofile, o.settleMaxSeconds);
        results.push(r);
        log(`${step} ${count}: ready in ${fmt(r.readySeconds, 2)} s (${fmt(r.readyCpuSeconds, 2)} CPU-s), ${r.seeding} seeding, settle CPU ${fmt(r.settleCpuPercent, 2)} % over ${fmt(r.settleSeconds, 0)} s (${r.settleMajorGcs} major GCs), idle CPU ${fmt(r.idleCpuPercent, 2)} % (${r.idleMajorGcs} major GCs), peak RSS ${fmt(r.peakRssMiB, 0)} MiB`);
      }
    }
  } finally {
    await fs.promises.rm(work, { recursive: true, force: true });
  }
  const lines = ['', `Tessera scale benchmark — ${os.cpus().length} cores, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`];
  lines.push(`  ${'step'.padEnd(9)}${'torrents'.padEnd(10)}${'ready s'.padEnd(9)}${'CPU s'.padEnd(8)}${'seeding'.padEnd(9)}${'hashed'.padEnd(8)}${'resumed'.padEnd(9)}${'settle CPU %'.padEnd(14)}${'idle CPU %'.padEnd(12)}${'peak RSS MiB'.padEnd(14)}${'max fds'.padEnd(9)}fd limit`);
  for (const r of results) {
    lines.push(
      `  ${r.step.padEnd(9)}${String(r.torrents).padEnd(10)}${fmt(r.readySeconds, 2).padEnd(9)}${fmt(r.readyCpuSeconds, 2).padEnd(8)}${String(r.seeding).padEnd(9)}${String(r.checkedPieces).padEnd(8)}${String(r.resumedPieces).padEnd(9)}` +
        `${fmt(r.settleCpuPercent, 2).padEnd(14)}${fmt(r.idleCpuPercent, 2).padEnd(12)}${fmt(r.peakRssMiB, 0).padEnd(14)}${String(r.maxOpenFds).padEnd(9)}${r.fdLimit}`,
    );
    for (const e of r.errors) lines.push(`    error: ${e}`);
  }
  const targets: Array<{ what: string; value: number; limit: number; pass: boolean }> = [];
  const big = results.find((r) => r.step === 'restart' && r.torrents === o.torrents);
  const small = results.find((r) => r.step === 'restart' && r.torrents === o.idleTorrents && o.idleTorrents !== o.torrents);
  if (big) {
    targets.push({ what: `restart of ${big.torrents}, s until all seed`, value: big.readySeconds, limit: 5, pass: big.readySeconds <= 5 && big.seeding === big.torrents });
    targets.push({ what: `re-hashed pieces at restart (${big.torrents})`, value: big.checkedPieces, limit: 0, pass: big.checkedPieces === 0 });
    const peak = Math.max(...results.filter((r) => r.torrents === o.torrents).map((r) => r.peakRssMiB));
    targets.push({ what: `peak RSS with ${big.torrents}, MiB`, value: peak, limit: 400, pass: peak <= 400 });
    targets.push({ what: `idle CPU with ${big.torrents}, % of a core`, value: big.idleCpuPercent, limit: 2, pass: big.idleCpuPercent <= 2 });
  }
  if (small) targets.push({ what: `idle CPU with ${small.torrents}, % of a core`, value: small.idleCpuPercent, limit: 1, pass: small.idleCpuPercent <= 1 });
  lines.push('', 'Targets:');
  for (const t of targets) lines.push(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.what.padEnd(44)} ${fmt(t.value, 2).padEnd(8)} (target ≤ ${t.limit})`);
  process.stdout.write(lines.join('\n') + '\n');
  if (o.json) await fs.promises.writeFile(o.json, JSON.stringify({ date: new Date().toISOString(), results, targets }, null, 2));
  if (o.strict && targets.some((t) => !t.pass)) process.exit(1);
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:scale failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}

