/**
 * What a piece must hash to. v1: its SHA-1 from 'pieces'. v2-only: the root of the merkle
 * subtree over its blocks (BEP 52). Hybrid: both, and a piece that satisfies one but not the
 * other is bad (the two halves of the torrent disagree about it).
 */
import { createHash } from 'node:crypto';
import type { Metainfo } from '../metainfo/index.js';
import { v2PieceCheck } from '../metainfo/index.js';
import { blockHashes, dataRoot, merkleRoot } from '../merkle/merkle.js';
import type { MerkleCheck } from '../storage/merkle-check.js';

const NO_SHA1 = Buffer.alloc(0);
/**
 * Pieces longer than this are hashed from disk a chunk at a time (`matchesStreamed`), never
 * held whole: a v1 piece may be 2^30 - 1 bytes. A multiple of 16 KiB, so chunks split no v2 block.
 */
export const STREAMED_CHECK_CHUNK = 4 * 1024 * 1024;

/** Reads `length` bytes of the piece from `offset` into `into` (at least that long). */
export type PieceChunkReader = (offset: number, length: number, into: Buffer) => Promise<Buffer>;

export class PieceChecks {
  constructor(private readonly meta: Metainfo) {}

  /** 20-byte SHA-1, or an empty buffer when the torrent has no v1 hashes. */
  sha1(index: number): Buffer {
    const hashes = this.meta.pieceHashes;
    return hashes.length === 0 ? NO_SHA1 : hashes.subarray(index * 20, index * 20 + 20);
  }

  /** The merkle check, or null for v1 torrents and while the piece's layer is unknown. */
  merkle(index: number): MerkleCheck | null {
    const v2 = this.meta.v2;
    return v2 === null ? null : v2PieceCheck(v2, this.meta.pieceLength, index);
  }

  /** Whether the piece can be verified at all now (a v2 magnet may still lack piece layers). */
  known(index: number): boolean {
    return this.sha1(index).length > 0 || this.merkle(index) !== null;
  }

  /**
   * `matches` for a piece of `size` bytes read a chunk at a time with `read`: the SHA-1 and the
   * v2 block hashes are taken as the chunks go by, so memory is one chunk whatever the piece
   * length. (On this thread: a few milliseconds per chunk, between disk reads.)
   */
  async matchesStreamed(index: number, size: number, read: PieceChunkReader): Promise<boolean> {
    const sha1 = this.sha1(index);
    const merkle = this.merkle(index);
    if (sha1.length === 0 && merkle === null) return false;
    const hash = sha1.length > 0 ? createHash('sha1') : null;
    const leaves: Buffer[] = [];
    const chunk = Buffer.allocUnsafe(Math.min(size, STREAMED_CHECK_CHUNK));
    for (let at = 0; at < size; at += chunk.length) {
      const data = await read(at, Math.min(chunk.length, size - at), chunk);
      hash?.update(data);
      if (merkle !== null && at < merkle.dataLength) leaves.push(...blockHashes(data.subarray(0, merkle.dataLength - at)));
    }
    if (hash !== null && !hash.digest().equals(sha1)) return false;
    return merkle === null || merkleRoot(leaves, merkle.leaves).equals(merkle.expected);
  }

  /** In-thread check (small pieces): every hash we know matches, and at least one is known. */
  matches(index: number, data: Buffer): boolean {
    const sha1 = this.sha1(index);
    const merkle = this.merkle(index);
    if (sha1.length === 0 && merkle === null) return false;
    if (sha1.length > 0 && !createHash('sha1').update(data).digest().equals(sha1)) return false;
    return merkle === null || dataRoot(data.subarray(0, merkle.dataLength), merkle.leaves).equals(merkle.expected);
  }
}
