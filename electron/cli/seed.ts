import fs from 'node:fs/promises';
import path from 'node:path';
import { createSession, defaultStateDir, dhtSettings, TorrentInputError, type EngineTorrent } from '../engine/index.js';
import { parseArgs, parsePeerAddress, parsePort, parseRateLimit, UsageError } from './args.js';
import { formatBytes } from './progress.js';

const USAGE =
  'usage: tessera seed <file.torrent> --dir <dir> [--port P] [--peer host:port]... [--no-dht] [--dht-bootstrap host:port]... [--state-dir D] [--download-limit KiB/s] [--upload-limit KiB/s] [--json] [--verbose]';

/**
 * `tessera seed`: checks the data in --dir, then uploads to whoever asks, printing peers
 * and the upload rate, until Ctrl-C (which announces `stopped` to the trackers).
 * With --json: one `ready` object once the check is done, then one `status` object a second.
 */
export async function runSeed(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { options: ['dir', 'peer', 'port', 'dht-bootstrap', 'state-dir', 'download-limit', 'upload-limit'], flags: ['json', 'verbose', 'no-dht'] });
  const [torrentPath, ...extra] = args.positionals;
  if (!torrentPath || extra.length > 0) throw new UsageError(USAGE);
  const dir = path.resolve(args.options.get('dir')?.[0] ?? '.');
  const port = parsePort(args.options.get('port')?.[0]);
  const peers = (args.options.get('peer') ?? []).map(parsePeerAddress);
  const json = args.flags.has('json');
  const dht = dhtSettings({ noDht: args.flags.has('no-dht'), bootstrap: args.options.get('dht-bootstrap') ?? [] });
  const stateDir = path.resolve(args.options.get('state-dir')?.[0] ?? defaultStateDir());

  let bytes: Buffer;
  try {
    bytes = await fs.readFile(torrentPath);
  } catch (err) {
    process.stderr.write(`tessera: cannot read ${torrentPath}: ${(err as Error).message}\n`);
    return 2;
  }
  const session = await createSession({ downloadDir: dir, stateDir, restore: false, ...dht, ...(port === undefined ? {} : { port }) });
  session.setRateLimits({
    download: parseRateLimit(args.options.get('download-limit')?.[0], 'download-limit') ?? 0,
    upload: parseRateLimit(args.options.get('upload-limit')?.[0], 'upload-limit') ?? 0,
  });
  if (args.flags.has('verbose')) session.on('warning', (m) => process.stderr.write(`tessera: ${m}\n`));
  let torrent: EngineTorrent;
  try {
    torrent = await session.add({ kind: 'torrent', bytes }, { savePath: dir, peers });
  } catch (err) {
    await session.close();
    if (err instanceof TorrentInputError) {
      process.stderr.write(`tessera: ${torrentPath}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
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
      JSON.stringify({ event: 'ready', port: session.port, infoHash: first.infoHash, pieces: first.pieceCount, verified: first.verifiedPieces }) + '\n',
    );
  } else {
    process.stdout.write(`seeding ${first.name} (${first.verifiedPieces}/${first.pieceCount} pieces) on port ${session.port}\n`);
    if (!complete) process.stdout.write('  data is incomplete: the missing pieces will be downloaded from peers\n');
  }
  const status = setInterval(() => printStatus(torrent, json), 1000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
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
