/**
 * Builds a .torrent from a file or a folder: v1 (BEP 3; pieces hashed by worker threads in
 * piece-hasher.ts with bounded memory whatever the size of the data), v2 (BEP 52) or a hybrid
 * of both (create-v2.ts).
 */
import { createHash } from 'node:crypto';
import { type Dirent, promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { encode, type Encodable } from '../bencode/index.js';
import { MAX_CREATED_PIECE_LENGTH, DEFAULT_MAX_PIECES } from './info-dict.js';
import { hashPieces } from './piece-hasher.js';
import { hashV2, planV2, type V2Parts } from './create-v2.js';
import { bencodeSize, checkLoadable, MAX_LOADABLE_FILES, MAX_LOADABLE_TORRENT_BYTES, TooLargeToLoadError } from './create-limits.js';
import { announceFields, folderWebSeed } from './create-announce.js';
import { fileUrl } from '../webseed/url-mapping.js';
import { sanitizeFileName } from './sanitize.js';

/** v1 (BEP 3), v2 only (BEP 52), or both in one info dictionary (what qBittorrent makes by default). */
export type TorrentFormat = 'v1' | 'v2' | 'hybrid';

export interface CreateTorrentOptions {
  /** A file (single-file torrent) or a folder (multi-file torrent named after the folder). */
  sourcePath: string;
  /** Bytes; a power of two from 16 KiB. Default: see {@link autoPieceLength}. */
  pieceLength?: number;
  /**
   * Trackers (http, https, udp) grouped into tiers, in order (BEP 12): a client announces to
   * one tracker of the first tier that answers. Written as libtorrent writes them.
   */
  trackerTiers?: readonly (readonly string[])[];
  /** Web seeds (BEP 19 'url-list'), http or https URLs. */
  webSeeds?: readonly string[];
  private?: boolean;
  /**
   * info['source']: makes the info-hash differ from the same files' torrent elsewhere, which
   * private trackers ask for so that cross-seeded copies stay separate.
   */
  source?: string;
  comment?: string;
  createdBy?: string;
  /** Seconds since the epoch; default now; null leaves the field out (reproducible output). */
  creationDate?: number | null;
  /** Default 'v1' here; the CLI defaults to 'hybrid'. */
  format?: TorrentFormat;
  /** Called as hashing goes (after each run of pieces a worker hashed) with the bytes hashed so far and the total. */
  onProgress?: (hashed: number, total: number) => void;
  /**
   * Told of each symbolic link left out (dangling, or leading to a folder already included), and
   * of a folder's web seed given without its final '/' (added) or with a query. Default: ignored.
   */
  onWarning?: (message: string) => void;
  /**
   * Aborting it makes createTorrent reject with the signal's reason (an AbortError) at once:
   * while it lists a folder (checked before each entry, so a huge tree or '/' stops too) and
   * while it hashes (the hashing threads are terminated).
   */
  signal?: AbortSignal;
}

/**
 * A file to share. Its path on disk is not kept beside its elements: it is the shared root
 * joined with them, made only while the file is being hashed (the hashing plans its jobs as
 * the workers take them). For a folder of 100,000 files the paths held ~4 MB for the whole
 * run, and the elements arrays, made by spreading (with room for ~20 more), 19 MB.
 */
export class SourceFile {
  constructor(
    /** The file itself (single-file torrent) or the folder shared. */
    private readonly root: string,
    /** Path inside the torrent (multi-file) — empty for a single-file torrent. */
    readonly elements: readonly string[],
    readonly length: number,
    /** Owner-executable: written as attr 'x' (BEP 47), as libtorrent's add_files does. */
    readonly executable: boolean,
  ) {}

  get absolute(): string {
    return this.elements.length === 0 ? this.root : path.join(this.root, ...this.elements);
  }
}

const MIN_PIECE = 16 * 1024;

/**
 * Totals up to which libtorrent's create_torrent picks 16 KiB, 32 KiB, … 8 MiB pieces (its
 * own table: about 2·√total hashes). Beyond the last, 16 MiB.
 */
const LIBTORRENT_SIZE_TABLE = [
  2_684_355, 10_737_418, 42_949_673, 171_798_692, 687_194_767, 2_748_779_069, 10_995_116_278, 43_980_465_111, 175_921_860_444, 703_687_441_777,
];

/**
 * The piece length libtorrent (and so qBittorrent's "Auto") picks for `totalLength` bytes of
 * files (pad files not counted): 5 MiB → 32 KiB, 1 GiB → 512 KiB, 8 GiB → 1 MiB, 64 GiB →
 * 4 MiB. Picking the same keeps `tessera create` without --piece-length giving the same
 * torrent as libtorrent for the same folder.
 */
export function autoPieceLength(totalLength: number): number {
  let i = 0;
  while (i < LIBTORRENT_SIZE_TABLE.length && LIBTORRENT_SIZE_TABLE[i]! < totalLength) i++;
  return MIN_PIECE * 2 ** i;
}

function sourceFile(root: string, elements: readonly string[], stats: Stats): SourceFile {
  return new SourceFile(root, elements, stats.size, (stats.mode & 0o100) !== 0);
}

function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** What a folder walk shares between its levels. */
interface Walk {
  /** The folder shared: for messages, and the files' paths start with it. */
  root: string;
  files: SourceFile[];
  /** Bytes the files' names take bencoded: every format writes each name once at least. */
  nameBytes: number;
  /** Real paths of the folders already listed: a link back to one of them would loop, or list it twice. */
  folders: Set<string>;
  warn: (message: string) => void;
  signal: AbortSignal | undefined;
}

/**
 * Regular files under `dir`, depth-first with entries sorted by their UTF-8 bytes: the order
 * libtorrent gives v2 and hybrid torrents (file_storage::canonicalize compares paths element by
 * element, a file's name against a folder's at the same level), so those come out as
 * libtorrent's. v1 uses it too: libtorrent's own v1 order is whatever order the file system
 * lists a folder in, which another copy of the same folder does not reproduce. Symbolic
 * links are followed, as libtorrent, qBittorrent and transmission-create do (a link shares
 * what it points to, under the link's name); a link that points nowhere, or to a folder
 * already listed, is left out with a warning. Sockets, FIFOs and devices are left out.
 */
async function walk(dir: string, realDir: string, prefix: readonly string[], state: Walk): Promise<void> {
  state.signal?.throwIfAborted();
  const entries: Dirent[] = await fsp.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => byBytes(a.name, b.name));
  for (const e of entries) {
    // Each entry may cost a system call or a whole subtree: a cancel must not wait for the rest.
    state.signal?.throwIfAborted();
    const absolute = path.join(dir, e.name);
    // Exactly as long as it needs: a spread leaves room for ~20 more elements.
    const elements = prefix.concat(e.name);
    const before = state.files.length;
    if (e.isSymbolicLink()) {
      const target = await linkTarget(absolute, state.warn);
      if (target?.isDirectory()) {
        const real = await fsp.realpath(absolute);
        if (firstVisit(absolute, real, state)) await walk(absolute, real, elements, state);
      } else if (target?.isFile()) {
        state.files.push(sourceFile(state.root, elements, target));
      }
    } else if (e.isDirectory()) {
      // No link on the way: its real path follows from its parent's, with no system call.
      const real = path.join(realDir, e.name);
      if (firstVisit(absolute, real, state)) await walk(absolute, real, elements, state);
    } else if (e.isFile()) {
      state.files.push(sourceFile(state.root, elements, await fsp.stat(absolute)));
    }
    if (state.files.length > before) counted(e.name, state);
  }
}

