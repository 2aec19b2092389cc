/**
 * `.torrent` bytes → validated {@link Metainfo}. Accepts and rejects what libtorrent does
 * (see info-dict.ts): v1, v2-only (BEP 52) and hybrid torrents.
 */
import { BencodeError, type BTape, DEFAULT_DECODE_LIMITS, type DecodeOptions, NONE, scanSteps } from '../bencode/index.js';
import { resolveDuplicateFilenames, MAX_DUPLICATE_FILENAMES } from './duplicates.js';
import { MetainfoError } from './errors.js';
import type { FileEntry } from './file-list.js';
import { type InfoLimits, type ParsedInfo, parseInfo } from './info-dict.js';
import { verifyPieceLayers } from './piece-layers.js';
import { sanitizeText } from './sanitize.js';
import type { DhtNode, Metainfo, TorrentFile } from './types.js';
import { buildV2Layout } from './v2-layout.js';
import { runSteps, runStepsAsync, type Steps } from '../util/yield.js';

/** Files turned into TorrentFiles between two yields. */
const FILES_PER_STEP = 2048;

export interface ParseOptions extends InfoLimits, Omit<DecodeOptions, 'rejectUnsortedKeys' | 'allowNonCanonicalNumbers'> {
  /** libtorrent max_duplicate_filenames (default 500). */
  maxDuplicateFilenames?: number;
  /**
   * The caller never changes the bytes. parseTorrentAsync takes them as they are while it waits
   * for its turns (a 5 MiB .torrent read from a file for this parse alone), and the Metainfo's
   * info dictionary (and its piece hashes) may be a view of them (see OUTSIDE_INFO_VIEW_BYTES).
   * parseInfoDictionary(Async): the bytes become the Metainfo's infoBytes as they are (metadata
   * assembled from peers for this parse alone, up to 16 MiB).
   */
  unchanging?: boolean;
  /**
   * The bytes stay as they are for as long as the Metainfo is used: its info dictionary and
   * piece layers may be views of them rather than copies (`tessera info`, whose bytes are read
   * for it and which exits after printing: a .torrent of 300,000 files has a 10 MB info
   * dictionary; one of 295,000 pieces 9 MB of layers). Not for a Metainfo kept long: a view
   * keeps all the bytes alive.
   */
  viewsOfInput?: boolean;
}

/**
 * The input scanned into a tape (bencode/tape.ts): read in place, 8 bytes a token, rather than
 * decoded into a tree of ~1 KB a file. `whole`: bytes after the value are an error.
 */
function* scanOrThrow(bytes: Uint8Array, options: ParseOptions, whole: boolean): Steps<BTape> {
  const maxSize = options.maxSize ?? DEFAULT_DECODE_LIMITS.maxSize;
  if (bytes.byteLength > maxSize) {
    throw new MetainfoError('metadata_too_large', `torrent data is ${bytes.byteLength} bytes; the limit is ${maxSize}`);
  }
  try {
    const { maxTokens } = options;
    // libtorrent's bdecode fails once the nesting reaches max_decode_depth, so it loads at most
    // 99 levels for its 100; our decoder's maxDepth is the deepest level it accepts.
    const maxDepth = (options.maxDepth ?? DEFAULT_DECODE_LIMITS.maxDepth) - 1;
    // libtorrent reads `i05e`, `i-0e` and `05:x` in .torrent files and metadata; so do we
    // (a v2 info dictionary is then checked for leading zeros in info-dict.ts).
    const opts: DecodeOptions = { maxSize, maxDepth, maxTokens, allowNonCanonicalNumbers: true };
    // Like libtorrent, bytes after the top-level dictionary of a .torrent file are ignored.
    return yield* scanSteps(bytes, opts, whole);
  } catch (e) {
    if (e instanceof BencodeError) throw new MetainfoError('invalid_bencoding', e.message);
    throw e;
  }
}

/** Leading whitespace is trimmed from tracker URLs, as libtorrent does. */
function cleanUrl(bytes: Buffer): string {
  return bytes.toString('utf8').replace(/^[ \t\n\r\f\v]+/, '');
}

