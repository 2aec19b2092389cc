import { openTorrent, untilInterrupted } from './session-setup.js';
import type { EngineTorrent, TorrentStats } from '../engine/index.js';
import { formatBytes } from './progress.js';
import { seedStatus, statusMode, type StatusMode, type StatusWriter } from './status-output.js';
import { commandUsage } from './usage.js';

const USAGE = commandUsage('seed');

/**
 * `tessera seed`: checks the data in --dir, then uploads to whoever asks, printing peers
 * and the upload rate, until Ctrl-C (which announces `stopped` to the trackers; exit 0).
 * With --json: one `ready` object once the check is done, then a `status` object (sampled once a
 * second) whenever one of its fields changed.
 *
 * It only seeds complete data: when the check finds pieces missing or damaged it says how
 * many in one line and exits 1 before any tracker or peer hears of the torrent (`tessera
 * download` completes it). When the torrent goes to the error state while seeding (its data
 * deleted, truncated or unreadable), it stops (trackers are told `stopped`), prints the
 * reason in one line — and with --json an `error` object — and exits 1.
 */
export async function runSeed(argv: string[]): Promise<number> {
  const interrupted = untilInterrupted();
  // Stopped by a signal, seed exits 0 (README), during the check too.
  const opened = await openTorrent(argv, USAGE, { allowMagnet: false, paused: true, dirMustExist: true, interrupted: { signal: interrupted, exitCode: () => 0 } });
  if (typeof opened === 'number') return opened;
  const { session, close, torrent, json, dir } = opened;
  const first = torrent.stats();
  const refusal = cannotSeed(first, dir);
  if (refusal) {
    process.stderr.write(`tessera: ${refusal}\n`);
    await close();
    return 1;
  }
  const failed = new Promise<string>((resolve) => torrent.on('error', (message) => resolve(message)));
  await torrent.resume();
  if (json) {
    process.stdout.write(
      JSON.stringify({
        event: 'ready',
        port: session.port,
        infoHash: first.infoHash,
        pieces: first.pieceCount,
        verified: first.verifiedPieces,
        // As in `download --json`: pieces hashed from disk at start, and trusted from the resume record.
        checkedPieces: first.checkedPieces ?? 0,
        resumedPieces: first.resumedPieces ?? 0,
      }) + '\n',
    );
  } else {
    process.stdout.write(`seeding ${first.name} (${first.pieceCount} pieces) on port ${session.port}\n`);
  }
  const mode = statusMode(json, process.stdout.isTTY);
  const status = startStatus(torrent, seedStatus(mode));
  const outcome = await Promise.race([interrupted.then(() => null), failed]);
  clearInterval(status);
  if (outcome !== null) {
    // The torrent already stopped talking to peers and trackers; close() waits for the rest.
    if (mode === 'terminal') process.stdout.write('\n');
    if (json) process.stdout.write(JSON.stringify({ event: 'error', message: outcome, uploaded: torrent.stats().uploaded }) + '\n');
    await close();
    process.stderr.write(`tessera: ${first.name}: ${outcome}\n`);
    return 1;
  }
  await close();
  process.stdout.write(stoppedLine(torrent.stats().uploaded, mode));
  return 0;
}

/** The last line after Ctrl-C or SIGTERM; with --json an object like the others, so a reader sees the end. */
export function stoppedLine(uploaded: number, mode: StatusMode): string {
  if (mode === 'json') return `${JSON.stringify({ event: 'stopped', uploaded })}\n`;
  // On a terminal the status line being redrawn is ended first.
  return `${mode === 'terminal' ? '\n' : ''}stopped; uploaded ${formatBytes(uploaded)}\n`;
}

/** Why the checked data cannot be seeded (null when it can). */
function cannotSeed(s: TorrentStats, dir: string): string | null {
  if (s.state === 'error') return s.error ?? 'cannot seed';
  if (s.verifiedPieces === 0) return `no verified data for ${s.name} in ${dir}: nothing to seed`;
  if (s.verifiedPieces < s.pieceCount) {
    const missing = s.pieceCount - s.verifiedPieces;
    return `the data for ${s.name} in ${dir} is incomplete (${missing} of ${s.pieceCount} pieces missing or damaged): cannot seed it; \`tessera download\` completes it`;
  }
  return null;
}

/** Samples the torrent once a second and writes what `write` makes of it (status-output.ts). */
function startStatus(torrent: EngineTorrent, write: StatusWriter): NodeJS.Timeout {
  return setInterval(() => {
    const text = write(torrent.stats(), Date.now());
    if (text !== null) process.stdout.write(text);
  }, 1000);
}
