import fs from 'node:fs/promises';
import path from 'node:path';
import { createSession, defaultStateDir, describeReachability, dhtSettings, ENCRYPTION_MODES, reachSettings, TorrentInputError, type EncryptionMode, type EngineTorrent, type Session, type TorrentSource } from '../engine/index.js';
import { parseArgs, parsePeerAddress, parsePort, parseRateLimit, UsageError, type ParsedArgs } from './args.js';

/** Options every transfer command (download, seed) takes, in the usage line's words. */
export const SESSION_USAGE =
  '--dir <dir> [--peer host:port]... [--port P] [--no-dht] [--dht-bootstrap host:port]... [--state-dir D] [--download-limit KiB/s] [--upload-limit KiB/s] [--encryption allow|require|disable] [--no-port-mapping] [--no-lsd] [--no-utp] [--json] [--verbose]';

const SESSION_OPTIONS = ['dir', 'peer', 'port', 'dht-bootstrap', 'state-dir', 'download-limit', 'upload-limit', 'encryption'];
const SESSION_FLAGS = ['json', 'verbose', 'no-dht', 'no-port-mapping', 'no-lsd', 'no-utp'];

export interface OpenedTorrent {
  session: Session;
  torrent: EngineTorrent;
  args: ParsedArgs;
  dir: string;
  json: boolean;
  verbose: boolean;
  /** process.hrtime.bigint() when the torrent was handed to the session (start-up done). */
  addedAt: bigint;
}

function parseEncryption(value: string | undefined): EncryptionMode {
  if (value === undefined) return 'allow';
  const mode = ENCRYPTION_MODES.find((m) => m === value);
  if (!mode) throw new UsageError(`--encryption must be one of ${ENCRYPTION_MODES.join(', ')}`);
  return mode;
}

/**
 * Parses a transfer command's arguments, reads the torrent (file or magnet), starts a
 * session on the shared state folder and adds the torrent. Returns an exit code instead
 * when the input is unusable (2: unreadable or invalid torrent), after printing why.
 */
export async function openTorrent(
  argv: string[],
  usage: string,
  extra: { options?: string[]; flags?: string[]; allowMagnet: boolean; paused?: boolean },
): Promise<OpenedTorrent | number> {
  const args = parseArgs(argv, { options: [...SESSION_OPTIONS, ...(extra.options ?? [])], flags: [...SESSION_FLAGS, ...(extra.flags ?? [])] });
  const [input, ...rest] = args.positionals;
  if (!input || rest.length > 0) throw new UsageError(usage);
  const dir = path.resolve(args.options.get('dir')?.[0] ?? '.');
  const peers = (args.options.get('peer') ?? []).map(parsePeerAddress);
  const port = parsePort(args.options.get('port')?.[0]);
  const limits = {
    download: parseRateLimit(args.options.get('download-limit')?.[0], 'download-limit') ?? 0,
    upload: parseRateLimit(args.options.get('upload-limit')?.[0], 'upload-limit') ?? 0,
  };
  const dht = dhtSettings({ noDht: args.flags.has('no-dht'), bootstrap: args.options.get('dht-bootstrap') ?? [] });
  // The state folder gives fast resume: the same command after Ctrl-C or kill -9 continues.
  const stateDir = path.resolve(args.options.get('state-dir')?.[0] ?? defaultStateDir());
  const verbose = args.flags.has('verbose');
  const encryption = parseEncryption(args.options.get('encryption')?.[0]);

  let source: TorrentSource;
  if (extra.allowMagnet && input.startsWith('magnet:')) {
    source = { kind: 'magnet', uri: input };
  } else {
    try {
      source = { kind: 'torrent', bytes: await fs.readFile(input) };
    } catch (err) {
      process.stderr.write(`tessera: cannot read ${input}: ${(err as Error).message}\n`);
      return 2;
    }
  }

  const reach = reachSettings({ noPortMapping: args.flags.has('no-port-mapping'), noLsd: args.flags.has('no-lsd') });
  const session = await createSession({ downloadDir: dir, stateDir, restore: false, encryption, ...dht, ...reach, ...(args.flags.has('no-utp') ? { utp: false } : {}), ...(port === undefined ? {} : { port }) });
  session.setRateLimits(limits);
  if (verbose) {
    session.on('warning', (m) => process.stderr.write(`tessera: ${m}\n`));
    // Whether peers outside can reach us: port mapped (how, where), incoming seen, or only outgoing.
    session.on('reachability', (r) => process.stderr.write(`tessera: ${describeReachability(r)}\n`));
  }
  try {
    // Paused: the data is checked, but no tracker or peer hears of it until the caller resumes it.
    const addedAt = process.hrtime.bigint();
    const torrent = await session.add(source, { savePath: dir, peers, paused: extra.paused ?? false });
    if (verbose) {
      process.stderr.write(`tessera: listening on port ${session.port} (${session.listenFamilies.map((f) => `IPv${f}`).join(' and ')})\n`);
      process.stderr.write(`tessera: ${describeReachability(session.reachability())}\n`);
    }
    return { session, torrent, args, dir, json: args.flags.has('json'), verbose, addedAt };
  } catch (err) {
    await session.close();
    if (err instanceof TorrentInputError) {
      process.stderr.write(`tessera: ${input}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/**
 * Resolves on the first Ctrl-C (SIGINT) or SIGTERM. Call it first thing: until a listener
 * exists those signals kill the process outright (no resume record saved, no `stopped`
 * announce) — e.g. while the data is being checked, or just after `ready` was printed.
 */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
