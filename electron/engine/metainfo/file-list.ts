/**
 * The file list being built while parsing, with libtorrent's file_storage limits:
 * sizes and offsets are checked as files are added, and a v2 list pads every file to a
 * piece boundary the way libtorrent's file_storage does for v2 torrents.
 */
import { MetainfoError } from './errors.js';
import type { TorrentFile } from './types.js';

/**
 * A file as parsing builds it: the very object that becomes the Metainfo's TorrentFile, so a
 * torrent of 300,000 files makes 300,000 objects, not twice as many. While parsing, `path` is
 * '' (set by parse.ts once duplicates are renamed; a pad file of the v2 layout has its own) and a symlink's `symlinkTarget` is relative
 * to the torrent root: the sanitized target, then the resolved one (resolveSymlinks); parse.ts
 * puts the torrent's name in front. Anything else parsing needs lives beside the list
 * ({@link FileListBuilder.roots}), not in every file.
 */
export type FileEntry = TorrentFile;

/** What the file-list readers know of a file. */
export interface NewFile {
  /** Sanitized components relative to the save directory (torrent name first for multi-file). */
  elements: string[];
  length: number;
  pad: boolean;
  attr: string;
  /** Sanitized symlink target, relative to the torrent root; null when the file is no symlink. */
  symlinkElements: string[] | null;
  executable: boolean;
  hidden: boolean;
  /** BEP 52 'pieces root' (v2 file tree only). */
  root: Buffer | null;
}

export const BLOCK_SIZE = 16 * 1024;
/** libtorrent file_storage::max_num_pieces: 2^30 - 1. */
export const MAX_NUM_PIECES = 2 ** 30 - 1;
/** libtorrent file_storage::max_file_size: min(2^48 - 1, (INT_MAX / 2) * 16 KiB). */
export const MAX_FILE_SIZE = Math.min(2 ** 48 - 1, MAX_NUM_PIECES * BLOCK_SIZE);
/** libtorrent file_storage::max_file_offset: 2^48 - 1. */
export const MAX_FILE_OFFSET = 2 ** 48 - 1;

/** The size checks libtorrent applies to every file length it reads. */
export function checkFileLength(length: number): void {
  if (length < 0 || Math.floor(length / BLOCK_SIZE) >= MAX_NUM_PIECES || length > MAX_FILE_SIZE) {
    throw new MetainfoError(
      'torrent_invalid_length',
      length === -1 ? "a file has a missing or invalid 'length'" : `invalid file length ${length}`,
    );
  }
}

export class FileListBuilder {
  readonly files: FileEntry[] = [];
  /** BEP 52 'pieces root' of each file (null for pad files, empty files, symlinks and v1 lists). */
  readonly roots: Array<Buffer | null> = [];
  total = 0;
  /** True once a file with a v2 root was added: from then on files are padded to piece boundaries. */
  private v2 = false;
  /**
   * Path elements and path of the pad files added so far, by length: the pad files of one
   * length share them (a v2 torrent has a pad file after nearly every file; each kept its own
   * array and two strings, ~130 bytes). Bounded: past MAX_SHARED_PAD_LENGTHS lengths, new ones
   * are not remembered.
   */
  private readonly pads = new Map<number, { elements: string[]; path: string }>();

  constructor(
    private readonly pieceLength: number,
    private readonly rootName: string,
  ) {}

  add(file: NewFile): void {
    if (MAX_FILE_OFFSET - this.total < file.length) {
      throw new MetainfoError('torrent_invalid_length', 'files add up to more than 2^48 bytes');
    }
    if (file.length > 0 && file.root !== null) this.v2 = true;
    const symlink = file.symlinkElements !== null;
    // A hybrid's v1 list names its pad files as the v2 layout does: they share paths the same way.
    const shared = file.pad && isPadPath(file.elements, this.rootName, file.length) ? this.sharedPad(file.length) : null;
    // Spelled out rather than spread, and always the same shape: this runs for every file.
    this.files.push({
      path: shared?.path ?? '',
      pathElements: shared?.elements ?? file.elements,
      length: file.length,
      offset: this.total,
      pad: file.pad,
      attr: file.attr,
      symlinkTarget: symlink ? (file.symlinkElements as string[]).join('/') : null,
      executable: file.executable,
      hidden: file.hidden,
    });
    this.roots.push(file.root);
    this.total += file.length;

    if (this.v2 && !symlink && this.total % this.pieceLength !== 0) {
      const padLength = this.pieceLength - (this.total % this.pieceLength);
      if (this.total > MAX_FILE_OFFSET - padLength) {
        throw new MetainfoError('torrent_invalid_length', 'files add up to more than 2^48 bytes');
      }
      this.files.push(this.padFile(padLength));
      this.roots.push(null);
      this.total += padLength;
    }
  }

  /** A pad file of `length` at the end of the list, its path set (no duplicates to rename: pad files never touch the disk). */
  private padFile(length: number): FileEntry {
    const shared = this.sharedPad(length);
    const pad = padFile(this.rootName, length, this.total, shared.elements);
    pad.path = shared.path;
    return pad;
  }

  /** The path elements and path of a pad file of `length`, shared with the others of its length. */
  private sharedPad(length: number): { elements: string[]; path: string } {
    let shared = this.pads.get(length);
    if (shared === undefined) {
      const elements = [this.rootName, '.pad', String(length)];
      shared = { elements, path: elements.join('/') };
      if (this.pads.size < MAX_SHARED_PAD_LENGTHS) this.pads.set(length, shared);
    }
    return shared;
  }

  /**
   * Hybrids made by libtorrent 2.0.0–2.0.7 have no pad file after the last non-empty file;
   * drop ours (libtorrent's remove_tail_padding), moving trailing empty files back.
   */
  removeTailPadding(): void {
    for (let i = this.files.length - 1; i >= 0; i--) {
      const f = this.files[i] as FileEntry;
      if (f.length === 0) continue;
      if (f.pad) {
        this.files.splice(i, 1);
        this.roots.splice(i, 1);
        this.total -= f.length;
        for (let j = i; j < this.files.length; j++) (this.files[j] as FileEntry).offset = this.total;
      }
      return;
    }
  }
}

/** Whether `elements` are `<root>/.pad/<length>`, the path libtorrent gives pad files. */
function isPadPath(elements: readonly string[], rootName: string, length: number): boolean {
  return elements.length === 3 && elements[0] === rootName && elements[1] === '.pad' && elements[2] === String(length);
}

/** Pad-file lengths whose path a FileListBuilder shares (a map entry each). */
const MAX_SHARED_PAD_LENGTHS = 4096;

export function padFile(rootName: string, length: number, offset: number, elements = [rootName, '.pad', String(length)]): FileEntry {
  return {
    path: '',
    pathElements: elements,
    length,
    offset,
    pad: true,
    attr: 'p',
    symlinkTarget: null,
    executable: false,
    hidden: false,
  };
}
