import { describe, expect, it } from 'vitest';
import { FileMap, type Segment, type StorageFile } from './file-map.js';

/** Builds files with consecutive offsets from [path, length, pad?] triples. */
function layout(specs: ReadonlyArray<readonly [string, number, boolean?]>): { files: StorageFile[]; total: number } {
  let offset = 0;
  const files = specs.map(([path, length, pad]) => {
    const f = { path, length, offset, pad: pad ?? false };
    offset += length;
    return f;
  });
  return { files, total: offset };
}

function mapOf(pieceLength: number, specs: ReadonlyArray<readonly [string, number, boolean?]>): FileMap {
  const { files, total } = layout(specs);
  return new FileMap(files, pieceLength, total);
}

const seg = (fileIndex: number, fileOffset: number, bufferOffset: number, length: number): Segment => ({ fileIndex, fileOffset, bufferOffset, length });

/** Every byte of [start, start+length) maps to exactly one file byte, in order, with no gap. */
function expectContiguous(map: FileMap, start: number, length: number): void {
  const segs = map.segments(start, length);
  let at = 0;
  for (const s of segs) {
    expect(s.bufferOffset).toBe(at);
    expect(s.length).toBeGreaterThan(0);
    const file = map.files[s.fileIndex]!;
    expect(file.offset + s.fileOffset).toBe(start + at);
    expect(s.fileOffset + s.length).toBeLessThanOrEqual(file.length);
    at += s.length;
  }
  expect(at).toBe(Math.max(0, Math.min(length, map.totalLength - start)));
}

