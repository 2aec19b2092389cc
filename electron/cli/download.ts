import { openTorrent, signalExitCode, untilInterrupted } from './session-setup.js';
import { describeHealth, describeReachability, type EngineTorrent, type TorrentStats } from '../engine/index.js';
import { stateDirProblem } from './state-dir.js';
import { progressLine, wantedProgress } from './progress.js';
import { STALL_MS, StallWatch, stallReport } from './stall-watch.js';
import { downloadProgress, statusMode } from './status-output.js';
import { commandUsage } from './usage.js';

const USAGE = commandUsage('download');

/**
 * `tessera download`: fetches a torrent into --dir and exits 0 only once every piece is
 * verified on disk. Progress on stderr (redrawn on a terminal, paced lines into a file or pipe);
 * `--json` prints one summary object at the end.
 */
export async function runDownload(argv: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  // Ctrl-C at any moment, the initial check included, stops cleanly (the resume record is saved).
  const interrupted = untilInterrupted();
  const opened = await openTorrent(argv, USAGE, { allowMagnet: true, interrupted: { signal: interrupted, exitCode: signalExitCode } });
  if (typeof opened === 'number') return opened;
  const { session, close, torrent, json, verbose, addedAt, dir } = opened;
  // A folder it cannot write into: the download waited forever at 0 % (nothing can be saved),
  // unless the data is already complete, which only needs reading.
  const unwritable = await cannotWrite(dir, torrent.stats());
  if (unwritable !== null) {
    process.stderr.write(`tessera: ${unwritable}\n`);
    await close();
    return 1;
  }

  const mode = statusMode(json, process.stderr.isTTY);
  const tty = mode === 'terminal';
  const showProgress = downloadProgress(mode);
  const progress =
    mode === 'json'
      ? null
      : setInterval(() => {
          const text = showProgress(torrent.stats(), Date.now());
          if (text !== null) process.stderr.write(text);
        }, 500);
  const stalls = watchStalls(torrent, tty, verbose);

  // The moment every piece is verified and written: the torrent turns 'seeding' before it
  // closes its files and saves its resume record ('done' follows those).
  let completed: bigint | null = torrent.stats().state === 'seeding' ? process.hrtime.bigint() : null;
  torrent.on('state', (state) => {
    if (state === 'seeding' && completed === null) completed = process.hrtime.bigint();
  });
  const outcome = await new Promise<'done' | 'error' | 'interrupted'>((resolve) => {
    if (torrent.stats().state === 'seeding') return resolve('done');
    if (torrent.stats().state === 'error') return resolve('error');
    torrent.on('done', () => resolve('done'));
    torrent.on('error', () => resolve('error'));
    void interrupted.then(() => resolve('interrupted'));
  });
  clearInterval(stalls);
  if (progress) {
    clearInterval(progress);
    // The last state, always: on a terminal it ends the line redrawn in place.
    process.stderr.write(tty ? `\r${progressLine(torrent.stats())}\x1b[K\n` : `${progressLine(torrent.stats())}\n`);
  }
  const stats = torrent.stats();
  const wanted = wantedProgress(stats);
  const finished = process.hrtime.bigint();
  const seconds = Number(finished - started) / 1e9;
  // From adding the torrent to the session until it completed, as libtorrent's add_torrent to
  // torrent_finished_alert is timed (libtorrent too releases its files and saves resume data after).
  const secondsFromAdd = Number((completed ?? finished) - addedAt) / 1e9;
  const dataPeers = (torrent as EngineTorrent & { dataPeerCount?: number }).dataPeerCount ?? 0;
  const webSeeds = torrent
    .peers()
    .filter((p) => p.id.startsWith('webseed:'))
    .map((p) => ({ url: p.address, downloaded: p.downloaded }));
  if (verbose) process.stderr.write(`tessera: ${describeReachability(session.reachability())}\n`);
  await close();

  if (json) {
    const summary = {
      infoHash: stats.infoHash,
      size: stats.size,
      // Over the wanted part (files not set to "Do not download"), as qBittorrent's progress.
      wantedSize: wanted.size,
      completedBytes: wanted.done,
      progress: Math.floor(wanted.fraction * 1e6) / 1e6,
      downloaded: stats.downloaded,
      seconds: Number(seconds.toFixed(3)),
      secondsFromAdd: Number(secondsFromAdd.toFixed(3)),
      peers: dataPeers,
      webSeeds,
      hashFailures: stats.hashFailures,
      checkedPieces: stats.checkedPieces ?? 0,
      resumedPieces: stats.resumedPieces ?? 0,
      state: stats.state,
      ...(stats.error ? { error: stats.error } : {}),
    };
    process.stdout.write(JSON.stringify(summary) + '\n');
  }
  if (outcome === 'done') {
    if (!json) process.stdout.write(`${stats.name}: complete, ${wanted.done} bytes verified in ${seconds.toFixed(1)} s\n`);
    return 0;
  }
  if (outcome === 'error') process.stderr.write(`tessera: ${stats.error ?? 'download failed'}\n`);
  else process.stderr.write('tessera: interrupted\n');
  return outcome === 'interrupted' ? signalExitCode(await interrupted) : 1;
}

/** Why the download cannot go on in `dir` (null when it can, or has nothing left to write). */
export async function cannotWrite(dir: string, s: TorrentStats): Promise<string | null> {
  if (s.state === 'seeding' || s.state === 'error') return null;
  const problem = await stateDirProblem(dir);
  return problem === null ? null : `cannot write into ${dir} (${problem}): nothing can be downloaded there`;
}

/** When nothing arrives for 30 s, print the engine's diagnosis (the UI's health panel): once per stall, or every 30 s with --verbose. */
function watchStalls(torrent: EngineTorrent, tty: boolean, verbose: boolean): NodeJS.Timeout {
  const watch = new StallWatch(Date.now(), STALL_MS, verbose ? Number.POSITIVE_INFINITY : 1);
  return setInterval(() => {
    const now = Date.now();
    if (!watch.check(now, torrent.stats())) return;
    const causes = torrent.health?.().causes ?? [];
    process.stderr.write((tty ? '\n' : '') + stallReport(watch.quietFor(now) / 1000, describeHealth(causes)));
  }, 1000).unref();
}
