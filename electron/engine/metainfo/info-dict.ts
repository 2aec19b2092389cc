/**
 * Validates an info dictionary the way libtorrent's parse_info_section does, check for
 * check and in the same order, so Tessera accepts and rejects the same torrents.
 */
import { createHash } from 'node:crypto';
import { type BTape, findLeadingZero, NONE } from '../bencode/index.js';
import { MetainfoError } from './errors.js';
import { type FileEntry, FileListBuilder, MAX_NUM_PIECES } from './file-list.js';
import { filesCompatible } from './hybrid.js';
import { sanitizeFileName, sanitizeText } from './sanitize.js';
import { resolveSymlinks } from './symlinks.js';
import { extractFileList, extractSingleFile } from './v1-files.js';
import { extractFileTree } from './v2-files.js';
import type { Steps } from '../util/yield.js';

/**
 * The largest 'piece length' libtorrent 2.0.8 loads: any integer below 2^30 (2^30 itself is
 * refused, checked against python3-libtorrent). v1 lengths need not be multiples of 16 KiB; a
 * piece shorter than a block is one short block.
 */
export const MAX_PIECE_LENGTH = 2 ** 30 - 1;
/**
 * The largest piece length Tessera creates: the largest power of two a libtorrent 2.0.8
 * session transfers (it refuses to add a torrent of more than 32767 blocks a piece, "invalid
 * piece size", though it loads one), so torrents made here stay usable by other clients.
 */
export const MAX_CREATED_PIECE_LENGTH = 256 * 1024 * 1024;
/** libtorrent load_torrent_limits::max_pieces. */
export const DEFAULT_MAX_PIECES = 0x200000;

export interface InfoLimits {
  maxPieces?: number;
}

