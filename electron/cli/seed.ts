import { openTorrent, SESSION_USAGE, untilInterrupted } from './session-setup.js';
import type { EngineTorrent } from '../engine/index.js';
import { formatBytes } from './progress.js';

const USAGE = `usage: tessera seed <file.torrent> ${SESSION_USAGE}`;

/**
 * `tessera seed`: checks the data in --dir, then uploads to whoever asks, printing peers
 * and the upload rate, until Ctrl-C (which announces `stopped` to the trackers).
 * With --json: one `ready` object once the check is done, then one `status` object a second.
 */
export async function runSeed(argv: string[]): Promise<number> {
  const interrupted = untilInterrupted();
  const opened = await openTorrent(argv, USAGE, { allowMagnet: false });
  if (typeof opened === 'number') return opened;
  const { session, torrent, json, dir } = opened;
  const first = torrent.stats();
  if (first.state === 'error') {
    process.stderr.write(`tessera: ${first.error ?? 'cannot seed'}\n`);
    await session.close();
    return 1;
  }
  if (first.verifiedPieces === 0) {
    process.stderr.write(`tessera: no verified data for ${first.name} in ${dir}: nothing to seed\n`);
    await session.close();
    return 1;
  }
  const complete = first.verifiedPieces === first.pieceCount;
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
    process.stdout.write(`seeding ${first.name} (${first.verifiedPieces}/${first.pieceCount} pieces) on port ${session.port}\n`);
    if (!complete) process.stdout.write('  data is incomplete: the missing pieces will be downloaded from peers\n');
  }
  const status = setInterval(() => printStatus(torrent, json), 1000);
  await interrupted;
  clearInterval(status);
  await session.close();
  if (!json) process.stdout.write(`\nstopped; uploaded ${formatBytes(torrent.stats().uploaded)}\n`);
  return 0;
}

function printStatus(torrent: EngineTorrent, json: boolean): void {
  const s = torrent.stats();
  if (json) {
    process.stdout.write(JSON.stringify({ event: 'status', peers: s.peers, uploaded: s.uploaded, uploadRate: Math.round(s.uploadRate), state: s.state }) + '\n');
    return;
  }
  const line = `${s.peers} peers  up ${formatBytes(s.uploadRate)}/s  total ${formatBytes(s.uploaded)}  ${s.state}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line}\x1b[K`);
  else process.stdout.write(line + '\n');
}
