import fs from 'node:fs/promises';
import path from 'node:path';
import { createSession, defaultStateDir, dhtSettings, TorrentInputError, type EngineTorrent, type TorrentSource } from '../engine/index.js';
import { parseArgs, parsePeerAddress, parsePort, parseRateLimit, UsageError } from './args.js';
import { progressLine } from './progress.js';

const USAGE =
  'usage: tessera download <file.torrent | magnet-uri> --dir <dir> [--peer host:port]... [--port P] [--no-dht] [--dht-bootstrap host:port]... [--state-dir D] [--download-limit KiB/s] [--upload-limit KiB/s] [--json] [--verbose]';

/**
 * `tessera download`: fetches a torrent into --dir and exits 0 only once every piece is
 * verified on disk. Progress on a terminal; `--json` prints one summary object at the end.
 */
export async function runDownload(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { options: ['dir', 'peer', 'port', 'dht-bootstrap', 'state-dir', 'download-limit', 'upload-limit'], flags: ['json', 'verbose', 'no-dht'] });
  const [torrentPath, ...extra] = args.positionals;
  if (!torrentPath || extra.length > 0) throw new UsageError(USAGE);
  const dht = dhtSettings({ noDht: args.flags.has('no-dht'), bootstrap: args.options.get('dht-bootstrap') ?? [] });
  const dir = path.resolve(args.options.get('dir')?.[0] ?? '.');
  const peers = (args.options.get('peer') ?? []).map(parsePeerAddress);
  const port = parsePort(args.options.get('port')?.[0]);
  const json = args.flags.has('json');
  const verbose = args.flags.has('verbose');

  let source: TorrentSource;
  if (torrentPath.startsWith('magnet:')) {
    source = { kind: 'magnet', uri: torrentPath };
  } else {
    try {
      source = { kind: 'torrent', bytes: await fs.readFile(torrentPath) };
    } catch (err) {
      process.stderr.write(`tessera: cannot read ${torrentPath}: ${(err as Error).message}\n`);
      return 2;
    }
  }

  const started = process.hrtime.bigint();
  // The state folder gives fast resume: the same command after Ctrl-C or kill -9 continues.
  const stateDir = path.resolve(args.options.get('state-dir')?.[0] ?? defaultStateDir());
  const session = await createSession({ downloadDir: dir, stateDir, restore: false, ...dht, ...(port === undefined ? {} : { port }) });
  session.setRateLimits({
    download: parseRateLimit(args.options.get('download-limit')?.[0], 'download-limit') ?? 0,
    upload: parseRateLimit(args.options.get('upload-limit')?.[0], 'upload-limit') ?? 0,
  });
  if (verbose) session.on('warning', (m) => process.stderr.write(`tessera: ${m}\n`));
  let torrent: EngineTorrent;
  try {
    torrent = await session.add(source, { savePath: dir, peers });
  } catch (err) {
    await session.close();
    if (err instanceof TorrentInputError) {
      process.stderr.write(`tessera: ${torrentPath}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (verbose) process.stderr.write(`tessera: listening on port ${session.port}\n`);

  const tty = process.stderr.isTTY && !json;
  const progress = tty ? setInterval(() => process.stderr.write(`\r${progressLine(torrent.stats())}\x1b[K`), 500) : null;

  const outcome = await new Promise<'done' | 'error' | 'interrupted'>((resolve) => {
    if (torrent.stats().state === 'seeding') return resolve('done');
    if (torrent.stats().state === 'error') return resolve('error');
    torrent.on('done', () => resolve('done'));
    torrent.on('error', () => resolve('error'));
    const interrupt = (): void => resolve('interrupted');
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
  });
  if (progress) {
    clearInterval(progress);
    process.stderr.write(`\r${progressLine(torrent.stats())}\x1b[K\n`);
  }
  const stats = torrent.stats();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const dataPeers = (torrent as EngineTorrent & { dataPeerCount?: number }).dataPeerCount ?? 0;
  await session.close();

  if (json) {
    const summary = {
      infoHash: stats.infoHash,
      size: stats.size,
      downloaded: stats.downloaded,
      seconds: Number(seconds.toFixed(3)),
      peers: dataPeers,
      hashFailures: stats.hashFailures,
      checkedPieces: stats.checkedPieces ?? 0,
      resumedPieces: stats.resumedPieces ?? 0,
      state: stats.state,
      ...(stats.error ? { error: stats.error } : {}),
    };
    process.stdout.write(JSON.stringify(summary) + '\n');
  }
  if (outcome === 'done') {
    if (!json) process.stdout.write(`${stats.name}: complete, ${stats.size} bytes verified in ${seconds.toFixed(1)} s\n`);
    return 0;
  }
  if (outcome === 'error') process.stderr.write(`tessera: ${stats.error ?? 'download failed'}\n`);
  else process.stderr.write('tessera: interrupted\n');
  return outcome === 'interrupted' ? 130 : 1;
}
