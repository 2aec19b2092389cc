import { describe, expect, it } from 'vitest';
import { PieceDownload } from '../picker/piece-download.js';
import type { BlockPick } from '../picker/piece-picker.js';
import { BlockClaim } from './block-claim.js';

function picks(piece: PieceDownload): BlockPick[] {
  return [0, 1, 2].map((block) => {
    piece.markRequested(block);
    return { piece, block, begin: block * 16384, length: 16384 };
  });
}

describe('BlockClaim', () => {
  it('lets a silent job’s blocks go to the picker and takes back those still wanted, each once', () => {
    const piece = new PieceDownload(0, 3 * 16384, Buffer.alloc(3 * 16384));
    const [a, b, c] = picks(piece) as [BlockPick, BlockPick, BlockPick];
    const undelivered = new Set([a, b, c]);
    const claim = new BlockClaim(undelivered, (p) => !p.piece.hasArrived(p.block));
    claim.release();
    claim.release(); // a second silence report changes nothing
    expect([0, 1, 2].map((n) => piece.requestsOf(n))).toEqual([0, 0, 0]);
    expect([claim.released, claim.holds(a)]).toEqual([true, false]);
    // Meanwhile another source requests block 1 and delivers block 2.
    piece.markRequested(1);
    piece.markRequested(2);
    piece.markArrived(2);
    claim.retake();
    expect([0, 1, 2].map((n) => piece.requestsOf(n))).toEqual([1, 2, 0]);
    expect([claim.released, claim.holds(a), claim.holds(c)]).toEqual([false, true, true]);
  });
});
