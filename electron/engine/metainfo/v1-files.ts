/**
 * BEP 3 file lists: the single file described by the info dictionary itself, or the
 * 'files' list of a multi-file torrent. Mirrors libtorrent's extract_single_file.
 */
import type { BTape } from '../bencode/index.js';
import { MetainfoError } from './errors.js';
import { type FileListBuilder, checkFileLength } from './file-list.js';
import { readAttrs, readSymlinkTarget, stringsOf } from './file-attrs.js';
import { sanitizeFileName, sanitizePathElements } from './sanitize.js';
import type { Steps } from '../util/yield.js';

/** Files read between two yields of {@link extractFileList}. */
export const FILES_PER_STEP = 1024;

const LEGACY_PAD_NAME = '_____padding_file_';

function readLength(tape: BTape, file: number, symlink: boolean): number {
  // Symlinks occupy no payload, whatever 'length' says.
  if (symlink) return 0;
  const length = tape.intNumber(tape.find(file, 'length')) ?? -1;
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

function addFile(tape: BTape, file: number, rootName: string, topLevel: boolean, out: FileListBuilder): void {
  if (!tape.isDict(file)) throw new MetainfoError('torrent_file_parse_failed', "an entry of 'files' is not a dictionary");
  const attrs = readAttrs(tape, file);
  if (attrs.pad && attrs.symlink) {
    throw new MetainfoError('torrent_invalid_pad_file', 'a file is marked both as pad file and as symlink');
  }
  const length = readLength(tape, file, attrs.symlink);

  let elements: string[];
  if (topLevel) {
    const name = tape.findBytes(file, 'name.utf-8') ?? tape.findBytes(file, 'name');
    if (name === undefined || name.length === 0) throw new MetainfoError('torrent_missing_name', "missing or empty 'name'");
    const clean = sanitizeFileName(name);
    if (clean === null) throw new MetainfoError('torrent_missing_name', "'name' is not a usable file name");
    elements = [clean];
  } else {
    const utf8Path = tape.findList(file, 'path.utf-8');
    const path = utf8Path >= 0 ? utf8Path : tape.findList(file, 'path');
    if (tape.first(path) >= 0) {
      const parts = sanitizePathElements(stringsOf(tape, path, "a 'path' element is not a string"));
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
  const symlinkElements = attrs.symlink ? readSymlinkTarget(tape, file) : null;

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

/** A single-file torrent: the info dictionary (`info`, a token of `tape`) is the file. */
export function extractSingleFile(tape: BTape, info: number, out: FileListBuilder): void {
  addFile(tape, info, '', true, out);
}

/**
 * A multi-file torrent's 'files' list (`files`, a token of `tape`); every path is prefixed
 * with `rootName`. Read in place: the only objects made per file are its path strings and the
 * file itself. Yields every FILES_PER_STEP files.
 */
export function* extractFileList(tape: BTape, files: number, rootName: string, out: FileListBuilder): Steps<void> {
  let i = 0;
  for (let file = tape.first(files); file >= 0; file = tape.after(file)) {
    addFile(tape, file, rootName, false, out);
    if (++i % FILES_PER_STEP === 0) yield;
  }
}
