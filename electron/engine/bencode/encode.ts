/**
 * Canonical bencode encoder: dictionary keys sorted by raw bytes, integers in shortest form.
 *
 * Accepts the decoder's own values (so decode → encode round-trips canonical input byte for
 * byte) plus a few conveniences for building messages by hand:
 * - JS strings are written as UTF-8 byte strings;
 * - `Map` keys are latin1 ('binary') strings, exactly as the decoder produces them;
 * - plain-object keys are UTF-8 text; properties whose value is `undefined` are skipped.
 */
import { BencodeError } from './types.js';

export type Encodable =
  | number
  | bigint
  | string
  | Uint8Array
  | readonly Encodable[]
  | ReadonlyMap<string, Encodable>
  | { readonly [key: string]: Encodable | undefined };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function encode(value: Encodable): Buffer {
  const chunks: Buffer[] = [];
  write(value, chunks, 0);
  return Buffer.concat(chunks);
}

const D = Buffer.from('d');
const L = Buffer.from('l');
const E = Buffer.from('e');

function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

function writeBytes(bytes: Uint8Array, out: Buffer[]): void {
  out.push(Buffer.from(`${bytes.byteLength}:`, 'latin1'));
  out.push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

function write(value: Encodable, out: Buffer[], depth: number): void {
  if (depth > 1000) throw new BencodeError('value nested too deeply to encode', 0);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new BencodeError(`cannot encode non-integer number ${value}`, 0);
    out.push(Buffer.from(`i${value}e`, 'latin1'));
  } else if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) throw new BencodeError('integer outside the 64-bit range', 0);
    out.push(Buffer.from(`i${value}e`, 'latin1'));
  } else if (typeof value === 'string') {
    writeBytes(Buffer.from(value, 'utf8'), out);
  } else if (value instanceof Uint8Array) {
    writeBytes(value, out);
  } else if (Array.isArray(value)) {
    out.push(L);
    for (const item of value as readonly Encodable[]) write(item, out, depth + 1);
    out.push(E);
  } else if (value instanceof Map) {
    const entries: Array<[Buffer, Encodable]> = [];
    for (const [key, v] of value as ReadonlyMap<string, Encodable>) {
      if (!isLatin1(key)) throw new BencodeError('Map keys must be latin1 (raw byte) strings', 0);
      entries.push([Buffer.from(key, 'latin1'), v]);
    }
    writeDict(entries, out, depth);
  } else if (typeof value === 'object' && value !== null) {
    const entries: Array<[Buffer, Encodable]> = [];
    for (const key of Object.keys(value)) {
      const v = (value as { readonly [key: string]: Encodable | undefined })[key];
      if (v !== undefined) entries.push([Buffer.from(key, 'utf8'), v]);
    }
    writeDict(entries, out, depth);
  } else {
    throw new BencodeError(`cannot encode a value of type ${value === null ? 'null' : typeof value}`, 0);
  }
}

function writeDict(entries: Array<[Buffer, Encodable]>, out: Buffer[], depth: number): void {
  entries.sort((a, b) => Buffer.compare(a[0], b[0]));
  out.push(D);
  for (let i = 0; i < entries.length; i++) {
    const [key, v] = entries[i] as [Buffer, Encodable];
    if (i > 0 && Buffer.compare((entries[i - 1] as [Buffer, Encodable])[0], key) === 0) {
      throw new BencodeError(`duplicate dictionary key ${JSON.stringify(key.toString('utf8'))}`, 0);
    }
    writeBytes(key, out);
    write(v, out, depth + 1);
  }
  out.push(E);
}
