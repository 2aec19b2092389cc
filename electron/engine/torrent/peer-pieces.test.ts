import { describe, expect, it } from 'vitest';
import { peerPiecesResult } from '../../../shared/contract/peer-pieces.js';
import { Bitfield } from '../util/bitfield.js';
import { peerPieces, type WantedPieces } from './peer-pieces.js';

function bits(n: number, on: number[]): Bitfield {
  const b = new Bitfield(n);
  for (const i of on) b.set(i);
  return b;
}

/** 10 pieces; we have 0 and 1; piece 9 is not wanted. */
const ours: WantedPieces = { pieceCount: 10, has: (i) => i < 2, isWanted: (i) => i !== 9 };

describe('peerPieces', () => {
  it('a seed is a flag with every needed piece; a partial peer a bitfield in wire order and what it has of what we need', () => {
    const r = peerPieces(
      [
        { id: 'seed', isSeed: true, bitfield: null },
        { id: 'half', isSeed: false, bitfield: bits(10, [0, 1, 2, 3, 9]) },
      ],
      ours,
      new Map(),
    );
    expect(r.pieceCount).toBe(10);
    expect(r.wantedMissing).toBe(7);
    expect(r.peers[0]).toEqual({ id: 'seed', count: 10, seed: true, wanted: 7 });
    expect(r.peers[1]).toMatchObject({ id: 'half', count: 5, seed: false, wanted: 2 });
    expect([...Buffer.from(r.peers[1]!.have!, 'base64')]).toEqual([0b1111_0000, 0b0100_0000]);
    expect(() => peerPiecesResult(r, 'r')).not.toThrow();
  });

  it('leaves out a bitfield the renderer already has (same count), still counting what it has that we need', () => {
    const r = peerPieces([{ id: 'half', isSeed: false, bitfield: bits(10, [2, 3]) }], ours, new Map([['half', 2]]));
    expect(r.peers[0]).toEqual({ id: 'half', count: 2, seed: false, wanted: 2 });
    const grown = peerPieces([{ id: 'half', isSeed: false, bitfield: bits(10, [2, 3, 4]) }], ours, new Map([['half', 2]]));
    expect(grown.peers[0]!.have).toBeDefined();
  });

  it('a peer whose pieces are not known yet (or of another length) has nothing', () => {
    const r = peerPieces([{ id: 'new', isSeed: false, bitfield: null }, { id: 'odd', isSeed: false, bitfield: bits(3, [0]) }], ours, new Map());
    expect(r.peers.map((p) => [p.count, p.wanted])).toEqual([[0, 0], [0, 0]]);
  });
});