/**
 * Stops the walk as soon as its files could not fit in a torrent clients load (create-limits.ts),
 * before it lists (and holds) the rest of a huge tree, and long before any hashing.
 */
function counted(name: string, state: Walk): void {
  const n = Buffer.byteLength(name, 'utf8');
  state.nameBytes += String(n).length + 1 + n;
  if (state.files.length > MAX_LOADABLE_FILES) throw new TooLargeToLoadError(`${state.root} holds more than ${MAX_LOADABLE_FILES} files`);
  if (state.nameBytes > MAX_LOADABLE_TORRENT_BYTES) throw new TooLargeToLoadError(`the names of the files in ${state.root} alone take more than ${MAX_LOADABLE_TORRENT_BYTES} bytes`);
}

/** What a symbolic link points to, or null (with a warning) when it points nowhere or at itself. */
async function linkTarget(link: string, warn: (message: string) => void): Promise<Stats | null> {
  try {
    return await fsp.stat(link);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ELOOP' && code !== 'ENOTDIR') throw e;
    warn(`skipped ${link}: a symbolic link that points nowhere (${code})`);
    return null;
  }
}

/** True the first time a folder is reached by its real path `real`; after that it is skipped with a warning. */
function firstVisit(folder: string, real: string, state: Walk): boolean {
  if (!state.folders.has(real)) {
    state.folders.add(real);
    return true;
  }
  state.warn(`skipped ${folder}: it leads to ${real}, a folder already included (a link loop or a second link to it)`);
  return false;
}

