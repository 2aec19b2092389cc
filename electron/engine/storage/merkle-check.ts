/**
 * The BEP 52 half of a piece check on a disk thread: the root of the merkle subtree over the
 * piece's 16 KiB blocks (only its file bytes; the rest of a v2 piece is padding) must equal
 * the piece-layer hash. Kept apart from disk-workers.ts, which splices the worker code in.
 */

/** What a disk worker checks a piece's bytes against, besides (or instead of) its SHA-1. */
export interface MerkleCheck {
  /** 32-byte subtree root. */
  expected: Uint8Array;
  /** Leading bytes of the piece that are file data. */
  dataLength: number;
  /** Leaves of the subtree (a power of two). */
  leaves: number;
}

/**
 * Plain CommonJS for the worker (it runs `crypto` from its own scope): `merkleRoot(bytes,
 * dataLength, leaves)` as in merkle/merkle.ts dataRoot. Missing leaves are zero hashes; a
 * pair wholly in padding is never hashed (the padding one level up is its hash).
 */
export const MERKLE_WORKER_SOURCE = `
const ZERO_LEAF = Buffer.alloc(32);
function sha256(bytes) {
  return typeof crypto.hash === 'function' ? crypto.hash('sha256', bytes, 'buffer') : crypto.createHash('sha256').update(bytes).digest();
}
function merkleRoot(bytes, dataLength, leaves) {
  let level = [];
  for (let o = 0; o < dataLength; o += 16384) level.push(sha256(bytes.subarray(o, Math.min(o + 16384, dataLength))));
  let pad = ZERO_LEAF;
  const pair = Buffer.alloc(64);
  for (let w = leaves; w > 1; w /= 2) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) {
      pair.set(level[i], 0);
      pair.set(level[i + 1] || pad, 32);
      next.push(sha256(pair));
    }
    pair.set(pad, 0);
    pair.set(pad, 32);
    pad = sha256(pair);
    level = next;
  }
  return level[0] || pad;
}
`;
