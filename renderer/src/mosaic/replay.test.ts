import { describe, expect, it } from 'vitest';
import { PIECE_SOURCE_ENTRY_BYTES, bytesToBase64, packSourceEntries, writeSourceEntry } from '../../../shared/contract/index.js';
import { MISSING, SKIPPED, VERIFIED } from '../grid/layout.js';
import { replayAt, replaySpan } from './replay.js';
import { PieceSourceTable } from './sourceTable.js';

function table(entries: Array<[piece: number, source: number, tenths: number]>, pieceCount: number): PieceSourceTable {
  const bytes = new Uint8Array(entries.length * PIECE_SOURCE_ENTRY_BYTES);
  entries.forEach(([p, s, t], k) => writeSourceEntry(bytes, k * PIECE_SOURCE_ENTRY_BYTES, p, s, t));
  const t = new PieceSourceTable(pieceCount);
  t.apply({ generation: 1, base: 10_000, count: entries.length, from: 0, entries: bytesToBase64(packSourceEntries(bytes)), sourcesFrom: 0, sources: [{ kind: 'peer', label: 'a:1', client: '' }, { kind: 'peer', label: 'b:2', client: '' }], failures: [] });
  return t;
}

describe('replay', () => {
  // Piece 3 was on disk before the log (verified now, never logged).
  const log = table([[0, 0, 10], [2, 1, 20], [1, 1, 30]], 4);
  const now = Uint8Array.of(VERIFIED, VERIFIED, VERIFIED, VERIFIED);

  it('spans the first to the last completion', () => {
    expect(replaySpan(log)).toEqual({ start: 11_000, end: 13_000 });
    expect(replaySpan(new PieceSourceTable(3))).toBeNull();
  });

  it('at a moment: what completed by then (with its source), plus what was there before the log', () => {
    const states = new Uint8Array(4);
    const sources = new Int32Array(4);
    expect(replayAt(log, now, 10_999, states, sources)).toBe(1);
    expect(Array.from(states)).toEqual([MISSING, MISSING, MISSING, VERIFIED]);
    expect(replayAt(log, now, 12_000, states, sources)).toBe(3);
    expect(Array.from(states)).toEqual([VERIFIED, MISSING, VERIFIED, VERIFIED]);
    expect(Array.from(sources)).toEqual([0, -1, 1, -1]);
  });

  it('pieces skipped now are skipped all along (not missing pieces still to come)', () => {
    const live = Uint8Array.of(VERIFIED, SKIPPED, VERIFIED, SKIPPED);
    const few = table([[0, 0, 10], [2, 1, 20]], 4);
    const states = new Uint8Array(4);
    replayAt(few, live, 10_999, states, new Int32Array(4));
    expect(Array.from(states)).toEqual([MISSING, SKIPPED, MISSING, SKIPPED]);
    replayAt(few, live, 12_000, states, new Int32Array(4));
    expect(Array.from(states)).toEqual(Array.from(live));
  });

  it('at the end it is the live picture', () => {
    const states = new Uint8Array(4);
    expect(replayAt(log, now, 13_000, states, new Int32Array(4))).toBe(4);
    expect(Array.from(states)).toEqual(Array.from(now));
  });
});