/** Says what a folder's web seed without its final '/' became, or why one with a query will not work. */
function warnOfWebSeed(given: string, firstFile: readonly string[], warn: (message: string) => void): void {
  const seed = folderWebSeed(given);
  const example = fileUrl(seed.url, true, firstFile);
  if (seed.changed) {
    warn(`web seed ${given} written as ${seed.url}: for a folder, clients add the torrent's name only after a '/' (BEP 19); they will ask for ${example}`);
  } else if (seed.query) {
    warn(`web seed ${given} has a query or fragment: clients add the torrent's name and the file's path at its end (${example}); give the URL of the folder holding ${firstFile[0]}, ending in '/'`);
  }
}

/** A torrent just made, and what parseTorrent would say of it. */
export interface CreatedTorrent {
  /** The .torrent file's bytes. */
  torrent: Buffer;
  /** Its name as clients show it (sanitized as parseTorrent does). */
  name: string;
  /** The info-hash used on the wire: SHA-1 of the info dictionary, or for a v2-only torrent the first 20 bytes of its SHA-256. */
  infoHash: Buffer;
  /** SHA-256 of the info dictionary (v2 and hybrid), else null. */
  infoHashV2: Buffer | null;
  /** Files shared (pad files not counted). */
  fileCount: number;
  totalLength: number;
  pieceLength: number;
  pieceCount: number;
}

/** Builds a .torrent (see {@link createTorrentWithSummary}); its bytes. */
export async function createTorrent(options: CreateTorrentOptions): Promise<Buffer> {
  return (await createTorrentWithSummary(options)).torrent;
}

/**
 * Builds a .torrent and says what it holds, without parsing it back: for a folder of 100,000
 * files, parseTorrent's model of it (a FileEntry per file and per pad file, the decoded
 * dictionaries) took more memory than making it (`tessera create`: 244 MiB peak RSS for a v1
 * torrent whose making took 133 MiB; libtorrent 130 MiB).
 */