/** The strings of list `list`, other elements skipped. */
function stringsIn(tape: BTape, list: number): Buffer[] {
  const out: Buffer[] = [];
  for (let e = tape.first(list); e >= 0; e = tape.after(e)) {
    const bytes = tape.bytesOf(e);
    if (bytes !== undefined) out.push(bytes);
  }
  return out;
}

function readTrackers(tape: BTape, root: number): string[][] {
  const tiers: string[][] = [];
  for (let tier = tape.first(tape.findList(root, 'announce-list')); tier >= 0; tier = tape.after(tier)) {
    if (!tape.isList(tier)) continue;
    const urls = stringsIn(tape, tier).map(cleanUrl).filter((u) => u !== '');
    if (urls.length > 0) tiers.push(urls);
  }
  if (tiers.length === 0) {
    const announce = tape.findBytes(root, 'announce');
    const url = announce === undefined ? '' : cleanUrl(announce);
    if (url !== '') tiers.push([url]);
  }
  return tiers;
}

/** 'url-list' / 'httpseeds' (`value`): a string or a list of strings; empty entries and repeats dropped. */
function readSeeds(tape: BTape, value: number): string[] {
  const single = tape.bytesOf(value);
  const raw = single !== undefined ? [single] : stringsIn(tape, value);
  const out: string[] = [];
  for (const b of raw) {
    const url = b.toString('utf8');
    if (url !== '' && !out.includes(url)) out.push(url);
  }
  return out;
}

function readDhtNodes(tape: BTape, root: number): DhtNode[] {
  const nodes: DhtNode[] = [];
  for (let n = tape.first(tape.findList(root, 'nodes')); n >= 0; n = tape.after(n)) {
    const hostToken = tape.isList(n) ? tape.first(n) : NONE;
    const host = tape.bytesOf(hostToken);
    const port = tape.int(tape.after(hostToken));
    if (host === undefined || typeof port !== 'number') continue;
    nodes.push({ host: host.toString('utf8'), port });
  }
  return nodes;
}

function readText(tape: BTape, root: number, key: string): string | null {
  const utf8 = tape.findBytes(root, `${key}.utf-8`);
  const bytes = utf8 !== undefined && utf8.length > 0 ? utf8 : tape.findBytes(root, key);
  if (bytes === undefined || bytes.length === 0) return null;
  return sanitizeText(bytes);
}

/** A FileEntry made whole as a TorrentFile, in place (see file-list.ts). */
function completeFile(f: FileEntry, name: string, hasRootDir: boolean): void {
  // A pad file of the v2 layout comes with the path it shares with the others of its length.
  if (f.path === '') f.path = f.pathElements.join('/');
  if (f.symlinkTarget !== null && hasRootDir) f.symlinkTarget = `${name}/${f.symlinkTarget}`;
}

/** What a .torrent says outside its info dictionary (empty for a bare info dictionary). */
type OuterFields = Pick<Metainfo, 'announce' | 'urlList' | 'httpSeeds' | 'dhtNodes' | 'comment' | 'createdBy' | 'creationDate'>;

/** Fresh arrays every time: a Metainfo's lists may be changed by whoever holds it. */
function noOuterFields(): OuterFields {
  return { announce: [], urlList: [], httpSeeds: [], dhtNodes: [], comment: null, createdBy: null, creationDate: null };
}

function readOuterFields(tape: BTape, root: number): OuterFields {
  return {
    announce: readTrackers(tape, root),
    urlList: readSeeds(tape, tape.find(root, 'url-list')),
    httpSeeds: readSeeds(tape, tape.find(root, 'httpseeds')),
    dhtNodes: readDhtNodes(tape, root),
    comment: readText(tape, root, 'comment'),
    createdBy: readText(tape, root, 'created by'),
    creationDate: readCreationDate(tape.int(tape.find(root, 'creation date'))),
  };
}

/**
 * Everything common to .torrent files and bare info dictionaries. Called once the decoded
 * bencode tree is out of reach (it costs ~1 KB a file: a Map and Buffer views per entry), so
 * that it can be collected rather than sit beside the file list at the peak.
 */
