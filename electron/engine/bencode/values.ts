/** Small typed accessors for decoded values, so callers never need casts. */
import { BDict, type BValue } from './types.js';

/** A decoded key (latin1 view of its raw bytes) shown as UTF-8 text. */
export function keyToUtf8(key: string): string {
  return Buffer.from(key, 'latin1').toString('utf8');
}

/** The decoder's key for a text key: its UTF-8 bytes viewed as latin1. Needed only for non-ASCII keys. */
export function utf8ToKey(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export function isDict(v: BValue | undefined): v is BDict {
  return v instanceof BDict;
}

export function isList(v: BValue | undefined): v is BValue[] {
  return Array.isArray(v);
}

export function isBytes(v: BValue | undefined): v is Buffer {
  return Buffer.isBuffer(v);
}

export function isInt(v: BValue | undefined): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** The dictionary stored under `key`, or undefined if absent or of another type. */
export function getDict(d: BDict, key: string): BDict | undefined {
  const v = d.get(key);
  return isDict(v) ? v : undefined;
}

export function getList(d: BDict, key: string): BValue[] | undefined {
  const v = d.get(key);
  return isList(v) ? v : undefined;
}

export function getBytes(d: BDict, key: string): Buffer | undefined {
  const v = d.get(key);
  return isBytes(v) ? v : undefined;
}

/** The integer under `key` as a number (bigints beyond 2^53 lose precision, keeping their sign and size class). */
export function getInt(d: BDict, key: string): number | undefined {
  const v = d.get(key);
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/** The byte string under `key` decoded as UTF-8 (invalid sequences become U+FFFD). */
export function getString(d: BDict, key: string): string | undefined {
  const v = getBytes(d, key);
  return v === undefined ? undefined : v.toString('utf8');
}

/**
 * Depth-first search for a dictionary whose keys were unsorted or duplicated, anywhere
 * inside `root` (root included). Iterative, so hostile depth is harmless.
 */
export function findKeyOrderProblem(root: BValue): BDict | null {
  const todo: BValue[] = [root];
  while (todo.length > 0) {
    const v = todo.pop() as BValue;
    if (v instanceof BDict) {
      if (v.keyOrder !== 'sorted') return v;
      for (const child of v.values()) if (typeof child === 'object') todo.push(child);
    } else if (Array.isArray(v)) {
      for (const child of v) if (typeof child === 'object') todo.push(child);
    }
  }
  return null;
}
