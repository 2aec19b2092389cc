import { describe, expect, it } from 'vitest';
import { PieceDownload } from '../picker/piece-download.js';
import { BLOCK_SIZE } from '../wire/message-ids.js';
import { BlockRequests, requestKey, type RequestPick } from './block-requests.js';

function picks(piece: PieceDownload, blocks: readonly number[]): RequestPick[] {
  return blocks.map((block) => ({ piece, block, begin: block * BLOCK_SIZE, length: BLOCK_SIZE }));
}

/** Slots of the ring that still point at a request (what would keep one alive). */
function heldSlots(requests: BlockRequests): number {
  const slots = (requests as unknown as { slots: readonly unknown[] }).slots;
  return slots.filter((s) => s !== null).length;
}

describe('BlockRequests', () => {
  const piece = new PieceDownload(7, 64 * BLOCK_SIZE, null);

  it('finds, removes and lists requests in the order sent', () => {
    const r = new BlockRequests();
    r.sent(picks(piece, [0, 1, 2, 3]), 10);
    expect(r.size).toBe(4);
    expect(r.has(7, 2)).toBe(true);
    expect(r.has(8, 2)).toBe(false);
    expect(r.get(7, 3)?.begin).toBe(3 * BLOCK_SIZE);
    expect(r.remove(7, 0)?.block).toBe(0);
    expect(r.remove(7, 0)).toBeUndefined();
    expect(r.outstanding.map((q) => q.block)).toEqual([1, 2, 3]);
    expect(r.size).toBe(3);
  });

  it('keeps order and finds every request when answers come out of order and the ring grows', () => {
    const r = new BlockRequests();
    const live = new Set<number>();
    let next = 0;
    // Send in batches, answer a scattered selection, send more: the ring wraps and grows.
    for (let round = 0; round < 40; round++) {
      const batch = Array.from({ length: 7 }, () => next++ % 64);
      const fresh = batch.filter((b) => !live.has(b));
      r.sent(picks(piece, fresh), round);
      for (const b of fresh) live.add(b);
      for (const b of [...live].filter((_, i) => (i * 5 + round) % 3 === 0)) {
        expect(r.remove(7, b)?.block).toBe(b);
        live.delete(b);
      }
      expect(r.size).toBe(live.size);
      for (let b = 0; b < 64; b++) expect(r.has(7, b)).toBe(live.has(b));
      expect(new Set(r.outstanding.map((q) => q.block))).toEqual(live);
      // Nothing answered stays referenced from the ring.
      expect(heldSlots(r)).toBe(live.size);
    }
  });

  it('lists the oldest first across a wrap, and judges a stall by the oldest request', () => {
    const r = new BlockRequests();
    r.sent(picks(piece, [0, 1, 2, 3, 4, 5]), 100);
    for (const b of [0, 1, 2, 3]) r.remove(7, b);
    r.sent(picks(piece, [6, 7, 8, 9, 10]), 200); // wraps past the end of the first 8 slots
    expect(r.outstanding.map((q) => q.block)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(r.stalled(100 + 4001, 4000)).toBe(true);
    r.remove(7, 4);
    r.remove(7, 5);
    expect(r.stalled(100 + 4001, 4000)).toBe(false); // the oldest left was sent at 200
    expect(r.stalled(200 + 4001, 4000)).toBe(true);
  });

  it('stays compact when a peer answers everything but its oldest request', () => {
    // Each search walks the span from the oldest request: it must not stretch with every block.
    const r = new BlockRequests();
    const pieces = Array.from({ length: 3000 }, (_, i) => new PieceDownload(i, BLOCK_SIZE, null));
    // A pipeline of 50 kept full: each answer (in order, all but piece 0's) is followed by a new request.
    for (let i = 0; i < 50; i++) r.sent(picks(pieces[i]!, [0]), i);
    for (let i = 50; i < pieces.length; i++) {
      expect(r.remove(i - 49, 0)?.piece).toBe(pieces[i - 49]);
      r.sent(picks(pieces[i]!, [0]), i);
      const span = (r as unknown as { span: number }).span;
      expect(span).toBeLessThanOrEqual(2 * r.size + 33);
    }
    expect(r.size).toBe(50);
    expect(r.get(0, 0)?.piece).toBe(pieces[0]);
    expect((r as unknown as { slots: readonly unknown[] }).slots.length).toBeLessThanOrEqual(256);
    expect(r.outstanding.map((q) => q.piece.index)).toEqual([0, ...Array.from({ length: 49 }, (_, k) => pieces.length - 49 + k)]);
  });

  it('keeps order and every request through compaction, answered in reverse', () => {
    const r = new BlockRequests();
    const piece = new PieceDownload(3, 500 * BLOCK_SIZE, null);
    r.sent(picks(piece, Array.from({ length: 500 }, (_, b) => b)), 0);
    for (let b = 499; b >= 100; b--) if (b % 3 !== 0) r.remove(3, b);
    const left = Array.from({ length: 500 }, (_, b) => b).filter((b) => b < 100 || b % 3 === 0);
    expect(r.outstanding.map((q) => q.block)).toEqual(left);
    for (const b of left) expect(r.has(3, b)).toBe(true);
    expect(heldSlots(r)).toBe(left.length);
  });

  it('adds the key of every request in flight', () => {
    const r = new BlockRequests();
    r.sent(picks(piece, [1, 2, 3]), 0);
    r.remove(7, 2);
    const keys = new Set<number>([99]);
    r.addKeysTo(keys);
    expect(keys).toEqual(new Set([99, requestKey(7, 1), requestKey(7, 3)]));
  });

  it('removeAll returns everything oldest first and leaves no request referenced', () => {
    const r = new BlockRequests();
    r.sent(picks(piece, Array.from({ length: 20 }, (_, i) => i)), 0);
    r.remove(7, 5);
    expect(r.removeAll().map((q) => q.block)).toEqual([0, 1, 2, 3, 4, ...Array.from({ length: 14 }, (_, i) => i + 6)]);
    expect(r.size).toBe(0);
    expect(r.stalled(1e9, 1)).toBe(false);
    expect(heldSlots(r)).toBe(0);
    r.sent(picks(piece, [3]), 0);
    expect(r.get(7, 3)?.block).toBe(3);
  });
});