function* finish(parsed: ParsedInfo, infoBytes: Buffer, outer: OuterFields, options: ParseOptions, layers: ReadonlyMap<string, Buffer>): Steps<Metainfo> {
  // v2-only: the file tree, with the pad files that align each file to a piece; a hybrid's
  // v1 list describes the same files at the same offsets (checked in parseInfo).
  const files: TorrentFile[] = parsed.v2Only ? parsed.v2Files : parsed.v1Files;
  yield* resolveDuplicateFilenames(files, options.maxDuplicateFilenames ?? MAX_DUPLICATE_FILENAMES);
  const v2 = parsed.v2Files.length > 0 ? buildV2Layout(parsed.v2Files, parsed.v2Roots, parsed.pieceLength, layers) : null;
  // A hybrid's v2 list has served (the v1 one, the same files, is kept).
  parsed.v2Files = [];
  parsed.v2Roots = [];

  let payloadLength = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i] as FileEntry;
    completeFile(f, parsed.name, parsed.hasRootDir);
    if (!f.pad) payloadLength += f.length;
    if ((i + 1) % FILES_PER_STEP === 0) yield;
  }
  return {
    infoHash: parsed.infoHash,
    infoHashHex: parsed.infoHash.toString('hex'),
    name: parsed.name,
    pieceLength: parsed.pieceLength,
    pieceCount: parsed.pieceCount,
    lastPieceLength: parsed.total - (parsed.pieceCount - 1) * parsed.pieceLength,
    pieceHashes: parsed.pieceHashes ?? Buffer.alloc(0),
    totalLength: parsed.total,
    payloadLength,
    files,
    multiFile: parsed.multiFile,
    private: parsed.private,
    ...outer,
    // In the info dict, so a magnet's fetched metadata carries it too.
    source: parsed.source,
    infoBytes,
    hybrid: parsed.hybrid,
    infoHashV2: parsed.infoHashV2,
    v2,
  };
}

/** Latest instant a JS Date holds: 8.64e15 ms after the epoch (ECMAScript's time value range). */
const MAX_DATE_SECONDS = 8.64e12;

/**
 * `creation date` in seconds since the epoch, or null when it is absent, negative or beyond
 * what a Date can represent: libtorrent loads such files, and the field is informational, so a
 * nonsense date is dropped rather than failing the torrent (or crashing whoever formats it).
 */
function readCreationDate(value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return value >= 0 && value <= MAX_DATE_SECONDS ? value : null;
}

/** Parses and validates the bytes of a .torrent file. Throws {@link MetainfoError}. */
export function parseTorrent(bytes: Uint8Array, options: ParseOptions = {}): Metainfo {
  return runSteps(parseTorrentSteps(bytes, options));
}

/**
 * {@link parseTorrent} in chunks with turns of the event loop between them: a .torrent of
 * 100,000 files takes seconds to parse, and the process must keep serving meanwhile.
 */
export function parseTorrentAsync(bytes: Uint8Array, options: ParseOptions = {}): Promise<Metainfo> {
  // A copy: the caller may reuse its buffer while the parse waits for its turns.
  return runStepsAsync(parseTorrentSteps(options.unchanging ? bytes : Buffer.from(bytes), options));
}

/** {@link parseTorrent} as steps (see util/yield.ts); `bytes` must not change meanwhile. */
export function* parseTorrentSteps(bytes: Uint8Array, options: ParseOptions): Steps<Metainfo> {
  // In a frame of its own: the decoded tree is unreachable once it returns.
  const { parsed, infoBytes, outer, layers } = yield* readTorrent(bytes, options);
  return yield* finish(parsed, infoBytes, outer, options, layers);
}

