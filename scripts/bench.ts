/**
 * Tessera vs libtorrent on loopback (issue 2 "Speed"; issue 5 "Speed" in benchSeeding()).
 *
 *   npm run bench -- [--runs N] [--json FILE] [--cases big,small,big-loaded,small-loaded,create,seed,utp]
 *                    [--create-mib 1024] [--utp-mib 256]
 *                    [--big-mib 1024] [--small-mib 256] [--strict] [--libtorrent-only]
 *                    [--many-mib 1024] [--many-seeders 20] [--huge-mib 4096] [--huge-flat-mib 1024]
 *   opt-in (not in the default list, they take minutes): --cases many,huge
 *
 * big:   a 1 GiB random file in 1 MiB pieces, seeded by libtorrent; downloaded alternately by
 *        Tessera (`tessera download … --json`) and by a tuned libtorrent leecher from that
 *        same seeder. Median MiB/s of each, the ratio, CPU seconds and peak RSS of each child
 *        (kernel rusage at reaping: e2e/support/rusage.py).
 * small: the same with 256 MiB in 16 KiB pieces (per-piece overhead dominates).
 * big-loaded, small-loaded: big and small while another process keeps one core busy (a
 *        spinning `node`, started before the case and stopped after it), as on a machine
 *        that is doing other work (issue 11: "on a busy machine").
 * create: `tessera create` against libtorrent's create_torrent (set_piece_hashes) on the same
 *        --create-mib (1 GiB) file in 16 KiB pieces, v1 and hybrid (v1+v2), alternating;
 *        MiB/s from each process's wall time, the file read from the page cache by both.
 * seed:  a libtorrent leecher downloading from a Tessera seeder vs from a libtorrent seeder
 *        (issue 5), alternating, with libtorrent's default settings (it dials encrypted first).
 * utp:   as big, but the seeder and the libtorrent leecher speak uTP only (TCP off), so both
 *        contenders download over uTP (issue 12); --utp-mib sets the size (default 256).
 * many:  (opt-in) 1 GiB in 1 MiB pieces from 20 libtorrent seeders at once (each its own port
 *        and hard link of the data): Tessera and libtorrent from all 20, and each from one
 *        (issue 11 item 7: Tessera many ≥ Tessera one, ≤ 200 MiB RSS).
 * huge:  (opt-in) 4 GiB in 16 KiB pieces (262,144) from one seeder, Tessera vs libtorrent,
 *        and the same at --huge-flat-mib (1 GiB; 0 = skip) to see whether RSS is flat in size
 *        (issue 11 item 6: ≤ 200 MiB).
 *
 * Data lives in a temp dir under /tmp, deleted afterwards. Exit status is 0 unless the
 * harness itself failed (or --strict and a target was missed): this is a benchmark, not a test.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { copyFile, link, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Cleanup,
  createTorrent,
  freePort,
  measured,
  ManagedProcess,
  PYTHON,
  readUsage,
  REPO_ROOT,
  requireBuiltCli,
  runLtLeecher,
  runToEnd,
  sha1File,
  startLtSeeder,
  supportScript,
  tesseraDownload,
  tesseraEnv,
  waitForListening,
  writeRandomFile,
  type LtSeeder,
  type TorrentInfo,
  type Usage,
} from '../e2e/support/index.js';
import { COMPILE_CACHE_ENV } from '../electron/cli/compile-cache.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

interface Options {
  runs: number;
  json: string | null;
  cases: Set<string>;
  /** `create`: MiB of data hashed into a torrent of 16 KiB pieces. */
  createMiB: number;
  bigMiB: number;
  smallMiB: number;
  strict: boolean;
  libtorrentOnly: boolean;
  utpMiB: number;
  manyMiB: number;
  manySeeders: number;
  hugeMiB: number;
  /** huge: also run this size (0 = no) to show whether peak RSS is flat in torrent size. */
  hugeFlatMiB: number;
}

/**
 * The environment of Tessera's processes here: a user's, without NODE_EXTRA_CA_CERTS. A machine
 * behind an intercepting proxy sets it (this one does); Node then parses that CA bundle while it
 * starts, before any of Tessera's code runs and whether or not TLS is ever used: 40-60 ms of CPU
 * per process here, 5% of a 256 MiB download. libtorrent's Python reads no bundle until a TLS
 * connection needs one, and nothing in these cases uses TLS. The report says when it was dropped.
 */
function benchEnv(configHome: string): NodeJS.ProcessEnv {
  const env = tesseraEnv(configHome);
  delete env.NODE_EXTRA_CA_CERTS;
  // Each run has its own home, but a user's V8 code cache outlives a run: one folder for all.
  if (benchCompileCache !== null) env[COMPILE_CACHE_ENV] = benchCompileCache;
  return env;
}

