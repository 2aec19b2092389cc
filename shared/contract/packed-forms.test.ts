import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from './base64.js';
import { decodePieceChanges, encodePieceChanges, FRACTION_STEPS, forEachPieceChange } from './piece-changes.js';
import { packSourceEntries, PIECE_SOURCE_ENTRY_BYTES, readSourceEntry, unpackSourceEntries, writeSourceEntry } from './piece-sources.js';
import { mulberry32 } from '../seeded-random.js';
import { PieceState, type PieceChange } from './types.js';
import { ByteReader, ByteWriter } from './varint.js';
import { ValidationError } from './validate.js';
import { inFlightReply, packInFlight, unpackInFlight, type InFlightView } from './in-flight.js';

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
    const changes: PieceChange[] = [[7, PieceState.Failed, 0], [3, PieceState.Verified, 1], [9, PieceState.InFlight, 0.5], [1, PieceState.Verified, 1], [4, PieceState.Missing, 0], [2, PieceState.InFlight, 1 / 3], [5, PieceState.Skipped, 0]];
    expect(decodePieceChanges(encodePieceChanges(changes))).toEqual([
      [7, PieceState.Failed, 0],
      [1, PieceState.Verified, 1],
      [3, PieceState.Verified, 1],
      [2, PieceState.InFlight, Math.round(FRACTION_STEPS / 3) / FRACTION_STEPS],
      [9, PieceState.InFlight, Math.round(FRACTION_STEPS / 2) / FRACTION_STEPS],
      [4, PieceState.Missing, 0],
      [5, PieceState.Skipped, 0],
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
  function entries(list: Array<[number, number, number]>): Uint8Array {
    const raw = new Uint8Array(list.length * PIECE_SOURCE_ENTRY_BYTES);
    list.forEach(([p, s, t], k) => writeSourceEntry(raw, k * PIECE_SOURCE_ENTRY_BYTES, p, s, t));
    return raw;
  }
  function read(raw: Uint8Array): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = [];
    for (let o = 0; o < raw.length; o += PIECE_SOURCE_ENTRY_BYTES) out.push(readSourceEntry(raw, o));
    return out;
  }

  it('round-trip, each run of one time by source, then piece', () => {
    const list: Array<[number, number, number]> = [[9, 1, 5], [2, 1, 5], [4, 0xffff, 5], [3, 1, 7], [1, 1, 7], [1, 1, 7], [16_000_000, 0, 3]];
    expect(read(unpackSourceEntries(packSourceEntries(entries(list))))).toEqual([[2, 1, 5], [9, 1, 5], [4, 0xffff, 5], [1, 1, 7], [1, 1, 7], [3, 1, 7], [16_000_000, 0, 3]]);
    // Sources interleaved within one tenth come back grouped.
    expect(read(unpackSourceEntries(packSourceEntries(entries([[5, 2, 1], [4, 1, 1], [3, 2, 1]]))))).toEqual([[4, 1, 1], [3, 2, 1], [5, 2, 1]]);
    expect(unpackSourceEntries(packSourceEntries(new Uint8Array(0)))).toEqual(new Uint8Array(0));
  });

  it('take about a byte an entry when two sources deliver hundreds of pieces a tenth of a second', () => {
    const rnd = mulberry32(7);
    const list: Array<[number, number, number]> = [];
    for (let k = 0; k < 5000; k++) list.push([Math.floor(rnd() * 16_384), rnd() < 0.9 ? 3 : 4, Math.floor(k / 500)]);
    const packed = packSourceEntries(entries(list));
    expect(packed.length).toBeLessThan(5000 * 1.6);
    const back = read(unpackSourceEntries(packed));
    const key = (e: [number, number, number]) => e.join(',');
    expect(back.map(key).sort()).toEqual(list.map(key).sort());
  });

  it('reject runs and pieces out of range', () => {
    const w = new ByteWriter();
    w.svarint(0);
    w.varint(1);
    w.svarint(-1);
    w.varint(1);
    w.varint(0);
    expect(() => unpackSourceEntries(w.finish())).toThrow(/out of range/);
    const big = new ByteWriter();
    big.svarint(0);
    big.varint(1);
    big.svarint(0);
    big.varint(1);
    big.varint(0x100_0000);
    expect(() => unpackSourceEntries(big.finish())).toThrow(/piece out of range/);
  });
});

describe('packed in-flight rows', () => {
  it('name each peer once and give the view back (slow from the wait, verifying from the blocks)', () => {
    const view: InFlightView = {
      now: 100_000,
      total: 3,
      pieces: [
        { index: 7, blocks: 'rr', from: [], waitingOn: [{ peer: 'b:2', blocks: 2 }], oldestRequest: 85_000, slow: true, state: 'downloading' },
        { index: 3, blocks: 'Rr..', from: [{ peer: 'a:1', blocks: 1 }], waitingOn: [{ peer: 'b:2', blocks: 1 }], oldestRequest: 99_000, slow: false, state: 'downloading' },
        { index: 9, blocks: 'ww', from: [{ peer: 'a:1', blocks: 2 }], waitingOn: [], oldestRequest: null, slow: false, state: 'verifying' },
      ],
    };
    const packed = packInFlight(view);
    expect(packed.peers).toEqual(['b:2', 'a:1']);
    expect(inFlightReply(JSON.parse(JSON.stringify(packed)), 'r')).toEqual(packed);
    expect(unpackInFlight(packed)).toEqual(view);
    expect(JSON.stringify(packed).length).toBeLessThan(JSON.stringify(view).length / 2);
  });
});