export async function createTorrentWithSummary(options: CreateTorrentOptions): Promise<CreatedTorrent> {
  const { signal } = options;
  signal?.throwIfAborted();
  const source = path.resolve(options.sourcePath);
  // Before hashing, so that a mistyped URL costs nothing.
  let trackersAndSeeds = announceFields(options.trackerTiers ?? [], options.webSeeds ?? []);
  const stat = await fsp.stat(source);
  const name = path.basename(source);
  if (name === '' || name === '.' || name === '..') throw new Error(`cannot name a torrent after ${JSON.stringify(options.sourcePath)}`);

  let files: SourceFile[];
  if (stat.isDirectory()) {
    files = [];
    const noWarning = (): void => {};
    const realSource = await fsp.realpath(source);
    await walk(source, realSource, [], { root: source, files, nameBytes: 0, folders: new Set([realSource]), warn: options.onWarning ?? noWarning, signal });
    if (files.length === 0) throw new Error(`${source} contains no files`);
    if (options.webSeeds?.some((url) => folderWebSeed(url).changed)) {
      trackersAndSeeds = announceFields(options.trackerTiers ?? [], options.webSeeds.map((url) => folderWebSeed(url).url));
    }
    for (const url of options.webSeeds ?? []) warnOfWebSeed(url, [name, ...files[0]!.elements], options.onWarning ?? noWarning);
  } else if (stat.isFile()) {
    files = [sourceFile(source, [], stat)];
  } else {
    throw new Error(`${source} is neither a file nor a folder`);
  }

  const total = files.reduce((n, f) => n + f.length, 0);
  if (total === 0) throw new Error('nothing to share: every file is empty');

  const pieceLength = options.pieceLength ?? autoPieceLength(total);
  if (!Number.isSafeInteger(pieceLength) || pieceLength < MIN_PIECE || pieceLength > MAX_CREATED_PIECE_LENGTH || (pieceLength & (pieceLength - 1)) !== 0) {
    throw new Error(`piece length must be a power of two from 16 KiB to 256 MiB (got ${pieceLength})`);
  }
  const format = options.format ?? 'v1';
  // v2 pieces never span two files: each file starts on a piece boundary.
  const pieceCount = format === 'v1' ? Math.ceil(total / pieceLength) : files.reduce((n, f) => n + Math.ceil(f.length / pieceLength), 0);
  if (pieceCount > DEFAULT_MAX_PIECES) {
    throw new Error(`${pieceCount} pieces is more than clients accept (${DEFAULT_MAX_PIECES}); use a larger piece length`);
  }

  const info: Record<string, Encodable | undefined> = {
    name,
    'piece length': pieceLength,
    private: options.private === true ? 1 : undefined,
    source: options.source === undefined || options.source === '' ? undefined : options.source,
    // A single file's BEP 47 attributes sit in the info dictionary itself (v1 and hybrid), as libtorrent writes them.
    attr: !stat.isDirectory() && format !== 'v2' && files[0]!.executable ? 'x' : undefined,
  };
  const creationDate = options.creationDate === undefined ? Math.floor(Date.now() / 1000) : options.creationDate;
  /** The info dictionary around its hashes (v1 'pieces', or the BEP 52 parts), and the piece layers beside it. */
  const parts = (hashes: { v1: Buffer } | { v2: V2Parts }): { info: Record<string, Encodable | undefined>; pieceLayers?: Map<string, Encodable> } => {
    const fields: Record<string, Encodable | undefined> = { ...info };
    if ('v1' in hashes) {
      fields['pieces'] = hashes.v1;
      if (stat.isDirectory()) fields['files'] = files.map((f) => ({ attr: f.executable ? 'x' : undefined, length: f.length, path: f.elements }));
      else fields['length'] = total;
      return { info: fields };
    }
    const v2 = hashes.v2;
    fields['meta version'] = 2;
    fields['file tree'] = v2.fileTree;
    if (format === 'hybrid') {
      fields['pieces'] = v2.v1Pieces ?? undefined;
      if (stat.isDirectory()) fields['files'] = v2.v1Files ?? undefined;
      else fields['length'] = total;
    }
    return { info: fields, pieceLayers: v2.pieceLayers.size > 0 ? v2.pieceLayers : undefined };
  };
  /** The torrent around its info dictionary (its fields, or their encoding). */
  const torrent = (infoDict: Encodable, pieceLayers: Map<string, Encodable> | undefined): Encodable => ({
    ...trackersAndSeeds,
    comment: options.comment,
    'created by': options.createdBy,
    'creation date': creationDate ?? undefined,
    info: infoDict,
    'piece layers': pieceLayers,
  });
  // Laid out once with every hash as zeros, and sized: files that make a torrent nobody loads
  // fail now, not after the hashing. The hashing then fills in the same buffers.
  const v2Plan = format === 'v1' ? null : planV2(name, files, pieceLength, format === 'hybrid');
  const v1Pieces = Buffer.alloc(v2Plan === null ? 20 * pieceCount : 0);
  const hashed = parts(v2Plan === null ? { v1: v1Pieces } : { v2: v2Plan.parts });
  checkLoadable(torrent(hashed.info, hashed.pieceLayers));

  const watch = { onProgress: options.onProgress, signal };
  if (v2Plan === null) await hashPieces(files, pieceLength, watch, {}, v1Pieces);
  else await hashV2(v2Plan, watch);
  const whole = torrent(hashed.info, hashed.pieceLayers);
  const bytes = encode(whole);
  const infoBytes = infoIn(bytes, whole, hashed.info);
  const infoHashV2 = format === 'v1' ? null : createHash('sha256').update(infoBytes).digest();
  const infoHash = infoHashV2 !== null && format === 'v2' ? infoHashV2.subarray(0, 20) : createHash('sha1').update(infoBytes).digest();
  return {
    torrent: bytes,
    // As parseTorrent names it.
    name: sanitizeFileName(Buffer.from(name, 'utf8')) ?? infoHash.toString('hex'),
    infoHash,
    infoHashV2,
    fileCount: files.length,
    totalLength: total,
    pieceLength,
    pieceCount,
  };
}

/**
 * The info dictionary's bytes within `bytes`, the encoding of `torrent` (whose 'info' is
 * `info`): after the fields whose keys sort before 'info' (ASCII keys: JavaScript's order is the
 * bytes' order) and the key itself. A view, for its hashes: encoding it on its own was a second
 * copy of the biggest part of the torrent (all of it for a v1 torrent of one file).
 */
function infoIn(bytes: Buffer, torrent: Encodable, info: Encodable): Buffer {
  const before: Record<string, Encodable | undefined> = {};
  for (const [key, value] of Object.entries(torrent as Record<string, Encodable | undefined>)) if (key < 'info') before[key] = value;
  // 'd' and those fields, then '4:info'.
  const start = bencodeSize(before).bytes - 1 + '4:info'.length;
  const view = bytes.subarray(start, start + bencodeSize(info).bytes);
  if (bytes.toString('latin1', start - 6, start) !== '4:info' || view[0] !== 0x64 || view.at(-1) !== 0x65) throw new Error('internal error: the info dictionary is not where it was expected');
  return view;
}