/**
 * The compile cache all of Tessera's runs share (electron/cli/compile-cache.ts). Every `tessera`
 * command but a user's very first writes it; the bench starts each command once, untimed, to
 * write it (`warmUp`), so the timed runs start as a user's do from then on.
 */
let benchCompileCache: string | null = null;
const warmCommands = new Set<string>();

/** Runs `run` once, untimed, the first time `command` is benched (it writes its compile cache). */
async function warmUp(command: string, run: () => Promise<Sample>): Promise<void> {
  if (warmCommands.has(command)) return;
  warmCommands.add(command);
  const s = await run();
  log(`tessera ${command} warm-up (untimed, writes the compile cache): ${s.ok ? `${s.cpuSeconds.toFixed(2)} CPU-s` : `FAILED ${s.error}`}`);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 3, json: null, cases: new Set(['big', 'small', 'big-loaded', 'small-loaded', 'create', 'seed', 'utp']), createMiB: 1024, bigMiB: 1024, smallMiB: 256, strict: false, libtorrentOnly: false, utpMiB: 256, manyMiB: 1024, manySeeders: 20, hugeMiB: 4096, hugeFlatMiB: 1024 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--runs') o.runs = Math.max(1, Number.parseInt(next(), 10));
    else if (a === '--json') o.json = next();
    else if (a === '--cases') o.cases = new Set(next().split(','));
    else if (a === '--big-mib') o.bigMiB = Number.parseInt(next(), 10);
    else if (a === '--create-mib') o.createMiB = Number.parseInt(next(), 10);
    else if (a === '--small-mib') o.smallMiB = Number.parseInt(next(), 10);
    else if (a === '--utp-mib') o.utpMiB = Number.parseInt(next(), 10);
    else if (a === '--many-mib') o.manyMiB = Number.parseInt(next(), 10);
    else if (a === '--many-seeders') o.manySeeders = Math.max(2, Number.parseInt(next(), 10));
    else if (a === '--huge-mib') o.hugeMiB = Number.parseInt(next(), 10);
    else if (a === '--huge-flat-mib') o.hugeFlatMiB = Number.parseInt(next(), 10);
    else if (a === '--strict') o.strict = true;
    else if (a === '--libtorrent-only') o.libtorrentOnly = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`usage: npm run bench -- [--runs N] [--json FILE] [--cases big,small,big-loaded,small-loaded,create,seed,utp,many,huge] [--big-mib N] [--create-mib N] [--small-mib N] [--utp-mib N] [--many-mib N] [--many-seeders N] [--huge-mib N] [--huge-flat-mib N] [--strict] [--libtorrent-only]\n(many and huge are opt-in: --cases many,huge)\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** One timed download. */
interface Sample {
  who: string;
  ok: boolean;
  error?: string;
  seconds: number;
  mibPerSec: number;
  cpuSeconds: number;
  userSeconds: number;
  sysSeconds: number;
  cpuPerGiB: number;
  peakRssMiB: number;
  wallSeconds: number;
}

interface CaseResult {
  name: string;
  sizeBytes: number;
  pieceLength: number;
  samples: Sample[];
  /** median MiB/s per contender */
  median: Record<string, number | null>;
  ratio: number | null;
  /** many: Tessera from all seeders / Tessera from one. */
  manyVsOne?: number | null;
  note?: string;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? null) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

function sample(who: string, size: number, seconds: number, usage: Usage | undefined): Sample {
  const cpu = usage?.cpuSeconds ?? NaN;
  return {
    who,
    ok: true,
    seconds,
    mibPerSec: size / MiB / seconds,
    cpuSeconds: cpu,
    userSeconds: usage?.userSeconds ?? NaN,
    sysSeconds: usage?.sysSeconds ?? NaN,
    cpuPerGiB: cpu / (size / GiB),
    peakRssMiB: (usage?.peakRssBytes ?? NaN) / MiB,
    wallSeconds: usage?.wallSeconds ?? NaN,
  };
}

function failed(who: string, error: string): Sample {
  return { who, ok: false, error, seconds: NaN, mibPerSec: NaN, cpuSeconds: NaN, userSeconds: NaN, sysSeconds: NaN, cpuPerGiB: NaN, peakRssMiB: NaN, wallSeconds: NaN };
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/**
 * Wait before each timed run so that every contender starts with memory in the same state.
 * These machines are VMs whose kernel hands freed pages back to the host within about a
 * second (free page reporting, /sys/module/page_reporting); touching such a page again
 * costs a host fault, which makes filling 1 GiB of fresh page cache take ~4 s of system
 * time instead of ~0.5 s. The previous run's download was just deleted, so without this
 * pause whoever starts fastest after a deletion writes into still-warm pages and the order
 * of the contenders, not their code, decides the ratio.
 */
async function settleMemory(): Promise<void> {
  // The device too: the runs before left up to 2 GiB dirty in the page cache (the source file,
  // the last download, libtorrent's mmap), which the kernel writes back whenever it likes,
  // during whichever run comes next. Flushed here, no contender shares the device with
  // another's write-back.
  spawnSync('sync', { stdio: 'ignore' });
  await sleep(3000);
}

/**
 * `tessera download` of `t` from `peers` once. Over TCP only unless `utp` (the libtorrent
 * leecher it is compared with speaks TCP only in those cases): uTP is dialled first, as
 * libtorrent does with uTP on, and a TCP-only seeder leaves that dial unanswered; TCP joins
 * after 500 ms (libtorrent would wait out its 3 s `utp_connect_timeout`). On the same wire as
 * the libtorrent leecher, neither pays it.
 */
async function runTessera(work: string, t: TorrentInfo, peers: string[], run: number | string, expectedSha1: string, who = 'tessera', utp = false): Promise<Sample> {
  const dir = join(work, `tessera-${run}`);
  const usageFile = join(work, `tessera-${run}.rusage.json`);
  try {
    const r = await tesseraDownload({
      torrent: t.torrentPath,
      dir,
      peers,
      measureTo: usageFile,
      env: benchEnv(join(work, `tessera-home-${run}`)),
      timeoutMs: 900_000,
      extraArgs: utp ? [] : ['--no-utp'],
    });
    if (r.timedOut || r.exit.code !== 0 || !r.json) {
      return failed(who, `exit ${r.exit.code}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
    const got = await sha1File(join(dir, t.name));
    if (got !== expectedSha1) return failed(who, `downloaded file differs from the source (sha1 ${got})`);
    // Timed like the libtorrent leecher: from adding the torrent (its session already running) to complete.
    return sample(who, t.totalSize, r.json.secondsFromAdd ?? r.json.seconds, r.usage);
  } catch (err) {
    return failed(who, (err as Error).message);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(join(work, `tessera-home-${run}`), { recursive: true, force: true });
  }
}