describe('FileMap', () => {
  it('maps a single-file torrent, last piece short', () => {
    const map = mapOf(16384, [['walkthrough.bin', 1_799_542]]);
    expect(map.pieceSegments(0)).toEqual([seg(0, 0, 0, 16384)]);
    expect(map.pieceSegments(1)).toEqual([seg(0, 16384, 0, 16384)]);
    expect(map.pieceSegments(109)).toEqual([seg(0, 109 * 16384, 0, 13_686)]);
    expect(map.pieceSegments(109, 0, 13_686)).toEqual([seg(0, 109 * 16384, 0, 13_686)]);
    expect(map.filePieces(0)).toEqual([0, 109]);
    expect(map.pieceCount).toBe(110);
    expect([map.pieceSize(0), map.pieceSize(108), map.pieceSize(109)]).toEqual([16384, 16384, 13_686]);
  });

  it('maps a block inside a piece', () => {
    const map = mapOf(65536, [['a', 200_000]]);
    expect(map.pieceSegments(2, 16384, 16384)).toEqual([seg(0, 2 * 65536 + 16384, 0, 16384)]);
  });

  it('splits pieces that cross file boundaries', () => {
    // a: 0..10, b: 10..25, c: 25..40; pieces of 16: [0,16) [16,32) [32,40)
    const map = mapOf(16, [
      ['a', 10],
      ['b', 15],
      ['c', 15],
    ]);
    expect(map.pieceSegments(0)).toEqual([seg(0, 0, 0, 10), seg(1, 0, 10, 6)]);
    expect(map.pieceSegments(1)).toEqual([seg(1, 6, 0, 9), seg(2, 0, 9, 7)]);
    expect(map.pieceSegments(2)).toEqual([seg(2, 7, 0, 8)]);
    expect(map.filePieces(0)).toEqual([0, 0]);
    expect(map.filePieces(1)).toEqual([0, 1]);
    expect(map.filePieces(2)).toEqual([1, 2]);
  });

  it('spans many small files within one piece', () => {
    const map = mapOf(100, [
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['d', 94],
      ['e', 50],
    ]);
    expect(map.pieceSegments(0)).toEqual([seg(0, 0, 0, 1), seg(1, 0, 1, 2), seg(2, 0, 3, 3), seg(3, 0, 6, 94)]);
    expect(map.pieceSegments(1)).toEqual([seg(4, 0, 0, 50)]);
  });

  it('skips empty files, including several at the same offset', () => {
    const map = mapOf(10, [
      ['a', 5],
      ['empty1', 0],
      ['empty2', 0],
      ['empty3', 0],
      ['b', 10],
    ]);
    expect(map.pieceSegments(0)).toEqual([seg(0, 0, 0, 5), seg(4, 0, 5, 5)]);
    expect(map.pieceSegments(1)).toEqual([seg(4, 5, 0, 5)]);
    // A range starting exactly at the empty files' offset lands in b.
    expect(map.segments(5, 3)).toEqual([seg(4, 0, 0, 3)]);
    expect(map.segments(4, 2)).toEqual([seg(0, 4, 0, 1), seg(4, 0, 1, 1)]);
    for (const i of [1, 2, 3]) expect(map.filePieces(i)).toBeNull();
  });

  it('handles empty files first and last', () => {
    const map = mapOf(8, [
      ['first-empty', 0],
      ['also-empty', 0],
      ['data', 12],
      ['tail-empty', 0],
      ['tail-empty-2', 0],
    ]);
    expect(map.pieceSegments(0)).toEqual([seg(2, 0, 0, 8)]);
    expect(map.pieceSegments(1)).toEqual([seg(2, 8, 0, 4)]);
    expect(map.segments(12, 5)).toEqual([]);
    expect(map.filePieces(0)).toBeNull();
    expect(map.filePieces(4)).toBeNull();
    expect(map.filePieces(2)).toEqual([0, 1]);
  });

  it('handles a torrent whose files are all empty but one byte', () => {
    const map = mapOf(16384, [
      ['e1', 0],
      ['x', 1],
      ['e2', 0],
    ]);
    expect(map.pieceSegments(0)).toEqual([seg(1, 0, 0, 1)]);
  });

  it('includes pad files in the mapping, marked pad (storage decides not to write them)', () => {
    // BEP 47: a pad file aligns b to a piece boundary.
    const map = mapOf(16, [
      ['a', 10],
      ['.pad/6', 6, true],
      ['b', 20],
    ]);
    expect(map.pieceSegments(0)).toEqual([seg(0, 0, 0, 10), seg(1, 0, 10, 6)]);
    expect(map.files[1]!.pad).toBe(true);
    expect(map.pieceSegments(1)).toEqual([seg(2, 0, 0, 16)]);
    expect(map.pieceSegments(2)).toEqual([seg(2, 16, 0, 4)]);
    expect(map.filePieces(1)).toEqual([0, 0]);
    expect(map.filePieces(2)).toEqual([1, 2]);
  });

  it('maps a file that ends exactly on a piece boundary to the pieces it touches only', () => {
    const map = mapOf(16, [
      ['a', 32],
      ['b', 16],
    ]);
    expect(map.filePieces(0)).toEqual([0, 1]);
    expect(map.filePieces(1)).toEqual([2, 2]);
    expect(map.pieceSegments(1)).toEqual([seg(0, 16, 0, 16)]);
    expect(map.pieceSegments(2)).toEqual([seg(1, 0, 0, 16)]);
  });

  it('clips ranges at the end of the torrent and returns nothing past it', () => {
    const map = mapOf(16, [['a', 20]]);
    expect(map.pieceSegments(1)).toEqual([seg(0, 16, 0, 4)]);
    expect(map.pieceSegments(1, 0, 100)).toEqual([seg(0, 16, 0, 4)]);
    expect(map.pieceSegments(2)).toEqual([]);
    expect(map.segments(20, 1)).toEqual([]);
    expect(map.segments(0, 0)).toEqual([]);
    expect(map.segments(0, -5)).toEqual([]);
  });

  it('returns null for filePieces of an index out of range', () => {
    const map = mapOf(16, [['a', 20]]);
    expect(map.filePieces(1)).toBeNull();
    expect(map.filePieces(-1)).toBeNull();
  });

  it('has no segments for a torrent without files', () => {
    const map = new FileMap([], 16, 0);
    expect(map.segments(0, 16)).toEqual([]);
  });

  it('maps every range of a messy layout contiguously (exhaustive over small ranges)', () => {
    const map = mapOf(7, [
      ['e0', 0],
      ['a', 3],
      ['e1', 0],
      ['b', 1],
      ['pad', 3, true],
      ['e2', 0],
      ['e3', 0],
      ['c', 9],
      ['d', 1],
      ['e4', 0],
    ]);
    for (let start = 0; start <= map.totalLength; start++) {
      for (let length = 0; length <= map.totalLength - start + 2; length++) expectContiguous(map, start, length);
    }
  });

  it('maps large offsets exactly (files beyond 4 GiB)', () => {
    const big = 5 * 2 ** 30;
    const map = mapOf(4 * 2 ** 20, [
      ['big', big + 123],
      ['small', 10],
    ]);
    const lastOfBig = Math.floor((big + 122) / (4 * 2 ** 20));
    expect(map.filePieces(0)).toEqual([0, lastOfBig]);
    const segs = map.pieceSegments(lastOfBig);
    expect(segs).toEqual([seg(0, lastOfBig * 4 * 2 ** 20, 0, 123), seg(1, 0, 123, 10)]);
  });
});
