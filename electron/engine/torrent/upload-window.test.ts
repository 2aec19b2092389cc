import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE } from '../wire/message-ids.js';
import { largestWindow, readWindowOf, UPLOAD_WINDOW, windowsPerPiece } from './upload-window.js';

describe('readWindowOf', () => {
  it('reads a piece of up to a window and a block whole, keyed by its index', () => {
    expect(readWindowOf(7, 256 * 1024, 256 * 1024, 5 * BLOCK_SIZE)).toEqual({ key: 7, start: 0, length: 256 * 1024 });
    expect(readWindowOf(3, 1000, 1000, 0)).toEqual({ key: 3, start: 0, length: 1000 });
    // A torrent of 2^30 - 1 byte pieces whose only piece is 1 MiB: read as it is, no more.
    expect(readWindowOf(0, 2 ** 30 - 1, 1 << 20, BLOCK_SIZE)).toEqual({ key: 0, start: 0, length: 1 << 20 });
  });

  it('reads a 2^30 - 1 byte piece a window at a time, never the whole piece', () => {
    const pieceLength = 2 ** 30 - 1;
    for (const begin of [0, BLOCK_SIZE, UPLOAD_WINDOW - 1, UPLOAD_WINDOW, 5 * UPLOAD_WINDOW + 12345, pieceLength - BLOCK_SIZE, pieceLength - 1]) {
      const length = Math.min(BLOCK_SIZE, pieceLength - begin);
      const w = readWindowOf(2, pieceLength, pieceLength, begin);
      expect(w.length).toBeLessThanOrEqual(largestWindow(pieceLength));
      // The request fits inside its window, unaligned ones included.
      expect(w.start).toBeLessThanOrEqual(begin);
      expect(begin + length).toBeLessThanOrEqual(w.start + w.length);
      expect(w.start + w.length).toBeLessThanOrEqual(pieceLength);
    }
    expect(largestWindow(pieceLength)).toBe(UPLOAD_WINDOW + BLOCK_SIZE);
  });

  it('gives every window of every piece its own key', () => {
    const pieceLength = 100 * UPLOAD_WINDOW + 5;
    const per = windowsPerPiece(pieceLength);
    const keys = new Set<number>();
    for (let index = 0; index < 3; index++) {
      for (let begin = 0; begin < pieceLength; begin += UPLOAD_WINDOW) keys.add(readWindowOf(index, pieceLength, pieceLength, begin).key);
      keys.add(readWindowOf(index, pieceLength, pieceLength, pieceLength - 1).key);
    }
    expect(keys.size).toBe(3 * per);
  });
});
