/** Shared per-file pieces of BEP 47: the 'attr' string and 'symlink path'. */
import { type BDict, type BValue, getBytes, isBytes, isList } from '../bencode/index.js';
import { MetainfoError } from './errors.js';
import { sanitizePathElements } from './sanitize.js';

export interface FileAttrs {
  attr: string;
  pad: boolean;
  symlink: boolean;
  executable: boolean;
  hidden: boolean;
}

export function readAttrs(file: BDict): FileAttrs {
  const attr = getBytes(file, 'attr')?.toString('latin1') ?? '';
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
export function readSymlinkTarget(file: BDict): string[] | null {
  const list: BValue | undefined = file.get('symlink path');
  if (!isList(list)) return null;
  const raw: Buffer[] = [];
  for (const e of list) {
    if (!isBytes(e)) throw new MetainfoError('torrent_invalid_name', "a 'symlink path' element is not a string");
    raw.push(e);
  }
  const parts = sanitizePathElements(raw);
  return parts.length > 0 ? parts : null;
}
