/** What a reader of someone else's bit set may use. */
export interface ReadonlyBitfield {
  readonly length: number;
  readonly count: number;
  readonly complete: boolean;
  has(index: number): boolean;
}

/**
 * A fixed-size bit set in BitTorrent's wire order: bit 0 is the high bit of byte 0.
 * Keeps a running count so "is this peer a seed?" is O(1).
 */
export class Bitfield implements ReadonlyBitfield {
  readonly bytes: Uint8Array;
  private setCount = 0;

  constructor(readonly length: number, from?: Uint8Array) {
    this.bytes = new Uint8Array(Math.ceil(length / 8));
    if (from) {
      this.bytes.set(from.subarray(0, this.bytes.length));
      this.setCount = countBits(this.bytes);
    }
  }

  static full(length: number): Bitfield {
    const field = new Bitfield(length);
    field.bytes.fill(0xff);
    const spare = field.bytes.length * 8 - length;
    if (spare > 0) field.bytes[field.bytes.length - 1] = (0xff << spare) & 0xff;
    field.setCount = length;
    return field;
  }

  get count(): number {
    return this.setCount;
  }

  get complete(): boolean {
    return this.setCount === this.length;
  }

  has(index: number): boolean {
    return ((this.bytes[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0;
  }

  /** Sets a bit; returns true when it was not set before. */
  set(index: number): boolean {
    if (index < 0 || index >= this.length) throw new RangeError(`bit ${index} outside 0..${this.length - 1}`);
    const mask = 0x80 >> (index & 7);
    const byte = this.bytes[index >> 3]!;
    if (byte & mask) return false;
    this.bytes[index >> 3] = byte | mask;
    this.setCount++;
    return true;
  }

  clear(index: number): boolean {
    const mask = 0x80 >> (index & 7);
    const byte = this.bytes[index >> 3] ?? 0;
    if (!(byte & mask)) return false;
    this.bytes[index >> 3] = byte & ~mask;
    this.setCount--;
    return true;
  }
}

/** True when the spare bits past `length` in the last byte are all zero (BEP 3 requires it). */
export function spareBitsClear(bytes: Uint8Array, length: number): boolean {
  const spare = bytes.length * 8 - length;
  if (spare <= 0) return true;
  const last = bytes[bytes.length - 1] ?? 0;
  return (last & ((1 << spare) - 1)) === 0;
}

function countBits(bytes: Uint8Array): number {
  let total = 0;
  for (const byte of bytes) {
    let b = byte;
    while (b) {
      b &= b - 1;
      total++;
    }
  }
  return total;
}
