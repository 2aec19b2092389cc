import { describe, expect, it } from 'vitest';
import { parseTorrent } from '../metainfo/index.js';
import { fileData, hybridTorrent } from '../metainfo/test-torrents.js';
import { PieceChecks, STREAMED_CHECK_CHUNK, type PieceChunkReader } from './piece-checks.js';

const PIECE = 2 * STREAMED_CHECK_CHUNK;
const LENGTH = 2 * PIECE + 100_000;

/** Reads from `payload` as the disk would, recording each read's length. */
function reader(payload: Buffer, index: number, lengths: number[]): PieceChunkReader {
  return async (offset, length, into) => {
    lengths.push(length);
    payload.copy(into, 0, index * PIECE + offset, index * PIECE + offset + length);
    return into.subarray(0, length);
  };
}

describe('PieceChecks.matchesStreamed', () => {
  it.each([
    ['hybrid (SHA-1 and merkle)', false],
    ['v2-only (merkle)', true],
  ])('agrees with the whole-piece check, a chunk at a time: %s', async (_what, v2Only) => {
    const t = hybridTorrent({ files: [{ path: ['a.bin'], length: LENGTH }], pieceLength: PIECE, v2Only });
    const meta = parseTorrent(t.bytes);
    const checks = new PieceChecks(meta);
    const payload = fileData(LENGTH, 1);
    for (let index = 0; index < meta.pieceCount; index++) {
      const size = Math.min(PIECE, LENGTH - index * PIECE);
      const whole = payload.subarray(index * PIECE, index * PIECE + size);
      const lengths: number[] = [];
      expect(checks.matches(index, whole)).toBe(true);
      expect(await checks.matchesStreamed(index, size, reader(payload, index, lengths))).toBe(true);
      expect(Math.max(...lengths)).toBeLessThanOrEqual(STREAMED_CHECK_CHUNK);
    }
    // One flipped bit in the second chunk of piece 1 fails it.
    const bad = Buffer.from(payload);
    bad[PIECE + STREAMED_CHECK_CHUNK + 77]! ^= 1;
    expect(await checks.matchesStreamed(1, PIECE, reader(bad, 1, []))).toBe(false);
    expect(checks.matches(1, bad.subarray(PIECE, 2 * PIECE))).toBe(false);
  });
});
