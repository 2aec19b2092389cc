/**
 * The BEP 52 side of a torrent: the 'file tree'. Tessera downloads v1 only, but hybrid
 * torrents must be rejected exactly where libtorrent rejects them, and that needs the v2
 * file list (extract_files2 in libtorrent's torrent_info.cpp).
 */
import type { BTape } from '../bencode/index.js';
import { MetainfoError } from './errors.js';
import { type FileListBuilder, checkFileLength } from './file-list.js';
import { readAttrs, readSymlinkTarget } from './file-attrs.js';
import { sanitizeFileName, sanitizePathElement } from './sanitize.js';
import type { Steps } from '../util/yield.js';

/** Files read between two yields of {@link extractFileTree}. */
const FILES_PER_STEP = 1024;

/** libtorrent load_torrent_limits::max_directory_depth. */
const MAX_DIRECTORY_DEPTH = 100;

/**
 * A tree key as a path element, or null when it is dropped: "." and ".." (and what sanitizes
 * to them) vanish from the path, as in v1 and as libtorrent does, so `. / x` is just `x`
 * (and a hybrid's two file lists still agree). Never "_": that made folders libtorrent has not.
 */
function treeElement(key: Buffer): string | null {
  return sanitizePathElement(key);
}

/**
 * `dir` with `key` appended, unless the key is dropped (see {@link treeElement}). concat, not a
 * spread: a spread array keeps room for ~16 more elements (208 bytes for 3 elements, not 72),
 * and every file keeps its array as its TorrentFile's pathElements.
 */
function below(dir: readonly string[], key: Buffer): string[] {
  const element = treeElement(key);
  return element === null ? dir.slice() : dir.concat(element);
}

/** The path of a single-file torrent's only file: its tree key, which must survive sanitizing. */
function singleFilePath(key: Buffer): string[] {
  const element = sanitizeFileName(key);
  // libtorrent: "missing name in torrent file" (the file's name is the torrent's).
  if (element === null) throw new MetainfoError('torrent_missing_name', "the single file of the 'file tree' has no usable name");
  return [element];
}

function parseFailed(what: string): MetainfoError {
  return new MetainfoError('torrent_file_parse_failed', `invalid 'file tree': ${what}`);
}

/** A v2 leaf: `{ '': { length, 'pieces root', attr?, 'symlink path'? } }`; `meta` is the inner dictionary's token. */
function addLeaf(tape: BTape, meta: number, elements: string[], out: FileListBuilder): void {
  if (!tape.isDict(meta)) throw parseFailed('file entry is not a dictionary');
  const attrs = readAttrs(tape, meta);
  if (attrs.pad) throw new MetainfoError('torrent_invalid_pad_file', 'a v2 file entry has the pad attribute');

  let length = 0;
  if (!attrs.symlink) {
    length = tape.intNumber(tape.find(meta, 'length')) ?? -1;
    checkFileLength(length);
  }
  const symlinkElements = attrs.symlink ? readSymlinkTarget(tape, meta) : null;

  let root: Buffer | null = null;
  if (symlinkElements === null && length > 0) {
    const r = tape.findBytes(meta, 'pieces root');
    if (r === undefined || r.length !== 32) throw new MetainfoError('torrent_missing_pieces_root', "a v2 file has no valid 'pieces root'");
    if (r.every((byte) => byte === 0)) throw new MetainfoError('torrent_missing_pieces_root', "a v2 file's 'pieces root' is all zeros");
    root = r;
  }

  out.add({
    elements,
    length,
    pad: false,
    attr: attrs.attr,
    symlinkElements,
    executable: attrs.executable,
    hidden: attrs.hidden,
    root,
  });
}

/**
 * Walks the file tree (`tree`, a token of `tape`) iteratively, depth-first in key order, in
 * place: nothing is made per entry but the file and its path. `hasFilesList` tells whether the
 * info dictionary also has a v1 'files' list: without one, a tree holding exactly one file
 * describes a single-file torrent (its path is just the file name). Returns whether that was
 * the case. Yields every FILES_PER_STEP files.
 *
 * Keys are not de-duplicated here: a v2 info dictionary with a duplicate key anywhere is
 * refused before (info-dict.ts), as libtorrent refuses it.
 */
export function* extractFileTree(tape: BTape, tree: number, rootName: string, hasFilesList: boolean, out: FileListBuilder): Steps<boolean> {
  if (!tape.isDict(tree)) throw parseFailed('not a dictionary');
  interface Frame {
    /** The next key of this folder to read, or NONE (-1) when all are read. */
    key: number;
    dir: string[];
  }
  const stack: Frame[] = [{ key: tape.first(tree), dir: [rootName] }];
  let first = true;
  let singleFileTorrent = false;
  let files = 0;

  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    const key = frame.key;
    if (key < 0) {
      stack.pop();
      continue;
    }
    const isFirst = first && !hasFilesList;
    first = false;
    const value = tape.after(key);
    frame.key = tape.after(value);
    const isLast = frame.key < 0;
    const name = tape.bytesOf(key) as Buffer;

    if (!tape.isDict(value) || name.length === 0) throw parseFailed(name.length === 0 ? 'empty file name' : 'entry is not a dictionary');
    // No length limit: libtorrent loads names of any length (sanitizing cuts them to 240 bytes).

    const only = tape.first(value);
    const isLeaf = only >= 0 && tape.lengthOf(only) === 0 && tape.after(tape.after(only)) < 0;
    if (isLeaf) {
      const singleFile = isFirst && isLast && stack.length === 1;
      if (singleFile) singleFileTorrent = true;
      // A dropped leaf name leaves the folder's own path, as in libtorrent (duplicates are renamed later).
      const elements = singleFile ? singleFilePath(name) : below(frame.dir, name);
      addLeaf(tape, tape.after(only), elements, out);
      if (++files % FILES_PER_STEP === 0) yield;
      continue;
    }
    if (stack.length > MAX_DIRECTORY_DEPTH) {
      throw new MetainfoError('torrent_directory_too_deep', 'the file tree is nested too deeply');
    }
    if (only >= 0) stack.push({ key: only, dir: below(frame.dir, name) });
  }
  return singleFileTorrent;
}
