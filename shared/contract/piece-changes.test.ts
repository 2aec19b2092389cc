import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from './base64.js';
import { decodePieceChanges, encodePieceChanges, FRACTION_STEPS, forEachPieceChange } from './piece-changes.js';
import { packSourceEntries, PIECE_SOURCE_ENTRY_BYTES, readSourceEntry, unpackSourceEntries, writeSourceEntry } from './piece-sources.js';
import { mulberry32 } from '../seeded-random.js';
import { PieceState, type PieceChange } from './types.js';
import { ByteReader, ByteWriter } from './varint.js';
import { ValidationError } from './validate.js';

describe('varints', () => {
  it('round-trip unsigned and zigzag values up to 2^35 − 1, small ones in one byte', () => {
    const w = new ByteWriter(1);
    const values = [0, 1, 127, 128, 16_383, 16_384, 2 ** 35 - 1];
    for (const v of values) w.varint(v);
    const signed = [0, -1, 1, -64, 63, -(2 ** 33), 2 ** 33];
    for (const v of signed) w.svarint(v);
    const r = new ByteReader(w.finish(), 'x');
    expect(values.map(() => r.varint())).toEqual(values);
    expect(signed.map(() => r.svarint())).toEqual(signed);
    expect(r.done).toBe(true);
    const one = new ByteWriter();
    one.svarint(-64);
    one.varint(127);
    expect(one.length).toBe(2);
  });

  it('reject truncated and over-long numbers', () => {
    expect(() => new ByteReader(Uint8Array.from([0x80]), 'x').varint()).toThrow(ValidationError);
    expect(() => new ByteReader(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 'x').varint()).toThrow(/longer than 5 bytes/);
  });
});

describe('packed piece changes', () => {
  it('round-trip every state, failed first, fractions in 255ths', () => {
    const changes: PieceChange[] = [[7, PieceState.Failed, 0], [3, PieceState.Verified, 1], [9, PieceState.InFlight, 0.5], [1, PieceState.Verified, 1], [4, PieceState.Missing, 0], [2, PieceState.InFlight, 1 / 3]];
    expect(decodePieceChanges(encodePieceChanges(changes))).toEqual([
      [7, PieceState.Failed, 0],
      [1, PieceState.Verified, 1],
      [3, PieceState.Verified, 1],
      [2, PieceState.InFlight, Math.round(FRACTION_STEPS / 3) / FRACTION_STEPS],
      [9, PieceState.InFlight, Math.round(FRACTION_STEPS / 2) / FRACTION_STEPS],
      [4, PieceState.Missing, 0],
    ]);
    expect(encodePieceChanges([])).toBe('');
    expect(decodePieceChanges('')).toEqual([]);
  });

  it('take about a byte per verified piece when a thousand of 16,384 change at once', () => {
    const rnd = mulberry32(14);
    const set = new Set<number>();
    while (set.size < 1000) set.add(Math.floor(rnd() * 16_384));
    const changes: PieceChange[] = [...set].map((i) => [i, PieceState.Verified, 1]);
    const bytes = base64ToBytes(encodePieceChanges(changes));
    expect(bytes.length).toBeLessThan(1200);
    expect(decodePieceChanges(bytesToBase64(bytes)).map(([i]) => i)).toEqual([...set].sort((a, b) => a - b));
  });

  it('reject an unknown state, a truncated group and non-base64', () => {
    expect(() => forEachPieceChange(bytesToBase64(Uint8Array.from([9, 1, 0])), () => undefined)).toThrow(/unknown piece state 9/);
    expect(() => forEachPieceChange(bytesToBase64(Uint8Array.from([PieceState.InFlight, 2, 0, 0, 10])), () => undefined)).toThrow(/ends too early/);
    expect(() => forEachPieceChange(bytesToBase64(Uint8Array.from([PieceState.Verified, 100, 0])), () => undefined)).toThrow(/longer than itself/);
    expect(() => forEachPieceChange('%%%', () => undefined)).toThrow(/not base64/);
  });
});

describe('packed piece-source entries', () => {
  it('round-trip in order, about half the bytes of the 8-byte entries', () => {
    const rnd = mulberry32(7);
    const n = 2000;
    const raw = new Uint8Array(n * PIECE_SOURCE_ENTRY_BYTES);
    let t = 0;
    for (let k = 0; k < n; k++) {
      t += rnd() < 0.1 ? 1 : 0;
      writeSourceEntry(raw, k * PIECE_SOURCE_ENTRY_BYTES, Math.floor(rnd() * 16_384), rnd() < 0.9 ? 3 : 0xffff, t);
    }
    const packed = packSourceEntries(raw);
    expect(packed.length).toBeLessThan(raw.length * 0.7);
    expect(unpackSourceEntries(packed)).toEqual(raw);
    expect(readSourceEntry(unpackSourceEntries(packed), 0)).toEqual(readSourceEntry(raw, 0));
  });

  it('reject entries out of range', () => {
    const w = new ByteWriter();
    w.svarint(-1);
    w.svarint(0);
    w.svarint(0);
    expect(() => unpackSourceEntries(w.finish())).toThrow(/out of range/);
  });
});
