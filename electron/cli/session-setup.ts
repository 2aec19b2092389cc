import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createSession, defaultStateDir, describeReachability, dhtSettings, ENCRYPTION_MODES, reachSettings, TorrentInputError, type EncryptionMode, type EngineTorrent, type Session, type TorrentSource } from '../engine/index.js';
import { parseArgs, parsePeerAddress, parsePort, parseRateLimit, UsageError, type ParsedArgs } from './args.js';
import { isMagnetUri } from './magnet-input.js';
import { stateDirProblem } from './state-dir.js';
import { makeFolders } from '../engine/util/make-folders.js';
import { readTorrentFile } from './torrent-file.js';
import { lockTransfer } from './transfer-lock.js';
import { parseMagnet } from '../engine/magnet/magnet.js';
import { parseTorrentAsync } from '../engine/metainfo/index.js';
import { MAX_TORRENT_FILE_BYTES } from '../../shared/contract/commands.js';
import { errorText } from '../../shared/error-text.js';

/** What download and seed accept (usage.ts's SESSION_USAGE shows them; a test keeps the two in step). */
export const SESSION_OPTIONS = ['dir', 'peer', 'port', 'dht-bootstrap', 'state-dir', 'download-limit', 'upload-limit', 'encryption'];
export const SESSION_FLAGS = ['json', 'verbose', 'no-dht', 'no-port-mapping', 'no-lsd', 'no-utp'];

export interface OpenedTorrent {
  session: Session;
  /** Closes the session and releases the torrent's folder lock (transfer-lock.ts). */
  close(): Promise<void>;
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
  extra: {
    options?: string[];
    flags?: string[];
    allowMagnet: boolean;
    paused?: boolean;
    dirMustExist?: boolean;
    /** Ctrl-C or SIGTERM (untilInterrupted), and the exit code it means for this command. */
    interrupted?: { signal: Promise<InterruptSignal>; exitCode: (signal: InterruptSignal) => number };
  },
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

  const source = await readSource(input, extra.allowMagnet);
  if (typeof source === 'number') return source;
  // Seeding reads data that must already be there: creating a mistyped --dir would only
  // leave an empty folder behind the refusal.
  if (await isNonFolder(dir)) {
    process.stderr.write(`tessera: --dir ${dir} is a file, not a folder\n`);
    return 1;
  }
  if (extra.dirMustExist && !(await isDirectory(dir))) {
    process.stderr.write(`tessera: ${dir} is not a folder: no data to seed\n`);
    return 1;
  }

  // Created here, one level at a time: the engine's recursive mkdir spun for good on a path it
  // cannot create under a folder that refuses with ENOENT (`--dir /proc/x`), deaf to Ctrl-C.
  if (!extra.dirMustExist) {
    try {
      await makeFolders(dir);
    } catch (err) {
      process.stderr.write(`tessera: cannot create --dir ${dir}: ${errorText(err)}\n`);
      return 1;
    }
  }

  // One command per torrent and folder (transfer-lock.ts): checked before anything is read or written.
  const lock = await lockSource(source, dir);
  if (lock === null) return 1;

