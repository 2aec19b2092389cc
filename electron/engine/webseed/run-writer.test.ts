import { describe, expect, it } from 'vitest';
import { PieceDownload } from '../picker/piece-download.js';
import type { BlockPick } from '../picker/piece-picker.js';
import { RunWriter } from './run-writer.js';

const BLOCK = 16 * 1024;

function picks(piece: PieceDownload): BlockPick[] {
  return Array.from({ length: piece.blockCount }, (_, block) => ({ piece, block, begin: block * BLOCK, length: piece.blockLength(block) }));
}

describe('RunWriter', () => {
  it('copies chunks of any size into the blocks of a run across pieces, reporting each block once complete', () => {
    const a = new PieceDownload(0, 2 * BLOCK, Buffer.alloc(2 * BLOCK));
    const b = new PieceDownload(1, BLOCK + 100, Buffer.alloc(BLOCK + 100));
    const blocks = [...picks(a), ...picks(b)];
    const done: string[] = [];
    const w = new RunWriter(blocks, () => true, (p) => done.push(`${p.piece.index}/${p.block}`));
    const data = Buffer.from(Array.from({ length: 3 * BLOCK + 100 }, (_, i) => (i * 13) & 0xff));
    for (let at = 0; at < data.length; at += 7000) w.push(data.subarray(at, Math.min(data.length, at + 7000)));
    expect(done).toEqual(['0/0', '0/1', '1/0', '1/1']);
    expect(Buffer.concat([a.buffer!, b.buffer!]).equals(data)).toBe(true);
    expect(w.received).toBe(data.length);
    expect(() => w.push(Buffer.alloc(1))).toThrow(RangeError);
  });

  it('does not write into a block that is not writable (arrived from a peer, piece reset), but still counts it', () => {
    const a = new PieceDownload(0, 2 * BLOCK, Buffer.alloc(2 * BLOCK, 7));
    const done: number[] = [];
    const w = new RunWriter(picks(a), (p) => p.block === 1, (p) => done.push(p.block));
    w.push(Buffer.alloc(2 * BLOCK, 1));
    expect(done).toEqual([0, 1]);
    expect(a.buffer![0]).toBe(7);
    expect(a.buffer![BLOCK]).toBe(1);
  });

  it('fills pad-file stretches with zeros', () => {
    const a = new PieceDownload(0, BLOCK, Buffer.alloc(BLOCK, 9));
    const w = new RunWriter(picks(a), () => true, () => undefined);
    w.push(Buffer.alloc(100, 1));
    w.zeros(BLOCK - 100);
    expect(a.buffer!.subarray(100).every((x) => x === 0)).toBe(true);
    expect(w.deliveredCount).toBe(1);
  });

  it('gathers each block of a staged piece (no buffer) in a buffer of its own, handed over with the block', () => {
    const a = new PieceDownload(0, 2 * BLOCK + 100, null);
    const done: Array<[number, Buffer | null]> = [];
    const w = new RunWriter(picks(a), (p) => p.block !== 1, (p, staged) => done.push([p.block, staged]));
    const data = Buffer.from(Array.from({ length: 2 * BLOCK + 100 }, (_, i) => (i * 7) & 0xff));
    for (let at = 0; at < data.length; at += 5000) w.push(data.subarray(at, Math.min(data.length, at + 5000)));
    expect(done.map(([block]) => block)).toEqual([0, 1, 2]);
    expect(done[0]![1]!.equals(data.subarray(0, BLOCK))).toBe(true);
    // Not writable (arrived from a peer meanwhile): nothing to hand over.
    expect(done[1]![1]).toBeNull();
    expect(done[2]![1]!.equals(data.subarray(2 * BLOCK))).toBe(true);
  });
});
