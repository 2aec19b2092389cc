/**
 * The BEP 52 side of a torrent: the 'file tree'. Tessera downloads v1 only, but hybrid
 * torrents must be rejected exactly where libtorrent rejects them, and that needs the v2
 * file list (extract_files2 in libtorrent's torrent_info.cpp).
 */
import { type BDict, type BValue, getBytes, isDict } from '../bencode/index.js';
import { MetainfoError } from './errors.js';
import { type FileListBuilder, checkFileLength } from './file-list.js';
import { readAttrs, readSymlinkTarget } from './file-attrs.js';
import { sanitizeFileName, sanitizePathElement } from './sanitize.js';

/** libtorrent load_torrent_limits::max_directory_depth. */
const MAX_DIRECTORY_DEPTH = 100;

/**
 * A tree key as a path element, or null when it is dropped: "." and ".." (and what sanitizes
 * to them) vanish from the path, as in v1 and as libtorrent does, so `. / x` is just `x`
 * (and a hybrid's two file lists still agree). Never "_": that made folders libtorrent has not.
 */
function treeElement(key: string): string | null {
  return sanitizePathElement(Buffer.from(key, 'latin1'));
}

/**
 * `dir` with `key` appended, unless the key is dropped (see {@link treeElement}). concat, not a
 * spread: a spread array keeps room for ~16 more elements (208 bytes for 3 elements, not 72),
 * and every file keeps its array as its TorrentFile's pathElements.
 */
function below(dir: readonly string[], key: string): string[] {
  const element = treeElement(key);
  return element === null ? dir.slice() : dir.concat(element);
}

/** The path of a single-file torrent's only file: its tree key, which must survive sanitizing. */
function singleFilePath(key: string): string[] {
  const element = sanitizeFileName(Buffer.from(key, 'latin1'));
  // libtorrent: "missing name in torrent file" (the file's name is the torrent's).
  if (element === null) throw new MetainfoError('torrent_missing_name', "the single file of the 'file tree' has no usable name");
  return [element];
}

function parseFailed(what: string): MetainfoError {
  return new MetainfoError('torrent_file_parse_failed', `invalid 'file tree': ${what}`);
}

/** A v2 leaf: `{ '': { length, 'pieces root', attr?, 'symlink path'? } }`. */
function addLeaf(meta: BValue, elements: string[], out: FileListBuilder): void {
  if (!isDict(meta)) throw parseFailed('file entry is not a dictionary');
  const attrs = readAttrs(meta);
  if (attrs.pad) throw new MetainfoError('torrent_invalid_pad_file', 'a v2 file entry has the pad attribute');

  let length = 0;
  if (!attrs.symlink) {
    const v = meta.get('length');
    length = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : -1;
    checkFileLength(length);
  }
  const symlinkElements = attrs.symlink ? readSymlinkTarget(meta) : null;

  let root: Buffer | null = null;
  if (symlinkElements === null && length > 0) {
    const r = getBytes(meta, 'pieces root');
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
 * Walks the file tree iteratively (depth-first, in key order). `hasFilesList` tells whether
 * the info dictionary also has a v1 'files' list: without one, a tree holding exactly one
 * file describes a single-file torrent (its path is just the file name). Returns whether
 * that was the case.
 *
 * The tree is consumed: every entry is deleted from its dictionary once read, so that the
 * decoded entries (a Map per folder, file and file meta, ~1 KB a file) can be collected as
 * the file list grows rather than all sit beside it (the parse's peak for a torrent of
 * 300,000 files).
 */
export function extractFileTree(tree: BValue, rootName: string, hasFilesList: boolean, out: FileListBuilder): boolean {
  if (!isDict(tree)) throw parseFailed('not a dictionary');
  interface Frame {
    dict: BDict;
    entries: Array<[string, BValue] | undefined>;
    next: number;
    dir: string[];
  }
  const stack: Frame[] = [{ dict: tree, entries: [...tree], next: 0, dir: [rootName] }];
  let first = true;
  let singleFileTorrent = false;

  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.next >= frame.entries.length) {
      stack.pop();
      continue;
    }
    const isFirst = first && !hasFilesList;
    first = false;
    const isLast = frame.next === frame.entries.length - 1;
    const [key, value] = frame.entries[frame.next] as [string, BValue];
    frame.entries[frame.next++] = undefined;
    frame.dict.delete(key);

    if (!isDict(value) || key.length === 0) throw parseFailed(key.length === 0 ? 'empty file name' : 'entry is not a dictionary');
    // No length limit: libtorrent loads names of any length (sanitizing cuts them to 240 bytes).

    const isLeaf = value.size === 1 && value.has('');
    if (isLeaf) {
      const singleFile = isFirst && isLast && stack.length === 1;
      if (singleFile) singleFileTorrent = true;
      // A dropped leaf name leaves the folder's own path, as in libtorrent (duplicates are renamed later).
      const elements = singleFile ? singleFilePath(key) : below(frame.dir, key);
      addLeaf((value as BDict).get('') as BValue, elements, out);
      continue;
    }
    if (stack.length > MAX_DIRECTORY_DEPTH) {
      throw new MetainfoError('torrent_directory_too_deep', 'the file tree is nested too deeply');
    }
    if (value.size > 0) stack.push({ dict: value, entries: [...value], next: 0, dir: below(frame.dir, key) });
  }
  return singleFileTorrent;
}
