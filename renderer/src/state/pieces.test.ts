import { describe, expect, it } from 'vitest';
import { PieceState, bytesToBase64, encodePieceChanges } from '../../../shared/contract/index.js';
import { PieceRegistry } from './pieces.js';
import { hash } from '../../test/fixtures.js';

const H = hash(1);

function snapshot(states: number[], avail: number[], inFlight: Array<[number, number]> = [], seq = 0) {
  return {
    type: 'piecesSnapshot' as const, infoHash: H, seq, pieceCount: states.length,
    states: bytesToBase64(Uint8Array.from(states)), inFlight, availability: bytesToBase64(Uint8Array.from(avail)),
  };
}

describe('PieceRegistry', () => {
  it('loads a snapshot into a new field and announces it', () => {
    const r = new PieceRegistry();
    const seen: string[] = [];
    r.subscribe((h) => seen.push(h));
    expect(r.apply(snapshot([2, 1, 0, 0], [3, 2, 1, 0], [[1, 0.25]]), 0)).toBe('ok');
    const f = r.get(H);
    expect(f?.pieceCount).toBe(4);
    expect(Array.from(f?.state ?? [])).toEqual([2, 1, 0, 0]);
    expect(f?.fraction[1]).toBeCloseTo(0.25);
    expect(Array.from(f?.availability ?? [])).toEqual([3, 2, 1, 0]);
    expect(f?.verified).toBe(1);
    expect(seen).toEqual([H]);
  });

  it('reuses the field for a snapshot of the same size, replaces it when the size changes', () => {
    const r = new PieceRegistry();
    r.apply(snapshot([0, 0], [0, 0]), 0);
    const f = r.get(H);
    r.apply(snapshot([2, 2], [1, 1]), 0);
    expect(r.get(H)).toBe(f);
    expect(f?.verified).toBe(2);
    r.apply(snapshot([0, 0, 0], [0, 0, 0]), 0); // e.g. magnet metadata arrived
    expect(r.get(H)).not.toBe(f);
  });

  it('applies deltas in sequence: changes, failed flashes, availability', () => {
    const r = new PieceRegistry();
    r.apply(snapshot([0, 0, 0, 0], [1, 1, 1, 1]), 0);
    const f = r.get(H);
    expect(r.apply({ type: 'piecesDelta', infoHash: H, seq: 1, changes: encodePieceChanges([[0, PieceState.InFlight, 0.5], [1, PieceState.Verified, 1]]) }, 10)).toBe('ok');
    expect(f?.state[0]).toBe(PieceState.InFlight);
    expect(f?.fraction[0]).toBeCloseTo(0.5);
    expect(f?.verified).toBe(1);
    expect(r.apply({ type: 'piecesDelta', infoHash: H, seq: 2, changes: encodePieceChanges([[0, PieceState.Failed, 0]]), availability: bytesToBase64(Uint8Array.from([5, 6, 7, 8])) }, 20)).toBe('ok');
    expect(f?.failedAt[0]).toBe(20);
    expect(f?.state[0]).toBe(PieceState.Failed);
    expect(Array.from(f?.availability ?? [])).toEqual([5, 6, 7, 8]);
  });

  it('asks for a resync on a gap, an unknown torrent or bad base64', () => {
    const r = new PieceRegistry();
    expect(r.apply({ type: 'piecesDelta', infoHash: H, seq: 1, changes: encodePieceChanges([]) }, 0)).toBe('resync');
    r.apply(snapshot([0], [0]), 0);
    expect(r.apply({ type: 'piecesDelta', infoHash: H, seq: 2, changes: encodePieceChanges([]) }, 0)).toBe('resync');
    expect(r.apply({ ...snapshot([0], [0]), states: 'abc' }, 0)).toBe('resync');
  });

  it('ignores out-of-range indices in deltas and snapshots', () => {
    const r = new PieceRegistry();
    r.apply(snapshot([0, 0], [0, 0], [[9, 0.5]]), 0);
    expect(r.apply({ type: 'piecesDelta', infoHash: H, seq: 1, changes: encodePieceChanges([[99, PieceState.Verified, 1]]) }, 0)).toBe('ok');
    expect(r.get(H)?.verified).toBe(0);
  });

  it('drop forgets the torrent', () => {
    const r = new PieceRegistry();
    r.apply(snapshot([0], [0]), 0);
    r.drop(H);
    expect(r.get(H)).toBeNull();
  });
});