/** The libtorrent leecher downloads `t` from `peers` once. */
async function runLibtorrent(cleanup: Cleanup, work: string, t: TorrentInfo, peers: string[], run: number | string, who = 'libtorrent', utpOnly = false): Promise<Sample> {
  const dir = join(work, `lt-${run}`);
  const usageFile = join(work, `lt-${run}.rusage.json`);
  try {
    // tick_interval 20 ms: libtorrent's 500 ms default delays its first connection and would
    // flatter Tessera's ratio on short transfers ("tuned libtorrent" = lt_common.py + this).
    const r = await runLtLeecher(cleanup, { torrent: t.torrentPath, save: dir, peers, measureTo: usageFile, progressInterval: 0, timeoutSeconds: 900, settings: { tick_interval: 20 }, utpOnly });
    return sample(who, t.totalSize, r.seconds, r.usage);
  } catch (err) {
    return failed(who, (err as Error).message.split('\n')[0] ?? 'failed');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Make a file + torrent and a libtorrent seeder for it. */
async function prepare(cleanup: Cleanup, work: string, name: string, size: number, pieceLength: number, utpOnly = false): Promise<{ t: TorrentInfo; seeder: LtSeeder; sha1: string }> {
  const src = join(work, `src-${name}`);
  log(`writing ${size / MiB} MiB of random data (${name})`);
  await writeRandomFile(join(src, `${name}.bin`), size, `bench-${name}`);
  const sha1 = await sha1File(join(src, `${name}.bin`));
  log(`creating the torrent (${pieceLength / 1024} KiB pieces)`);
  const t = await createTorrent({ path: join(src, `${name}.bin`), out: join(work, `${name}.torrent`), pieceLength });
  log('starting the libtorrent seeder (hash check)');
  const seeder = await startLtSeeder(cleanup, { torrents: [t.torrentPath], save: src, readyTimeoutMs: 600_000, utpOnly });
  return { t, seeder, sha1 };
}

/** Issue 2: Tessera vs libtorrent leecher from one libtorrent seeder, alternating. */
async function benchDownload(cleanup: Cleanup, work: string, o: Options, name: string, size: number, pieceLength: number, utpOnly = false): Promise<CaseResult> {
  const { t, seeder, sha1 } = await prepare(cleanup, work, name, size, pieceLength, utpOnly);
  if (!o.libtorrentOnly) await warmUp('download', () => runTessera(work, t, [seeder.address], 'warm-up', sha1, 'tessera', utpOnly));
  const samples: Sample[] = [];
  for (let run = 1; run <= o.runs; run++) {
    // Alternate who goes first, so neither always gets the warmer cache.
    const order = run % 2 === 1 ? ['tessera', 'libtorrent'] : ['libtorrent', 'tessera'];
    for (const who of order) {
      if (who === 'tessera' && o.libtorrentOnly) continue;
      await settleMemory();
      const s = who === 'tessera' ? await runTessera(work, t, [seeder.address], run, sha1, 'tessera', utpOnly) : await runLibtorrent(cleanup, work, t, [seeder.address], run, 'libtorrent', utpOnly);
      samples.push(s);
      log(`${name} run ${run}/${o.runs} ${who}: ${s.ok ? `${s.mibPerSec.toFixed(1)} MiB/s, ${s.cpuSeconds.toFixed(2)} CPU-s, ${s.peakRssMiB.toFixed(0)} MiB RSS` : `FAILED ${s.error}`}`);
    }
  }
  await seeder.stop();
  await rm(join(work, `src-${name}`), { recursive: true, force: true });
  return summarize(name, size, pieceLength, samples, 'tessera', 'libtorrent');
}

/** Link (or, across file systems, copy) `file` into `dir`: one data directory per seeder. */
async function linkInto(file: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const to = join(dir, basename(file));
  try {
    await link(file, to);
  } catch {
    await copyFile(file, to);
  }
}

/**
 * Issue 11 item 7, many peers: one 1 GiB torrent (1 MiB pieces) seeded by `seeders` libtorrent
 * processes on 127.0.0.1, each on its own port with its own hard link of the data. Per run:
 * Tessera and the tuned libtorrent leecher from all of them, and each from the first one alone,
 * order rotating. Targets: Tessera many ≥ Tessera one, Tessera peak RSS ≤ 200 MiB.
 */
async function benchMany(cleanup: Cleanup, work: string, o: Options): Promise<CaseResult> {
  const name = 'many';
  const size = o.manyMiB * MiB;
  const { t, seeder, sha1 } = await prepare(cleanup, work, name, size, MiB);
  if (!o.libtorrentOnly) await warmUp('download', () => runTessera(work, t, [seeder.address], 'warm-up', sha1, 'tessera'));
  const file = join(work, `src-${name}`, t.name);
  const seeders: LtSeeder[] = [seeder];
  log(`starting ${o.manySeeders - 1} more libtorrent seeders (each hash-checks its link)`);
  // Full hash check rather than seed_mode: seed_mode hashes each piece on its first upload,
  // which would land on whichever contender downloads first. All read the same cached pages.
  const more = await Promise.all(
    Array.from({ length: o.manySeeders - 1 }, async (_, i) => {
      const dir = join(work, `src-${name}-${i + 2}`);
      await linkInto(file, dir);
      return startLtSeeder(cleanup, { torrents: [t.torrentPath], save: dir, readyTimeoutMs: 900_000 });
    }),
  );
  seeders.push(...more);
  const all = seeders.map((s) => s.address);
  const one = [seeder.address];
  const contenders = ['tessera-many', 'libtorrent-many', 'tessera-one', 'libtorrent-one'] as const;
  const samples: Sample[] = [];
  for (let run = 1; run <= o.runs; run++) {
    const k = (run - 1) % contenders.length;
    const order = [...contenders.slice(k), ...contenders.slice(0, k)];
    for (const who of order) {
      if (who.startsWith('tessera') && o.libtorrentOnly) continue;
      const peers = who.endsWith('many') ? all : one;
      const tag = `${name}-${who}-${run}`;
      await settleMemory();
      const s = who.startsWith('tessera') ? await runTessera(work, t, peers, tag, sha1, who) : await runLibtorrent(cleanup, work, t, peers, tag, who);
      samples.push(s);
      log(`${name} run ${run}/${o.runs} ${who}: ${s.ok ? `${s.mibPerSec.toFixed(1)} MiB/s, ${s.cpuSeconds.toFixed(2)} CPU-s, ${s.peakRssMiB.toFixed(0)} MiB RSS` : `FAILED ${s.error}`}`);
    }
  }
  await Promise.all(seeders.map((s) => s.stop()));
  await rm(join(work, `src-${name}`), { recursive: true, force: true });
  await Promise.all(more.map((_, i) => rm(join(work, `src-${name}-${i + 2}`), { recursive: true, force: true })));
  const med = (who: string): number | null => median(samples.filter((s) => s.who === who && s.ok).map((s) => s.mibPerSec));
  const m = Object.fromEntries(contenders.map((c) => [c, med(c)]));
  const tm = m['tessera-many'] ?? null;
  const lm = m['libtorrent-many'] ?? null;
  const to = m['tessera-one'] ?? null;
  return {
    name,
    sizeBytes: size,
    pieceLength: MiB,
    samples,
    median: m,
    ratio: tm !== null && lm !== null ? tm / lm : null,
    manyVsOne: tm !== null && to !== null ? tm / to : null,
    note: `${o.manySeeders} seeders; Tessera many/one = ${fmt(tm !== null && to !== null ? tm / to : null, 2)}×; libtorrent many/one = ${fmt(lm !== null && m['libtorrent-one'] ? lm / m['libtorrent-one'] : null, 2)}×`,
  };
}

/**
 * Issue 11 item 6, big torrents: `mib` MiB in 16 KiB pieces (4 GiB = 262,144 pieces) from one
 * libtorrent seeder, Tessera vs the tuned libtorrent leecher; the figure that matters is peak
 * RSS (≤ 200 MiB, flat in torrent size: run it at 1 GiB too with --huge-flat-mib).
 */
async function benchHuge(cleanup: Cleanup, work: string, o: Options, mib: number): Promise<CaseResult> {
  const name = mib === o.hugeMiB ? 'huge' : `huge-${mib}`;
  return benchDownload(cleanup, work, o, name, mib * MiB, 16 * 1024);
}

/** Keeps one core busy (a spinning process) until stopped: the "busy machine" of the loaded cases. */
function startLoad(cleanup: Cleanup): ManagedProcess {
  const spinner = new ManagedProcess(process.execPath, ['-e', 'for (;;) {}'], { cwd: REPO_ROOT, label: 'load' });
  cleanup.add(() => spinner.stop());
  return spinner;
}

async function benchLoaded(cleanup: Cleanup, work: string, o: Options, name: string, size: number, pieceLength: number): Promise<CaseResult> {
  log(`${name}: one core kept busy by a spinning process`);
  const spinner = startLoad(cleanup);
  try {
    return await benchDownload(cleanup, work, o, name, size, pieceLength);
  } finally {
    await spinner.stop();
  }
}

/** One timed `tessera create` or libtorrent create_torrent of `src` (16 KiB pieces). */
async function runCreate(work: string, src: string, who: string, run: number, hybrid: boolean): Promise<Sample> {
  const out = join(work, `create-${who}-${run}.torrent`);
  const usageFile = join(work, `create-${who}-${run}.rusage.json`);
  const format = hybrid ? 'hybrid' : 'v1';
  const [cmd, argv] = who.startsWith('tessera')
    ? measured(process.execPath, [requireBuiltCli(), 'create', src, '-o', out, '--format', format, '--piece-length', '16384'], usageFile)
    : measured(PYTHON, [supportScript('lt_create.py'), '--path', src, '--out', out, '--piece-length', '16384', ...(hybrid ? ['--hybrid'] : [])], usageFile);
  try {
    const r = await runToEnd(cmd, argv, { timeoutMs: 900_000, cwd: REPO_ROOT, env: benchEnv(join(work, `create-home-${run}`)), label: who });
    if (r.exit.code !== 0) return failed(who, `exit ${r.exit.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    const usage = await readUsage(usageFile);
    const size = (await stat(src)).size;
    return sample(who, size, usage.wallSeconds, usage);
  } catch (err) {
    return failed(who, (err as Error).message);
  } finally {
    await rm(out, { force: true });
  }
}

/** `tessera create` vs libtorrent, v1 and hybrid, 16 KiB pieces (issue 11: "at least libtorrent's speed"). */
async function benchCreate(work: string, o: Options): Promise<CaseResult[]> {
  const src = join(work, 'src-create', 'create.bin');
  const size = o.createMiB * MiB;
  log(`writing ${o.createMiB} MiB of random data (create)`);
  await writeRandomFile(src, size, 'bench-create');
  const results: CaseResult[] = [];
  if (!o.libtorrentOnly) await warmUp('create', () => runCreate(work, src, 'tessera-warm-up', 0, false));
  for (const hybrid of [false, true]) {
    const [a, b] = hybrid ? ['tessera-hybrid', 'libtorrent-hybrid'] : ['tessera', 'libtorrent'];
    const samples: Sample[] = [];
    for (let run = 1; run <= o.runs; run++) {
      for (const who of run % 2 === 1 ? [a, b] : [b, a]) {
        if (who.startsWith('tessera') && o.libtorrentOnly) continue;
        const s = await runCreate(work, src, who, run, hybrid);
        samples.push(s);
        log(`create run ${run}/${o.runs} ${who}: ${s.ok ? `${s.mibPerSec.toFixed(1)} MiB/s, ${s.cpuSeconds.toFixed(2)} CPU-s` : `FAILED ${s.error}`}`);
      }
    }
    results.push(summarize(hybrid ? 'create-hybrid' : 'create', size, 16 * 1024, samples, a, b));
  }
  await rm(join(work, 'src-create'), { recursive: true, force: true });
  return results;
}

function summarize(name: string, size: number, pieceLength: number, samples: Sample[], a: string, b: string): CaseResult {
  const med = (who: string): number | null => median(samples.filter((s) => s.who === who && s.ok).map((s) => s.mibPerSec));
  const ma = med(a);
  const mb = med(b);
  return { name, sizeBytes: size, pieceLength, samples, median: { [a]: ma, [b]: mb }, ratio: ma !== null && mb !== null ? ma / mb : null };
}

/**
 * Issue 5: a libtorrent leecher downloading from a Tessera seeder vs from a libtorrent seeder,
 * same data, alternating. Target: ≥ 0.9×. Needs `tessera seed <t> --dir D --port P`.
 */
async function benchSeeding(cleanup: Cleanup, work: string, o: Options, size: number): Promise<CaseResult> {
  const name = 'seed';
  const { t, seeder } = await prepare(cleanup, work, name, size, MiB);
  const src = join(work, `src-${name}`);
  const samples: Sample[] = [];
  let note: string | undefined;
  // Start Tessera's seeder once and wait until it accepts connections.
  const port = await freePort();
  const usageFile = join(work, 'tessera-seed.rusage.json');
  const [cmd, argv] = measured(process.execPath, [requireBuiltCli(), 'seed', t.torrentPath, '--dir', src, '--port', String(port)], usageFile);
  const tseed = new ManagedProcess(cmd, argv, { cwd: REPO_ROOT, env: benchEnv(join(work, 'tessera-seed-home')), label: 'tessera seed' });
  cleanup.add(() => tseed.stop());
  try {
    await waitForListening('127.0.0.1', port, 600_000, () => tseed.exitInfo === null);
  } catch (err) {
    note = `tessera seed is not available yet: ${(err as Error).message}; ${tseed.stderr.trim().split('\n').slice(-2).join(' | ')}`;
  }
  if (!note) {
    for (let run = 1; run <= o.runs; run++) {
      const order = run % 2 === 1 ? ['from-tessera', 'from-libtorrent'] : ['from-libtorrent', 'from-tessera'];
      for (const who of order) {
        const addr = who === 'from-tessera' ? `127.0.0.1:${port}` : seeder.address;
        await settleMemory();
        const s = await runLibtorrent(cleanup, work, t, [addr], run * 10 + (who === 'from-tessera' ? 1 : 2), who);
        samples.push(s);
        log(`seed run ${run}/${o.runs} libtorrent leecher ${who}: ${s.ok ? `${s.mibPerSec.toFixed(1)} MiB/s` : `FAILED ${s.error}`}`);
      }
    }
  }
  await tseed.stop();
  const seedUsage = await readUsage(usageFile).catch(() => undefined);
  await seeder.stop();
  await rm(src, { recursive: true, force: true });
  const res = summarize(name, size, MiB, samples, 'from-tessera', 'from-libtorrent');
  if (seedUsage) res.note = `tessera seed process: ${seedUsage.cpuSeconds.toFixed(2)} CPU-s, peak RSS ${(seedUsage.peakRssBytes / MiB).toFixed(0)} MiB`;
  if (note) res.note = note;
  return res;
}

function fmt(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

interface Target {
  what: string;
  value: number | null;
  limit: string;
  pass: boolean | null;
}

function report(results: CaseResult[], o: Options): Target[] {
  const out: string[] = [];
  out.push('');
  out.push(`Tessera benchmark — ${o.runs} run(s) per contender, loopback, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
  for (const r of results) {
    out.push('');
    out.push(`${r.name}: ${(r.sizeBytes / MiB).toFixed(0)} MiB, ${r.pieceLength / 1024} KiB pieces`);
    out.push(`  ${pad('who', 19)}${pad('run', 5)}${pad('MiB/s', 10)}${pad('seconds', 10)}${pad('CPU-s', 9)}${pad('user+sys', 12)}${pad('CPU-s/GiB', 11)}${pad('peak RSS MiB', 13)}`);
    const runs: Record<string, number> = {};
    for (const s of r.samples) {
      runs[s.who] = (runs[s.who] ?? 0) + 1;
      if (!s.ok) {
        out.push(`  ${pad(s.who, 19)}${pad(String(runs[s.who]), 5)}FAILED: ${s.error ?? ''}`);
        continue;
      }
      out.push(
        `  ${pad(s.who, 19)}${pad(String(runs[s.who]), 5)}${pad(fmt(s.mibPerSec), 10)}${pad(fmt(s.seconds, 2), 10)}${pad(fmt(s.cpuSeconds, 2), 9)}` +
          `${pad(`${fmt(s.userSeconds, 1)}+${fmt(s.sysSeconds, 1)}`, 12)}${pad(fmt(s.cpuPerGiB, 2), 11)}${pad(fmt(s.peakRssMiB, 0), 13)}`,
      );
    }
    const names = Object.keys(r.median);
    out.push(`  median MiB/s: ${names.map((n) => `${n} ${fmt(r.median[n])}`).join(', ')}; ratio ${names[0] ?? ''}/${names[1] ?? ''} = ${fmt(r.ratio, 2)}×`);
    if (r.note) out.push(`  note: ${r.note}`);
  }

  const targets: Target[] = [];
  const byName = new Map(results.map((r) => [r.name, r]));
  const tSamples = (name: string): Sample[] => byName.get(name)?.samples.filter((s) => s.who === 'tessera' && s.ok) ?? [];
  const big = byName.get('big');
  const small = byName.get('small');
  const seed = byName.get('seed');
  const lMedian = (name: string, field: 'cpuPerGiB'): number | null => median(byName.get(name)?.samples.filter((s) => s.who === 'libtorrent' && s.ok).map((s) => s[field]) ?? []);
  // Issue 11: ≥ 1.0× at both piece sizes, quiet and with one core busy, and CPU per GiB no more than libtorrent's.
  for (const [name, what] of [['big', '1 MiB pieces'], ['small', '16 KiB pieces'], ['big-loaded', '1 MiB pieces, one core busy'], ['small-loaded', '16 KiB pieces, one core busy']] as const) {
    const r = byName.get(name);
    if (!r || o.libtorrentOnly) continue;
    targets.push({ what: `throughput, ${what} (Tessera/libtorrent)`, value: r.ratio, limit: '≥ 1.0×', pass: r.ratio === null ? null : r.ratio >= 1.0 });
    const cpu = median(tSamples(name).map((s) => s.cpuPerGiB));
    const lcpu = lMedian(name, 'cpuPerGiB');
    const cpuRatio = cpu !== null && lcpu !== null ? cpu / lcpu : null;
    targets.push({ what: `CPU per GiB, ${what} (Tessera/libtorrent)`, value: cpuRatio, limit: '≤ 1.0×', pass: cpuRatio === null ? null : cpuRatio <= 1.0 });
  }
  for (const name of ['create', 'create-hybrid']) {
    const r = byName.get(name);
    if (r && !o.libtorrentOnly) targets.push({ what: `${name === 'create' ? 'create v1' : 'create hybrid'}, 16 KiB pieces (Tessera/libtorrent)`, value: r.ratio, limit: '≥ 1.0×', pass: r.ratio === null ? null : r.ratio >= 1.0 });
  }
  if ((big || small) && !o.libtorrentOnly) {
    const all = ['big', 'small', 'big-loaded', 'small-loaded'].flatMap((n) => tSamples(n)).map((s) => s.peakRssMiB);
    const peak = all.length ? Math.max(...all) : null;
    targets.push({ what: 'Tessera peak RSS, MiB (max over runs)', value: peak, limit: '≤ 200', pass: peak === null ? null : peak <= 200 });
  }
  const utp = byName.get('utp');
  if (utp && !o.libtorrentOnly) targets.push({ what: 'throughput over uTP (Tessera/libtorrent)', value: utp.ratio, limit: '≥ 1.0×', pass: utp.ratio === null ? null : utp.ratio >= 1.0 });
  const many = byName.get('many');
  if (many && !o.libtorrentOnly) {
    targets.push({ what: 'many seeders: Tessera from all / from one', value: many.manyVsOne ?? null, limit: '≥ 1.0×', pass: many.manyVsOne == null ? null : many.manyVsOne >= 1.0 });
    targets.push({ what: 'many seeders: Tessera / libtorrent, both from all', value: many.ratio, limit: '≥ 1.0×', pass: many.ratio === null ? null : many.ratio >= 1.0 });
    const rss = many.samples.filter((s) => s.who === 'tessera-many' && s.ok).map((s) => s.peakRssMiB);
    const peak = rss.length ? Math.max(...rss) : null;
    targets.push({ what: 'many seeders: Tessera peak RSS, MiB (max over runs)', value: peak, limit: '≤ 200', pass: peak === null ? null : peak <= 200 });
  }
  const huge = byName.get('huge');
  if (huge && !o.libtorrentOnly) {
    const peak = (name: string): number | null => {
      const rss = tSamples(name).map((s) => s.peakRssMiB);
      return rss.length ? Math.max(...rss) : null;
    };
    const big4 = peak('huge');
    targets.push({ what: `${o.hugeMiB} MiB / 16 KiB pieces: Tessera peak RSS, MiB`, value: big4, limit: '≤ 200', pass: big4 === null ? null : big4 <= 200 });
    targets.push({ what: `${o.hugeMiB} MiB / 16 KiB pieces: Tessera/libtorrent`, value: huge.ratio, limit: '≥ 1.0×', pass: huge.ratio === null ? null : huge.ratio >= 1.0 });
    const flat = byName.get(`huge-${o.hugeFlatMiB}`) ? peak(`huge-${o.hugeFlatMiB}`) : null;
    if (flat !== null && big4 !== null) {
      const growth = big4 / flat;
      targets.push({ what: `Tessera peak RSS ${o.hugeMiB} MiB / ${o.hugeFlatMiB} MiB (flat in size)`, value: growth, limit: '≤ 1.1×', pass: growth <= 1.1 });
    }
  }
  if (seed) targets.push({ what: 'libtorrent leecher: from Tessera / from libtorrent', value: seed.ratio, limit: '≥ 0.9×', pass: seed.ratio === null ? null : seed.ratio >= 0.9 });

  out.push('');
  out.push('MiB/s uses each downloader\'s own timing from adding the torrent to finished (Tessera: --json secondsFromAdd, to the torrent turning complete; libtorrent: add_torrent to torrent_finished_alert; both close files and save resume data after).');
  out.push('CPU and peak RSS are the kernel\'s figures for the whole child process. libtorrent 2.0 memory-maps');
  out.push('its files, so its RSS counts file pages; Tessera\'s does not. Load average now: ' + loadavg().map((l) => l.toFixed(1)).join(' ') + ' (results are noisy on a busy machine).');
  out.push('Tessera\'s runs share one V8 compile cache, written by an untimed first run of each command (see warmUp), as a user\'s second and later runs find it.');
  if (process.env.NODE_EXTRA_CA_CERTS) out.push('Tessera ran without this machine\'s NODE_EXTRA_CA_CERTS (see benchEnv): Node would parse that CA bundle at every start.');
  out.push('');
  out.push('Targets:');
  for (const t of targets) {
    const verdict = t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'FAIL';
    out.push(`  ${verdict}  ${pad(t.what, 54)} ${pad(fmt(t.value, 2), 8)} (target ${t.limit})`);
  }
  process.stdout.write(out.join('\n') + '\n');
  return targets;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!o.libtorrentOnly) requireBuiltCli();
  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupted: cleaning up');
    void cleanup.run().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const results: CaseResult[] = [];
  try {
    const work = await cleanup.tempDir('bench');
    log(`work dir ${work}`);
    benchCompileCache = join(work, 'compile-cache');
    if (o.cases.has('big')) results.push(await benchDownload(cleanup, work, o, 'big', o.bigMiB * MiB, MiB));
    if (o.cases.has('small')) results.push(await benchDownload(cleanup, work, o, 'small', o.smallMiB * MiB, 16 * 1024));
    if (o.cases.has('big-loaded')) results.push(await benchLoaded(cleanup, work, o, 'big-loaded', o.bigMiB * MiB, MiB));
    if (o.cases.has('small-loaded')) results.push(await benchLoaded(cleanup, work, o, 'small-loaded', o.smallMiB * MiB, 16 * 1024));
    if (o.cases.has('create')) results.push(...(await benchCreate(work, o)));
    if (o.cases.has('utp')) results.push(await benchDownload(cleanup, work, o, 'utp', o.utpMiB * MiB, MiB, true));
    if (o.cases.has('seed') && !o.libtorrentOnly) results.push(await benchSeeding(cleanup, work, o, o.bigMiB * MiB));
    if (o.cases.has('many')) results.push(await benchMany(cleanup, work, o));
    if (o.cases.has('huge') && o.hugeFlatMiB > 0 && o.hugeFlatMiB !== o.hugeMiB) results.push(await benchHuge(cleanup, work, o, o.hugeFlatMiB));
    if (o.cases.has('huge')) results.push(await benchHuge(cleanup, work, o, o.hugeMiB));
  } finally {
    await cleanup.run();
  }
  const targets = report(results, o);
  if (o.json) {
    await writeFile(o.json, JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, runs: o.runs, results, targets }, null, 2));
    log(`results written to ${o.json}`);
  }
  if (o.strict && targets.some((t) => t.pass !== true)) process.exit(1);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
