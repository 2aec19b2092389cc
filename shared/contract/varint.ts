/**
 * Unsigned LEB128 varints and zigzag for the contract's packed byte arrays (piece changes,
 * piece-source entries): small numbers take one byte, which is what makes them lean.
 * Numbers up to 2^35 − 1 (five bytes); more is malformed input.
 */
import { ValidationError } from './validate.js';

const MAX_VARINT_BYTES = 5;

export class ByteWriter {
  private bytes: Uint8Array;
  length = 0;

  constructor(capacity = 64) {
    this.bytes = new Uint8Array(Math.max(8, capacity));
  }

  u8(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value & 0xff;
  }

  /** A non-negative integer below 2^35. */
  varint(value: number): void {
    this.reserve(MAX_VARINT_BYTES);
    let v = value;
    while (v >= 0x80) {
      this.bytes[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.bytes[this.length++] = v;
  }

  /** A signed integer (|value| below 2^34), zigzag-encoded: small magnitudes stay small. */
  svarint(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  finish(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
  }
}

export class ByteReader {
  offset = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly path: string,
  ) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  u8(): number {
    if (this.offset >= this.bytes.length) throw new ValidationError(this.path, 'ends too early');
    return this.bytes[this.offset++]!;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let k = 0; k < MAX_VARINT_BYTES; k++) {
      const b = this.u8();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
    throw new ValidationError(this.path, 'has a number longer than 5 bytes');
  }

  svarint(): number {
    const z = this.varint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
}
