/** Shared per-file pieces of BEP 47: the 'attr' string and 'symlink path'. */
import type { BTape } from '../bencode/index.js';
import { MetainfoError } from './errors.js';
import { sanitizePathElements } from './sanitize.js';

export interface FileAttrs {
  attr: string;
  pad: boolean;
  symlink: boolean;
  executable: boolean;
  hidden: boolean;
}

/** The attributes of file dictionary `file` (a token of `tape`). */
export function readAttrs(tape: BTape, file: number): FileAttrs {
  const attr = tape.latin1(tape.find(file, 'attr')) ?? '';
  return {
    attr,
    pad: attr.includes('p'),
    symlink: attr.includes('l'),
    executable: attr.includes('x'),
    hidden: attr.includes('h'),
  };
}

/**
 * The sanitized 'symlink path' of a file marked 'l', or null when there is no usable target
 * (libtorrent then treats the entry as a plain file). Non-string elements are an error.
 */
export function readSymlinkTarget(tape: BTape, file: number): string[] | null {
  const list = tape.findList(file, 'symlink path');
  if (list < 0) return null;
  const parts = sanitizePathElements(stringsOf(tape, list, "a 'symlink path' element is not a string"));
  return parts.length > 0 ? parts : null;
}

/** The elements of a list of strings (views of the input); `notString` is the error for any other element. */
export function stringsOf(tape: BTape, list: number, notString: string): Buffer[] {
  const raw: Buffer[] = [];
  for (let e = tape.first(list); e >= 0; e = tape.after(e)) {
    // No length limit: libtorrent loads elements of any length (sanitizing cuts them to 240 bytes).
    const bytes = tape.bytesOf(e);
    if (bytes === undefined) throw new MetainfoError('torrent_invalid_name', notString);
    raw.push(bytes);
  }
  return raw;
}
