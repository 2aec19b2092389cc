/**
 * What a piece must hash to. v1: its SHA-1 from 'pieces'. v2-only: the root of the merkle
 * subtree over its blocks (BEP 52). Hybrid: both, and a piece that satisfies one but not the
 * other is bad (the two halves of the torrent disagree about it).
 */
import { createHash } from 'node:crypto';
import type { Metainfo } from '../metainfo/index.js';
import { v2PieceCheck } from '../metainfo/index.js';
import { dataRoot } from '../merkle/merkle.js';
import type { MerkleCheck } from '../storage/merkle-check.js';

const NO_SHA1 = Buffer.alloc(0);

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

  /** In-thread check (small pieces): every hash we know matches, and at least one is known. */
  matches(index: number, data: Buffer): boolean {
    const sha1 = this.sha1(index);
    const merkle = this.merkle(index);
    if (sha1.length === 0 && merkle === null) return false;
    if (sha1.length > 0 && !createHash('sha1').update(data).digest().equals(sha1)) return false;
    return merkle === null || dataRoot(data.subarray(0, merkle.dataLength), merkle.leaves).equals(merkle.expected);
  }
}
