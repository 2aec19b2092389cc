import { describe, expect, it } from 'vitest';
import { Bitfield, spareBitsClear } from './bitfield.js';

describe('Bitfield', () => {
  it('uses wire order: bit 0 is the high bit of byte 0', () => {
    const field = new Bitfield(16);
    field.set(0);
    field.set(7);
    field.set(9);
    expect([...field.bytes]).toEqual([0x81, 0x40]);
    expect(field.has(0)).toBe(true);
    expect(field.has(1)).toBe(false);
    expect(field.has(9)).toBe(true);
  });

  it('sizes its bytes to ceil(length / 8)', () => {
    expect(new Bitfield(0).bytes.length).toBe(0);
    expect(new Bitfield(1).bytes.length).toBe(1);
    expect(new Bitfield(8).bytes.length).toBe(1);
    expect(new Bitfield(9).bytes.length).toBe(2);
    expect(new Bitfield(110).bytes.length).toBe(14);
  });

  it('keeps a running count through set and clear, reporting whether anything changed', () => {
    const field = new Bitfield(10);
    expect(field.count).toBe(0);
    expect(field.set(3)).toBe(true);
    expect(field.set(3)).toBe(false);
    expect(field.count).toBe(1);
    expect(field.set(9)).toBe(true);
    expect(field.count).toBe(2);
    expect(field.clear(3)).toBe(true);
    expect(field.clear(3)).toBe(false);
    expect(field.count).toBe(1);
    expect(field.has(3)).toBe(false);
    expect(field.clear(4)).toBe(false);
    expect(field.count).toBe(1);
  });

  it('is complete only when every bit is set', () => {
    const field = new Bitfield(3);
    expect(field.complete).toBe(false);
    field.set(0);
    field.set(1);
    expect(field.complete).toBe(false);
    field.set(2);
    expect(field.complete).toBe(true);
    field.clear(1);
    expect(field.complete).toBe(false);
  });

  it('refuses to set bits outside the field, including spare bits of the last byte', () => {
    const field = new Bitfield(10);
    expect(() => field.set(10)).toThrow(RangeError);
    expect(() => field.set(15)).toThrow(RangeError);
    expect(() => field.set(-1)).toThrow(RangeError);
    expect(field.count).toBe(0);
    expect([...field.bytes]).toEqual([0, 0]);
  });

  it('answers false for indexes past the end instead of throwing', () => {
    const field = Bitfield.full(10);
    expect(field.has(10)).toBe(false);
    expect(field.has(1000)).toBe(false);
    expect(field.has(-1)).toBe(false);
  });

  it('counts the bits of an initial byte array and copies it', () => {
    const src = Uint8Array.from([0xff, 0x0f, 0x80]);
    const field = new Bitfield(17, src);
    expect(field.count).toBe(8 + 4 + 1);
    src[0] = 0;
    expect(field.has(0)).toBe(true);
  });

  it('ignores bytes past its length in the initial array', () => {
    const field = new Bitfield(8, Uint8Array.from([0x01, 0xff, 0xff]));
    expect(field.bytes.length).toBe(1);
    expect(field.count).toBe(1);
  });

  it('takes a shorter initial array as a prefix', () => {
    const field = new Bitfield(24, Uint8Array.from([0xf0]));
    expect(field.count).toBe(4);
    expect(field.has(3)).toBe(true);
    expect(field.has(4)).toBe(false);
  });

  it.each([0, 1, 7, 8, 9, 15, 16, 17, 110, 1000])('full(%i) sets exactly length bits and leaves spare bits clear', (length) => {
    const field = Bitfield.full(length);
    expect(field.count).toBe(length);
    expect(field.complete).toBe(true);
    expect(spareBitsClear(field.bytes, length)).toBe(true);
    for (let i = 0; i < length; i++) expect(field.has(i)).toBe(true);
    // Recounting the bytes agrees with the running count.
    expect(new Bitfield(length, field.bytes).count).toBe(length);
  });

  it('full(110) ends with the 6 high bits of byte 13 set (the walkthrough torrent)', () => {
    const field = Bitfield.full(110);
    expect(field.bytes.length).toBe(14);
    expect(field.bytes[13]).toBe(0xfc);
  });

  it('clearing a bit of a full field updates count and complete', () => {
    const field = Bitfield.full(9);
    expect(field.clear(8)).toBe(true);
    expect(field.count).toBe(8);
    expect(field.complete).toBe(false);
    expect([...field.bytes]).toEqual([0xff, 0x00]);
  });

  it('an empty field is complete (a torrent with no pieces has nothing missing)', () => {
    expect(new Bitfield(0).complete).toBe(true);
  });
});

describe('spareBitsClear', () => {
  it('accepts fields without spare bits', () => {
    expect(spareBitsClear(Uint8Array.from([0xff]), 8)).toBe(true);
    expect(spareBitsClear(new Uint8Array(0), 0)).toBe(true);
  });

  it('checks exactly the bits past length in the last byte', () => {
    expect(spareBitsClear(Uint8Array.from([0xff, 0x80]), 9)).toBe(true);
    expect(spareBitsClear(Uint8Array.from([0xff, 0xc0]), 9)).toBe(false);
    expect(spareBitsClear(Uint8Array.from([0xff, 0x01]), 9)).toBe(false);
    expect(spareBitsClear(Uint8Array.from([0xfe]), 7)).toBe(true);
    expect(spareBitsClear(Uint8Array.from([0xff]), 7)).toBe(false);
    expect(spareBitsClear(Uint8Array.from([0x00, 0x00, 0xfc]), 22)).toBe(true);
    expect(spareBitsClear(Uint8Array.from([0x00, 0x00, 0xfe]), 22)).toBe(false);
  });

  it('checks every spare position individually', () => {
    for (let length = 1; length <= 16; length++) {
      const bytes = Math.ceil(length / 8);
      for (let bit = 0; bit < bytes * 8; bit++) {
        const field = new Uint8Array(bytes);
        field[bit >> 3] = 0x80 >> (bit & 7);
        expect(spareBitsClear(field, length), `length ${length}, bit ${bit}`).toBe(bit < length);
      }
    }
  });
});