  // Without a usable state folder the transfer still runs (its data is checked at start, as
  // transmission-cli and qBittorrent do with lost resume data), but the user is told so.
  const stateProblem = await stateDirProblem(stateDir);
  if (stateProblem !== null) {
    process.stderr.write(`tessera: cannot use the state folder ${stateDir} (${stateProblem}); continuing without it: a stopped download will check its data again instead of resuming\n`);
  }
  const reach = reachSettings({ noPortMapping: args.flags.has('no-port-mapping'), noLsd: args.flags.has('no-lsd') });
  let session: Session;
  try {
    session = await createSession({ downloadDir: dir, ...(stateProblem === null ? { stateDir } : {}), restore: false, encryption, ...dht, ...reach, ...(args.flags.has('no-utp') ? { utp: false } : {}), ...(port === undefined ? {} : { port }) });
  } catch (err) {
    lock();
    throw err;
  }
  session.setRateLimits(limits);
  const close = async (): Promise<void> => {
    try {
      await session.close();
    } finally {
      lock();
    }
  };
  if (verbose) {
    session.on('warning', (m) => process.stderr.write(`tessera: ${m}\n`));
    // Whether peers outside can reach us: port mapped (how, where), incoming seen, or not known (health-reach.ts reachVerdict).
    session.on('reachability', (r) => process.stderr.write(`tessera: ${describeReachability(r)}\n`));
  }
  try {
    // Paused: the data is checked, but no tracker or peer hears of it until the caller resumes it.
    const addedAt = process.hrtime.bigint();
    const adding = session.add(source, { savePath: dir, peers, paused: extra.paused ?? false });
    // Adding checks the data already in --dir (minutes for a large torrent): Ctrl-C stops it
    // there, as it does any other moment, instead of being heard only once the check is done.
    const interrupt = extra.interrupted;
    const first = interrupt ? await Promise.race([adding.then((t) => ({ torrent: t })), interrupt.signal.then((signal) => ({ signal }))]) : { torrent: await adding };
    if ('signal' in first) {
      adding.catch(() => undefined);
      process.stderr.write('tessera: interrupted while checking the data\n');
      await close();
      return interrupt ? interrupt.exitCode(first.signal) : 1;
    }
    const torrent = first.torrent;
    if (verbose) {
      process.stderr.write(`tessera: listening on port ${session.port} (${session.listenFamilies.map((f) => `IPv${f}`).join(' and ')})\n`);
      process.stderr.write(`tessera: ${describeReachability(session.reachability())}\n`);
    }
    return { session, close, torrent, args, dir, json: args.flags.has('json'), verbose, addedAt };
  } catch (err) {
    await close();
    if (err instanceof TorrentInputError) {
      process.stderr.write(`tessera: ${input}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/** The torrent named on the command line, or 2 after saying why it cannot be used. */
async function readSource(input: string, allowMagnet: boolean): Promise<TorrentSource | number> {
  if (isMagnetUri(input)) {
    if (allowMagnet) return { kind: 'magnet', uri: input };
    // Seeding checks the data against the pieces' hashes, which a magnet link does not carry.
    process.stderr.write('tessera: seeding needs a .torrent file, not a magnet link (`tessera download` fetches the data and metadata)\n');
    return 2;
  }
  let bytes: Buffer;
  try {
    bytes = await readTorrentFile(input, MAX_TORRENT_FILE_BYTES);
  } catch (err) {
    process.stderr.write(`tessera: cannot read ${input}: ${errorText(err)}\n`);
    return 2;
  }
  // Parsed once, here: the folder lock needs its info-hash and the session takes this parse. One
  // that fails is left to the session, which says why in its own words.
  const parsed = await parseTorrentAsync(bytes, { maxSize: MAX_TORRENT_FILE_BYTES, unchanging: true }).catch(() => undefined);
  return parsed ? { kind: 'torrent', bytes, parsed } : { kind: 'torrent', bytes };
}

/**
 * Takes the lock for the torrent in `dir`; returns its release, or null after saying who holds it.
 * A torrent or magnet that does not parse gets no lock: adding it fails with the engine's reason.
 */
async function lockSource(source: TorrentSource, dir: string): Promise<(() => void) | null> {
  let infoHash: string;
  try {
    if (source.kind === 'magnet') infoHash = parseMagnet(source.uri).infoHashHex;
    else if (source.parsed) infoHash = source.parsed.infoHashHex;
    else return () => undefined;
  } catch {
    return () => undefined;
  }
  const lock = await lockTransfer(infoHash, dir);
  if (lock.kind === 'held') {
    process.stderr.write(`tessera: another tessera (pid ${lock.owner}) is already downloading or seeding this torrent in ${dir}; wait for it to end or stop it (two would write the same files)\n`);
    return null;
  }
  if (lock.kind === 'unavailable') {
    process.stderr.write(`tessera: warning: cannot lock this torrent's folder (${lock.problem}); another tessera on the same torrent and folder would not be noticed\n`);
    return () => undefined;
  }
  const { release } = lock;
  // kill, a crash: the pid in the file is then dead and the next command takes the lock over.
  process.once('exit', release);
  return () => {
    process.off('exit', release);
    release();
  };
}

/** Whether `dir` exists as something other than a folder (a file where the data should go). */
async function isNonFolder(dir: string): Promise<boolean> {
  try {
    return !(await fs.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Resolves with the first Ctrl-C (SIGINT) or SIGTERM that arrives. Call it first thing: until a listener
 * exists those signals kill the process outright (no resume record saved, no `stopped`
 * announce) — e.g. while the data is being checked, or just after `ready` was printed.
 */
export function untilInterrupted(): Promise<InterruptSignal> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

export type InterruptSignal = 'SIGINT' | 'SIGTERM';

/** The shell's convention for a process stopped by a signal: 128 + its number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: InterruptSignal): number {
  return 128 + os.constants.signals[signal];
}
