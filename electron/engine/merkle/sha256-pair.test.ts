import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256PairInto } from './sha256-pair.js';

const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

describe('sha256PairInto', () => {
  it('is SHA-256 of 64 bytes, at any offsets', () => {
    for (let i = 0; i < 200; i++) {
      const src = randomBytes(64 + 7);
      const dst = Buffer.alloc(40);
      sha256PairInto(src, 7, dst, 3);
      expect(dst.subarray(3, 35).toString('hex')).toBe(sha256(src.subarray(7)).toString('hex'));
      expect(dst.subarray(0, 3).every((b) => b === 0) && dst.subarray(35).every((b) => b === 0)).toBe(true);
    }
    // Known answer: SHA-256 of 64 zero bytes.
    const zeros = Buffer.alloc(64);
    const out = Buffer.alloc(32);
    sha256PairInto(zeros, 0, out, 0);
    expect(out.toString('hex')).toBe('f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b');
  });

  it('may write over its own input (a tree level hashed in place)', () => {
    const level = randomBytes(64 * 4);
    const want = [0, 1, 2, 3].map((i) => sha256(level.subarray(64 * i, 64 * i + 64)).toString('hex'));
    for (let i = 0; i < 4; i++) sha256PairInto(level, 64 * i, level, 32 * i);
    expect([0, 1, 2, 3].map((i) => level.subarray(32 * i, 32 * i + 32).toString('hex'))).toEqual(want);
  });
});
