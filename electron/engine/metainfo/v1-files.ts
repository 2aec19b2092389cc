/**
 * BEP 3 file lists: the single file described by the info dictionary itself, or the
 * 'files' list of a multi-file torrent. Mirrors libtorrent's extract_single_file.
 */
import { type BDict, type BValue, getBytes, getList, isBytes, isDict } from '../bencode/index.js';
import { MetainfoError } from './errors.js';
import { type FileListBuilder, checkFileLength } from './file-list.js';
import { readAttrs, readSymlinkTarget } from './file-attrs.js';
import { sanitizeFileName, sanitizePathElements } from './sanitize.js';
import type { Steps } from '../util/yield.js';

/** Files read between two yields of {@link extractFileList}. */
export const FILES_PER_STEP = 1024;

const LEGACY_PAD_NAME = '_____padding_file_';

function readLength(file: BDict, symlink: boolean): number {
  // Symlinks occupy no payload, whatever 'length' says.
  if (symlink) return 0;
  const v = file.get('length');
  const length = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : -1;
  checkFileLength(length);
  return length;
}

/**
 * Puts the folder names `elements` has in common with the file before it (`previous`) as that
 * file's strings: files of one folder come one after the other, and each file kept its own copy
 * of every folder's name (sanitizing makes a new string), ~30 bytes a folder a file.
 */
function shareFolders(elements: string[], previous: readonly string[] | undefined): void {
  if (previous === undefined) return;
  const folders = Math.min(elements.length, previous.length) - 1;
  for (let i = 0; i < folders && elements[i] === previous[i]; i++) elements[i] = previous[i] as string;
}

function addFile(
  out: FileListBuilder,
  file: BValue,
  rootName: string,
  topLevel: boolean,
): void {
  if (!isDict(file)) throw new MetainfoError('torrent_file_parse_failed', "an entry of 'files' is not a dictionary");
  const attrs = readAttrs(file);
  if (attrs.pad && attrs.symlink) {
    throw new MetainfoError('torrent_invalid_pad_file', 'a file is marked both as pad file and as symlink');
  }
  const length = readLength(file, attrs.symlink);

  let elements: string[];
  if (topLevel) {
    const name = getBytes(file, 'name.utf-8') ?? getBytes(file, 'name');
    if (name === undefined || name.length === 0) throw new MetainfoError('torrent_missing_name', "missing or empty 'name'");
    const clean = sanitizeFileName(name);
    if (clean === null) throw new MetainfoError('torrent_missing_name', "'name' is not a usable file name");
    elements = [clean];
  } else {
    const path = getList(file, 'path.utf-8') ?? getList(file, 'path');
    if (path !== undefined && path.length > 0) {
      const raw: Buffer[] = [];
      for (const e of path) {
        // No length limit: libtorrent loads elements of any length (sanitizing cuts them to 240 bytes).
        if (!isBytes(e)) throw new MetainfoError('torrent_invalid_name', "a 'path' element is not a string");
        raw.push(e);
      }
      const parts = sanitizePathElements(raw);
      // Everything sanitized away ("..", "/"…): the file still needs a name.
      if (parts.length === 0) parts.push('_');
      // concat, not a spread: see v2-files.ts below().
      elements = [rootName].concat(parts);
      shareFolders(elements, out.files[out.files.length - 1]?.pathElements);
    } else if (attrs.pad) {
      // BEP 47 pad files need no path.
      elements = [rootName, '.pad', String(length)];
    } else {
      throw new MetainfoError('torrent_missing_name', "a file has no 'path'");
    }
  }

  const leaf = elements[elements.length - 1] as string;
  const pad = attrs.pad || leaf.includes(LEGACY_PAD_NAME);
  const symlinkElements = attrs.symlink ? readSymlinkTarget(file) : null;

  out.add({
    elements,
    length,
    pad,
    attr: attrs.attr,
    symlinkElements,
    executable: attrs.executable,
    hidden: attrs.hidden,
    root: null,
  });
}

/** A single-file torrent: the info dictionary is the file. */
export function extractSingleFile(info: BDict, out: FileListBuilder): void {
  addFile(out, info, '', true);
}

/**
 * A multi-file torrent's 'files' list; every path is prefixed with `rootName`. Yields every
 * FILES_PER_STEP files. The list is consumed: each entry is replaced by 0 once read, so that
 * the decoded dictionaries (a Map, Buffer views and a list per file, ~850 bytes) can be
 * collected as the file list grows rather than all sit beside it.
 */
export function* extractFileList(files: BValue[], rootName: string, out: FileListBuilder): Steps<void> {
  for (let i = 0; i < files.length; i++) {
    const file = files[i] as BValue;
    files[i] = 0;
    addFile(out, file, rootName, false);
    if ((i + 1) % FILES_PER_STEP === 0) yield;
  }
}