export interface ParsedInfo {
  /** The hash used on the wire: SHA-1 for v1 and hybrid, the first 20 bytes of SHA-256 for v2-only. */
  infoHash: Buffer;
  /** SHA-256 of the info dictionary (v2 and hybrid torrents). */
  infoHashV2: Buffer | null;
  name: string;
  pieceLength: number;
  pieceCount: number;
  /** Present whenever there is a v1 side (v1 and hybrid torrents). */
  pieceHashes: Buffer | null;
  private: boolean;
  multiFile: boolean;
  /** The v1 file list (empty for v2-only torrents). */
  v1Files: FileEntry[];
  /** The v2 file list (empty for v1 torrents). */
  v2Files: FileEntry[];
  /** 'pieces root' of each of v2Files (null where there is none). */
  v2Roots: Array<Buffer | null>;
  /** Whether paths start with the torrent name (multi-file layout). */
  hasRootDir: boolean;
  total: number;
  hybrid: boolean;
  /** info['source'] (a private tracker's tag that makes the info-hash its own), null when absent or empty. */
  source: string | null;
  v2Only: boolean;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/**
 * Validates info dictionary `info` (a token of `tape`) whose bytes are `infoBytes` (a copy the
 * caller keeps). Yields while reading a long file list (see util/yield.ts).
 */
export function* parseInfo(tape: BTape, info: number, infoBytes: Buffer, limits: InfoLimits = {}): Steps<ParsedInfo> {
  const maxPieces = limits.maxPieces ?? DEFAULT_MAX_PIECES;
  const infoHash = createHash('sha1').update(infoBytes).digest();
  const infoStart = tape.span(info).start;

  const version = tape.intNumber(tape.find(info, 'meta version')) ?? -1;
  if (version > 0) {
    // v2 metadata must be canonical bencoding (libtorrent: has_soft_error -> invalid_bencoding).
    if (tape.keyOrderProblemIn(info) !== NONE) {
      throw new MetainfoError('invalid_bencoding', 'invalid bencoding: unsorted or duplicate keys in a v2 info dictionary');
    }
    const leadingZero = findLeadingZero(infoBytes);
    if (leadingZero !== null) {
      throw new MetainfoError('invalid_bencoding', `invalid bencoding: a number with a leading zero at byte ${leadingZero} of a v2 info dictionary`);
    }
    if (version > 2) throw new MetainfoError('torrent_unknown_version', `unknown torrent 'meta version' ${version}`);
  }

  const filesNode = tape.findList(info, 'files');
  const hasLength = tape.find(info, 'length') !== NONE;
  const hasV1 = version < 2 || filesNode !== NONE || hasLength;

  const pl = tape.int(tape.find(info, 'piece length'));
  const pieceLength = typeof pl === 'number' ? pl : -1;
  if (pieceLength <= 0 || pieceLength > MAX_PIECE_LENGTH) {
    throw new MetainfoError('torrent_missing_piece_length', "missing or invalid 'piece length'");
  }
  if (version > 1 && (pieceLength < 16 * 1024 || !isPowerOfTwo(pieceLength))) {
    throw new MetainfoError('torrent_missing_piece_length', "a v2 'piece length' must be a power of two of at least 16 KiB");
  }

  const nameBytes = tape.findBytes(info, 'name.utf-8') ?? tape.findBytes(info, 'name');
  if (nameBytes === undefined) throw new MetainfoError('torrent_missing_name', "missing or invalid 'name'");
  const name = sanitizeFileName(nameBytes) ?? infoHash.toString('hex');

  const v1 = new FileListBuilder(pieceLength, name);
  const v2 = new FileListBuilder(pieceLength, name);
  let v2SingleFile = false;
  const fileTree = tape.findDict(info, 'file tree');
  if (version >= 2) {
    if (fileTree === NONE) throw new MetainfoError('torrent_missing_file_tree', "a v2 torrent has no 'file tree'");
    v2SingleFile = yield* extractFileTree(tape, fileTree, name, filesNode !== NONE, v2);
  } else if (fileTree !== NONE) {
    throw new MetainfoError('torrent_missing_meta_version', "a 'file tree' without 'meta version'");
  }

  let multiFile = false;
  if (filesNode === NONE) {
    if (hasV1) extractSingleFile(tape, info, v1);
  } else {
    yield* extractFileList(tape, filesNode, name, v1);
    multiFile = true;
  }

  const main = version >= 2 ? v2 : v1;
  if (main.files.length === 0) throw new MetainfoError('no_files_in_torrent', 'the torrent has no files');

  yield* resolveSymlinks(v1.files, multiFile);
  yield* resolveSymlinks(v2.files, !v2SingleFile);

  const hybrid = version >= 2 && v1.files.length > 0;
  if (hybrid) {
    // Older creators left out the pad file after the last file; accept both.
    if (v2.files.length === v1.files.length + 1) v2.removeTailPadding();
    if (!filesCompatible(v2.files, v1.files)) {
      throw new MetainfoError('torrent_inconsistent_files', 'the v1 and v2 file lists of this hybrid torrent do not match');
    }
  }

  if (Math.floor(main.total / pieceLength) > MAX_NUM_PIECES) {
    throw new MetainfoError('too_many_pieces_in_torrent', 'too many pieces in torrent');
  }
  const pieceCount = Math.ceil(main.total / pieceLength);
  if (pieceCount > maxPieces || pieceCount >= Math.floor(0x7fffffff / 20)) {
    throw new MetainfoError('too_many_pieces_in_torrent', `too many pieces in torrent (${pieceCount}; limit ${maxPieces})`);
  }

  const pieces = tape.stringSpan(tape.find(info, 'pieces'));
  if (pieces === null) {
    if (hasV1) throw new MetainfoError('torrent_missing_pieces', "missing or invalid 'pieces'");
  } else if (pieces.end - pieces.start !== pieceCount * 20) {
    throw new MetainfoError(
      'torrent_invalid_hashes',
      `'pieces' holds ${pieces.end - pieces.start} bytes; ${pieceCount} pieces need ${pieceCount * 20}`,
    );
  }

  const sourceBytes = tape.findBytes(info, 'source');
  const source = sourceBytes !== undefined && sourceBytes.length > 0 ? sanitizeText(sourceBytes) : null;
  const isPrivate = (tape.intNumber(tape.find(info, 'private')) ?? 0) !== 0;

  if (main.total === 0) throw new MetainfoError('torrent_invalid_length', 'the torrent holds no data (total length 0)');

  const infoHashV2 = version >= 2 ? createHash('sha256').update(infoBytes).digest() : null;
  const v2Only = version >= 2 && !hasV1;
  return {
    infoHash: v2Only && infoHashV2 !== null ? infoHashV2.subarray(0, 20) : infoHash,
    infoHashV2,
    name,
    pieceLength,
    pieceCount,
    // A view of infoBytes (kept for the torrent's life anyway, to serve metadata), not a second
    // copy: 20 bytes a piece, 5 MiB for 262,144 pieces.
    pieceHashes: hasV1 && pieces !== null ? infoBytes.subarray(pieces.start - infoStart, pieces.end - infoStart) : null,
    private: isPrivate,
    multiFile,
    v1Files: v1.files,
    v2Files: v2.files,
    v2Roots: v2.roots,
    hasRootDir: version >= 2 && !hasV1 ? !v2SingleFile : multiFile,
    total: main.total,
    hybrid,
    source,
    v2Only,
  };
}
