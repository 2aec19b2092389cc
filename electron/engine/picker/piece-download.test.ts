import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE } from '../wire/message-ids.js';
import { BlockTally } from './block-tally.js';
import { PieceDownload } from './piece-download.js';

const piece = (length: number): PieceDownload => new PieceDownload(7, length, Buffer.alloc(length));

describe('PieceDownload', () => {
  it.each([
    [1, [1]],
    [13_686, [13_686]],
    [BLOCK_SIZE, [BLOCK_SIZE]],
    [BLOCK_SIZE + 1, [BLOCK_SIZE, 1]],
    [40_000, [BLOCK_SIZE, BLOCK_SIZE, 7232]],
    [4 * BLOCK_SIZE, [BLOCK_SIZE, BLOCK_SIZE, BLOCK_SIZE, BLOCK_SIZE]],
  ])('a %i-byte piece has blocks %j', (length, blocks) => {
    const p = piece(length);
    expect(p.blockCount).toBe(blocks.length);
    expect(Array.from({ length: p.blockCount }, (_, b) => p.blockLength(b))).toEqual(blocks);
  });

  it("keeps each block's request count and arrival apart from every other block's", () => {
    const p = piece(3 * BLOCK_SIZE);
    p.markRequested(2);
    p.markRequested(2);
    p.markRequested(0);
    expect([0, 1, 2].map((b) => p.requestsOf(b))).toEqual([1, 0, 2]);
    expect([0, 1, 2].map((b) => p.hasArrived(b))).toEqual([false, false, false]);
    expect(p.markArrived(2)).toBe(true);
    expect([0, 1, 2].map((b) => p.requestsOf(b))).toEqual([1, 0, 1]);
    expect([0, 1, 2].map((b) => p.hasArrived(b))).toEqual([false, false, true]);
    expect(p.markArrived(0)).toBe(true);
    expect(p.markArrived(0)).toBe(false);
    expect([0, 1, 2].map((b) => p.hasArrived(b))).toEqual([true, false, true]);
    expect(p.nextFreeBlock()).toBe(1);
    expect(p.received).toBe(2);
  });

  it('hands out free blocks in order, each once', () => {
    const p = piece(3 * BLOCK_SIZE);
    const got: number[] = [];
    for (;;) {
      const b = p.nextFreeBlock();
      if (b < 0) break;
      p.markRequested(b);
      got.push(b);
    }
    expect(got).toEqual([0, 1, 2]);
    expect(p.firstFree).toBe(3);
    expect(p.nextFreeBlock()).toBe(-1);
  });

  it('release moves the scan hint back so a released block is found again', () => {
    const p = piece(4 * BLOCK_SIZE);
    for (let b = 0; b < 4; b++) p.markRequested(p.nextFreeBlock());
    expect(p.nextFreeBlock()).toBe(-1);
    p.release(2);
    expect(p.firstFree).toBe(2);
    expect(p.nextFreeBlock()).toBe(2);
    p.markRequested(2);
    p.release(0);
    p.release(3);
    expect(p.nextFreeBlock()).toBe(0);
  });

  it('a released block that had a second (endgame) request is not free', () => {
    const p = piece(BLOCK_SIZE);
    p.markRequested(0);
    p.markRequested(0);
    p.release(0);
    expect(p.requestsOf(0)).toBe(1);
    expect(p.nextFreeBlock()).toBe(-1);
    p.release(0);
    expect(p.nextFreeBlock()).toBe(0);
  });

  it('release never goes below zero and never frees an arrived block', () => {
    const p = piece(2 * BLOCK_SIZE);
    p.release(0);
    expect(p.requestsOf(0)).toBe(0);
    p.markRequested(1);
    expect(p.markArrived(1)).toBe(true);
    p.release(1);
    expect(p.requestsOf(1)).toBe(0);
    p.markRequested(p.nextFreeBlock());
    expect(p.nextFreeBlock()).toBe(-1);
  });

  it('counts arrivals once, clearing the request', () => {
    const p = piece(2 * BLOCK_SIZE);
    p.markRequested(0);
    p.markRequested(1);
    expect(p.markArrived(0)).toBe(true);
    expect(p.requestsOf(0)).toBe(0);
    expect(p.complete).toBe(false);
    expect(p.markArrived(0)).toBe(false);
    expect(p.received).toBe(1);
    expect(p.markArrived(1)).toBe(true);
    expect(p.complete).toBe(true);
  });

  it('accepts an arrival that was never requested (requests stay at zero)', () => {
    const p = piece(BLOCK_SIZE);
    expect(p.markArrived(0)).toBe(true);
    expect(p.requestsOf(0)).toBe(0);
    expect(p.nextFreeBlock()).toBe(-1);
  });

  it('starts unowned, unverified, with its buffer', () => {
    const buffer = Buffer.alloc(10);
    const p = new PieceDownload(3, 10, buffer);
    expect(p.owner).toBeNull();
    expect(p.verifying).toBe(false);
    expect(p.buffer).toBe(buffer);
    expect(p.contributors.size).toBe(0);
  });

  it('counts blocks per sender from one sender to several, and names the main one', () => {
    const p = piece(4 * BLOCK_SIZE);
    const a = { name: 'a' };
    const b = { name: 'b' };
    expect(p.mainSender()).toBeNull();
    p.credit(a);
    p.credit(a);
    expect(p.mainSender()).toBe(a);
    expect([...p.blocksFrom]).toEqual([[a, 2]]);
    p.credit(b);
    p.credit(b);
    p.credit(b);
    expect([...p.blocksFrom]).toEqual([[a, 2], [b, 3]]);
    expect([...p.contributors]).toEqual([a, b]);
    expect(p.mainSender()).toBe(b);
  });

  it('keeps the first sender on a tie', () => {
    const p = piece(2 * BLOCK_SIZE);
    const a = {};
    const b = {};
    p.credit(a);
    p.credit(b);
    expect(p.mainSender()).toBe(a);
  });

  it('counts its requested and free blocks in the tally it shares, until it leaves it', () => {
    const tally = new BlockTally();
    const p = new PieceDownload(1, 3 * BLOCK_SIZE, null, tally);
    const q = new PieceDownload(2, BLOCK_SIZE, null, tally);
    const counts = (): [number, number] => [tally.requested, tally.free];
    expect(counts()).toEqual([0, 4]);
    p.markRequested(0);
    p.markRequested(0); // endgame duplicate
    p.markRequested(1);
    expect(counts()).toEqual([3, 2]);
    p.release(1);
    p.release(1); // nothing left to release
    expect(counts()).toEqual([2, 3]);
    expect(p.markArrived(0)).toBe(true);
    expect(p.markArrived(0)).toBe(false);
    expect(counts()).toEqual([0, 3]);
    expect(p.markArrived(2)).toBe(true); // never requested (a web seed's run, say)
    expect(counts()).toEqual([0, 2]);
    q.markRequested(0);
    p.markRequested(1);
    expect(counts()).toEqual([2, 0]);
    p.leaveTally();
    expect(counts()).toEqual([1, 0]);
    // Its later changes count nowhere.
    p.release(1);
    p.leaveTally();
    expect(counts()).toEqual([1, 0]);
    expect(p.requestsOf(1)).toBe(0);
  });
});
