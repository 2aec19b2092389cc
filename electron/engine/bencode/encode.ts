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
import type { Steps } from '../util/yield.js';

/**
 * One value already bencoded, written as it is: lets a caller encode a huge part (a list of
 * 100,000 entries) in chunks, see {@link encodeListSteps}. The bytes are trusted to be valid.
 */
export class EncodedValue {
  constructor(readonly bytes: Uint8Array) {}
}

export type Encodable =
  | EncodedValue
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
  const out = new Output();
  write(value, out, 0);
  return out.result();
}

/** Encodes a list `chunk` items at a time, yielding between chunks (see util/yield.ts). */
export function* encodeListSteps(items: readonly Encodable[], chunk = 4096): Steps<EncodedValue> {
  const parts: Buffer[] = [Buffer.from('l')];
  for (let i = 0; i < items.length; i += chunk) {
    const part = encode(items.slice(i, i + chunk));
    // Without its own 'l' … 'e'.
    parts.push(part.subarray(1, part.length - 1));
    yield;
  }
  parts.push(Buffer.from('e'));
  return new EncodedValue(Buffer.concat(parts));
}

const CH_D = 0x64;
const CH_L = 0x6c;
const CH_E = 0x65;
const CH_I = 0x69;
const CH_COLON = 0x3a;
const CH_MINUS = 0x2d;
const CH_0 = 0x30;

/**
 * A write at least this big (a resume record's piece log: 2 MiB for 262,144 pieces) grows the
 * output to what it needs plus this much room for the rest, instead of doubling; the result
 * then goes out as it is, not copied. Doubling, then copying the result, took 8 MiB of
 * short-lived buffers to encode a 2 MiB record, at the end of a big download: its peak RSS.
 */
const BIG_WRITE = 64 * 1024;

/**
 * One growing buffer written in place: a buffer per token made encoding a resume record of
 * 100,000 files take most of a second.
 */
class Output {
  private buf = Buffer.allocUnsafe(256);
  private len = 0;

  byte(c: number): void {
    this.reserve(1);
    this.buf[this.len++] = c;
  }

  /** Text known to be ASCII (a bigint's digits). */
  ascii(text: string): void {
    this.reserve(text.length);
    this.len += this.buf.write(text, this.len, 'latin1');
  }

  /** A safe integer in decimal, digit by digit (Buffer.write per number is most of the cost). */
  decimal(value: number): void {
    this.reserve(17);
    let v = value;
    if (v < 0) {
      this.buf[this.len++] = CH_MINUS;
      v = -v;
    }
    let digits = 1;
    for (let rest = Math.floor(v / 10); rest > 0; rest = Math.floor(rest / 10)) digits++;
    for (let i = this.len + digits - 1; i >= this.len; i--) {
      this.buf[i] = CH_0 + (v % 10);
      v = Math.floor(v / 10);
    }
    this.len += digits;
  }

  utf8(text: string): void {
    const n = Buffer.byteLength(text, 'utf8');
    this.length(n);
    this.reserve(n);
    this.len += this.buf.write(text, this.len, 'utf8');
  }

  /** Bytes as they are (an EncodedValue). */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.byteLength);
    this.buf.set(bytes, this.len);
    this.len += bytes.byteLength;
  }

  bytes(bytes: Uint8Array): void {
    this.length(bytes.byteLength);
    this.reserve(bytes.byteLength);
    this.buf.set(bytes, this.len);
    this.len += bytes.byteLength;
  }

  /** A string's `<length>:` prefix. */
  private length(n: number): void {
    this.decimal(n);
    this.byte(CH_COLON);
  }

  /**
   * What was written: a copy of exactly that, unless the spare room is at most a sixteenth of
   * it and at most BIG_WRITE (a big output is then not copied again for the sake of a few KiB).
   */
  result(): Buffer {
    const spare = this.buf.length - this.len;
    if (spare <= BIG_WRITE && spare * 16 <= this.len) return this.buf.subarray(0, this.len);
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, 0, this.len);
    return out;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const size = n >= BIG_WRITE ? this.len + n + BIG_WRITE : Math.max(this.buf.length * 2, this.len + n);
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }
}

function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

function write(value: Encodable, out: Output, depth: number): void {
  if (depth > 1000) throw new BencodeError('value nested too deeply to encode', 0);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new BencodeError(`cannot encode non-integer number ${value}`, 0);
    out.byte(CH_I);
    out.decimal(value);
    out.byte(CH_E);
  } else if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) throw new BencodeError('integer outside the 64-bit range', 0);
    out.ascii(`i${value}e`);
  } else if (typeof value === 'string') {
    out.utf8(value);
  } else if (value instanceof Uint8Array) {
    out.bytes(value);
  } else if (value instanceof EncodedValue) {
    out.raw(value.bytes);
  } else if (Array.isArray(value)) {
    out.byte(CH_L);
    for (const item of value as readonly Encodable[]) write(item, out, depth + 1);
    out.byte(CH_E);
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

function writeDict(entries: Array<[Buffer, Encodable]>, out: Output, depth: number): void {
  entries.sort((a, b) => Buffer.compare(a[0], b[0]));
  out.byte(CH_D);
  for (let i = 0; i < entries.length; i++) {
    const [key, v] = entries[i] as [Buffer, Encodable];
    if (i > 0 && Buffer.compare((entries[i - 1] as [Buffer, Encodable])[0], key) === 0) {
      throw new BencodeError(`duplicate dictionary key ${JSON.stringify(key.toString('utf8'))}`, 0);
    }
    out.bytes(key);
    write(v, out, depth + 1);
  }
  out.byte(CH_E);
}
