/**
 * 160-bit DHT identifiers: XOR distance, common prefix length, random ids, hex and
 * info-hash normalisation. Ids are plain 20-byte Uint8Arrays.
 */
import { randomBytes } from 'node:crypto';

export const ID_LENGTH = 20;
export const ID_BITS = ID_LENGTH * 8;

/** An info-hash as 40 hex characters (either case) or 20 raw bytes. */
export type InfoHashLike = string | Uint8Array;

export function randomId(): Uint8Array {
  return new Uint8Array(randomBytes(ID_LENGTH));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses 40 hex characters (either case) into an id; null for anything else. */
export function idFromHex(hex: string): Uint8Array | null {
  if (!/^[0-9a-fA-F]{40}$/.test(hex)) return null;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Normalises an info-hash argument; throws TypeError on the wrong shape (a programming error). */
export function toInfoHash(value: InfoHashLike): Uint8Array {
  if (typeof value === 'string') {
    const id = idFromHex(value);
    if (!id) throw new TypeError(`info-hash must be 40 hex characters, got ${JSON.stringify(value.slice(0, 50))}`);
    return id;
  }
  if (value.length !== ID_LENGTH) throw new TypeError(`info-hash must be ${ID_LENGTH} bytes, got ${value.length}`);
  return new Uint8Array(value);
}

export function idEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The XOR distance between two ids, as a new 20-byte array (big-endian number). */
export function distance(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(ID_LENGTH);
  for (let i = 0; i < ID_LENGTH; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

/** Negative when `a` is closer to `target` than `b`, positive when farther, 0 when equal. */
export function compareDistance(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ID_LENGTH; i++) {
    const t = target[i] ?? 0;
    const da = (a[i] ?? 0) ^ t;
    const db = (b[i] ?? 0) ^ t;
    if (da !== db) return da - db;
  }
  return 0;
}

/** Number of leading bits `a` and `b` share (160 when equal). */
export function commonPrefixLength(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ID_LENGTH; i++) {
    const x = (a[i] ?? 0) ^ (b[i] ?? 0);
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return ID_BITS;
}

/**
 * A random id that shares exactly the first `prefixBits` bits with `base`; when `flipNext`
 * is set the following bit differs from `base` (the range of a non-last k-bucket).
 */
export function randomIdWithPrefix(base: Uint8Array, prefixBits: number, flipNext: boolean): Uint8Array {
  const out = randomId();
  const bits = Math.max(0, Math.min(ID_BITS, prefixBits));
  for (let bit = 0; bit < bits; bit++) setBit(out, bit, getBit(base, bit));
  if (flipNext && bits < ID_BITS) setBit(out, bits, getBit(base, bits) ^ 1);
  return out;
}

function getBit(id: Uint8Array, bit: number): number {
  return ((id[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1;
}

function setBit(id: Uint8Array, bit: number, value: number): void {
  const index = bit >> 3;
  const mask = 1 << (7 - (bit & 7));
  const current = id[index] ?? 0;
  id[index] = value ? current | mask : current & ~mask;
}