function* readTorrent(
  bytes: Uint8Array,
  options: ParseOptions,
): Steps<{ parsed: ParsedInfo; infoBytes: Buffer; outer: OuterFields; layers: ReadonlyMap<string, Buffer> }> {
  const tape = yield* scanOrThrow(bytes, options, false);
  if (!tape.isDict(tape.root)) throw new MetainfoError('torrent_is_no_dict', 'the torrent file is not a bencoded dictionary');
  const info = tape.findDict(tape.root, 'info');
  if (info === NONE) throw new MetainfoError('torrent_missing_info', "missing or invalid 'info' dictionary");

  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const span = tape.span(info);
  const infoView = input.subarray(span.start, span.end);
  const infoBytes = options.viewsOfInput === true ? infoView : infoBytesOf(input, span.start, span.end, options.unchanging === true);
  const parsed = yield* parseInfo(tape, info, infoBytes, options);

  const layerDict = tape.findDict(tape.root, 'piece layers');
  const layers =
    layerDict !== NONE && parsed.v2Files.length > 0
      ? verifyPieceLayers(tape, layerDict, parsed.v2Files, parsed.v2Roots, parsed.pieceLength, options.viewsOfInput !== true)
      : new Map<string, Buffer>();

  return { parsed, infoBytes, outer: readOuterFields(tape, tape.root), layers };
}

/**
 * Bytes of a .torrent outside its info dictionary up to which the Metainfo's info bytes are a
 * view of the caller's unchanging bytes rather than a copy. The info dictionary is kept for the
 * torrent's life (the piece hashes are a view of it, metadata is served from it) and is nearly
 * all of a .torrent: 5 MiB for 262,144 pieces, and copying it had the file's buffer and its
 * copy alive at once while the torrent was added. A view keeps the whole buffer alive, so only
 * where little else is in it: not, say, v2 piece layers as large as the info dictionary.
 */
export const OUTSIDE_INFO_VIEW_BYTES = 64 * 1024;

/**
 * The info dictionary's bytes, [start, end) of `input`: the info-hash is over these original
 * bytes, so they are a copy unless the caller promised never to change `input` (`unchanging`)
 * and little else of it would be kept alive with them.
 */
function infoBytesOf(input: Buffer, start: number, end: number, unchanging: boolean): Buffer {
  const view = input.subarray(start, end);
  const outside = input.buffer.byteLength - view.length;
  return unchanging && outside <= OUTSIDE_INFO_VIEW_BYTES ? view : Buffer.from(view);
}

/**
 * Parses an info dictionary on its own (metadata fetched from peers with ut_metadata).
 * Trackers, web seeds and comments are not part of it and come back empty.
 */
export function parseInfoDictionary(infoBytes: Uint8Array, options: ParseOptions = {}): Metainfo {
  return runSteps(parseInfoDictionarySteps(infoBytes, options));
}

/** {@link parseInfoDictionary} in chunks (see {@link parseTorrentAsync}). */
export function parseInfoDictionaryAsync(infoBytes: Uint8Array, options: ParseOptions = {}): Promise<Metainfo> {
  // The bytes are copied in the first step, which runs before any turn of the event loop (readInfoDictionary).
  return runStepsAsync(parseInfoDictionarySteps(infoBytes, options));
}

/** {@link parseInfoDictionary} as steps (see util/yield.ts). */
export function* parseInfoDictionarySteps(infoBytes: Uint8Array, options: ParseOptions): Steps<Metainfo> {
  // In a frame of its own, as in parseTorrentSteps.
  const parsed = yield* readInfoDictionary(infoBytes, options);
  return yield* finish(parsed, parsed.infoBytes, noOuterFields(), options, new Map());
}

function* readInfoDictionary(input: Uint8Array, options: ParseOptions): Steps<ParsedInfo & { infoBytes: Buffer }> {
  // Kept as the Metainfo's infoBytes and read in place: a copy, unless the caller says the bytes are its to keep.
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const infoBytes = options.unchanging === true ? bytes : Buffer.from(bytes);
  const tape = yield* scanOrThrow(infoBytes, options, true);
  if (!tape.isDict(tape.root)) throw new MetainfoError('torrent_info_no_dict', 'the info dictionary is not a bencoded dictionary');
  return { ...(yield* parseInfo(tape, tape.root, infoBytes, options)), infoBytes };
}
