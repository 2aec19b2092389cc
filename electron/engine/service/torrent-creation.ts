/**
 * One "Create torrent" job of one connection (the `createTorrent` command): hashes the source
 * with the engine's createTorrent (metainfo/create.ts), reports progress as `torrentCreation`
 * events at a bounded rate, returns the .torrent as bytes (the engine writes no .torrent file)
 * and, when asked, adds it with the source's folder as save path so it checks and seeds.
 *
 * Cancelling aborts the job's AbortSignal, which createTorrent checks before each entry of its
 * folder walk (a huge tree, or '/', can take long to list before any hashing) and which
 * terminates its hashing threads at once; the job then reports `cancelled` with nothing made.
 * Once the hashing is complete the .torrent exists and Cancel no longer applies, as in
 * qBittorrent's Torrent Creator (its thread checks for interruption only until the .torrent is
 * written; the add for seeding follows unconditionally): the add, when asked, completes and the
 * job reports `done` with the torrent. Honouring a late cancel would report `cancelled` for a
 * torrent that the session had already added (the add cannot be called back half-way).
 */
import { promises as fsp, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import {
  MAX_CREATED_TORRENT_BYTES,
  MAX_CREATE_NOTICE_CHARS,
  MAX_CREATE_NOTICES,
  MAX_NAME_CHARS,
  bytesToBase64,
  type AddResult,
  type CreateTorrentPayload,
  type CreatedTorrent,
  type TorrentCreationEvent,
} from '../../../shared/contract/index.js';
import { errorLine } from '../../../shared/error-text.js';
import { parseTorrentAsync, type CreateTorrentOptions } from '../metainfo/index.js';
import { clipText } from './views.js';

export type CreateFunction = (options: CreateTorrentOptions) => Promise<Buffer>;

export interface CreationJobOptions {
  id: string;
  payload: CreateTorrentPayload;
  create: CreateFunction;
  send: (event: TorrentCreationEvent) => void;
  /** Adds the made torrent, its data in `savePath` (the service's add, so every UI sees it). */
  seed: (bytes: Uint8Array, savePath: string) => Promise<AddResult>;
  /**
   * Start seeding only when the source's folder is inside this folder (the web host: its
   * download folder), null = anywhere (the desktop app). Seeding lets the UI rename and delete
   * the torrent's files; the web UI may otherwise change nothing outside the download folder.
   */
  seedRoot: string | null;
  /** Least time between two `hashing` events (ms). */
  progressIntervalMs: number;
  now?: () => number;
  log?: (message: string) => void;
}

export class CreationJob {
  readonly id: string;
  private readonly abort = new AbortController();
  private finished = false;
  /** The hashing is complete: from here on the job runs to its end whatever Cancel says. */
  private committed = false;
  /** Settles (never rejects) once the job sent its last event. */
  readonly done: Promise<void>;

  constructor(private readonly options: CreationJobOptions) {
    this.id = options.id;
    this.done = this.run();
  }

  get running(): boolean {
    return !this.finished;
  }

  /**
   * Stops the job (the walk at its next entry, the hashing at once); its `cancelled` event
   * follows. Once the hashing is complete it does nothing: the job then ends `done` (or `failed`).
   */
  cancel(): void {
    if (this.committed) return;
    this.abort.abort();
  }

  private get cancelled(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    const { id, send } = this.options;
    let event: TorrentCreationEvent;
    try {
      const torrent = await this.make();
      event = this.cancelled ? { type: 'torrentCreation', id, state: 'cancelled' } : { type: 'torrentCreation', id, state: 'done', torrent };
    } catch (err) {
      event = this.cancelled ? { type: 'torrentCreation', id, state: 'cancelled' } : { type: 'torrentCreation', id, state: 'failed', message: errorLine(err) };
    }
    this.finished = true;
    send(event);
  }

  private async make(): Promise<CreatedTorrent> {
    const { payload, id, send } = this.options;
    const now = this.options.now ?? Date.now;
    const source = path.resolve(payload.sourcePath);
    await checkSource(source);
    if (payload.startSeeding && this.options.seedRoot !== null) await checkSeedable(source, this.options.seedRoot);
    let lastSent = -Infinity;
    // Shown in the dialog's result (the CLI prints them): a folder of ten thousand dangling
    // links keeps its first notices and a count of the rest; all go to the log.
    const notices: string[] = [];
    let unshown = 0;
    const notice = (message: string): void => {
      this.options.log?.(`create torrent: ${message}`);
      if (notices.length < MAX_CREATE_NOTICES - 1) notices.push(clipText(message, MAX_CREATE_NOTICE_CHARS));
      else unshown++;
    };
    const bytes = await this.options.create({
      sourcePath: source,
      format: payload.format,
      ...(payload.pieceLength !== null ? { pieceLength: payload.pieceLength } : {}),
      trackerTiers: payload.trackerTiers,
      webSeeds: payload.webSeeds,
      ...(payload.source !== '' ? { source: payload.source } : {}),
      ...(payload.comment !== '' ? { comment: payload.comment } : {}),
      private: payload.private,
      createdBy: 'Tessera',
      onWarning: notice,
      signal: this.abort.signal,
      onProgress: (hashedBytes, totalBytes) => {
        const t = now();
        if (hashedBytes < totalBytes && t - lastSent < this.options.progressIntervalMs) return;
        lastSent = t;
        send({ type: 'torrentCreation', id, state: 'hashing', hashedBytes, totalBytes });
      },
    });
    this.abort.signal.throwIfAborted();
    // The point of no return: the .torrent is made; what follows reports its true outcome.
    this.committed = true;
    if (bytes.byteLength > MAX_CREATED_TORRENT_BYTES) {
      throw new Error(`The .torrent would be ${(bytes.byteLength / 1024 / 1024).toFixed(1)} MiB, more than clients accept: choose larger pieces`);
    }
    // Ours, just made: read back whatever its size, in chunks (one of 110,000 files held the
    // event loop 0.8 s, every tab and peer waiting).
    const meta = await parseTorrentAsync(bytes, { maxSize: bytes.byteLength });
    let seeding: AddResult | null = null;
    let seedError: string | null = null;
    if (payload.startSeeding) {
      try {
        seeding = await this.options.seed(bytes, path.dirname(source));
      } catch (err) {
        seedError = errorLine(err);
      }
    }
    return {
      name: clipText(meta.name, MAX_NAME_CHARS),
      infoHash: meta.infoHashHex,
      infoHashV2: meta.infoHashV2?.toString('hex') ?? null,
      pieceCount: meta.pieceCount,
      pieceLength: meta.pieceLength,
      totalBytes: meta.payloadLength,
      data: bytesToBase64(bytes),
      seeding,
      seedError,
      notices: unshown > 0 ? [...notices, `and ${unshown} more notice${unshown === 1 ? '' : 's'} (see the log)`] : notices,
    };
  }
}

/** Refuses (before any hashing) to seed from a folder outside `root`, links resolved. */
async function checkSeedable(source: string, root: string): Promise<void> {
  const folder = await fsp.realpath(path.dirname(source));
  const realRoot = await fsp.realpath(root).catch(() => path.resolve(root));
  const relative = path.relative(realRoot, folder);
  if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) return;
  throw new Error(`Start seeding works here only for files inside the download folder (${root}): untick it to only make the .torrent, or move the files there first`);
}

/**
 * A clear error for a source that is missing or unreadable, before any hashing (createTorrent
 * would say "ENOENT: no such file or directory, stat '…'"). An empty folder or empty files are
 * createTorrent's to refuse ("contains no files", "every file is empty").
 */
async function checkSource(source: string): Promise<void> {
  let stat;
  try {
    stat = await fsp.stat(source);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new Error(`Nothing at ${source}: no such file or folder on the machine running Tessera`);
    if (code === 'EACCES' || code === 'EPERM') throw new Error(`Cannot read ${source}: permission denied`);
    throw err;
  }
  if (!stat.isFile() && !stat.isDirectory()) throw new Error(`${source} is neither a file nor a folder`);
  try {
    await fsp.access(source, stat.isDirectory() ? fsConstants.R_OK | fsConstants.X_OK : fsConstants.R_OK);
  } catch {
    throw new Error(`Cannot read ${source}: permission denied`);
  }
}
