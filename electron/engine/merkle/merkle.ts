/**
 * BEP 52 merkle trees: SHA-256 over 16 KiB leaf blocks, each layer padded to a power of two.
 * A missing leaf is 32 zero bytes; a missing subtree is the hash of a tree of zero leaves of
 * its height. A piece's hash (its entry in the file's piece layer) is the root of the subtree
 * over its blocks; a file of at most one piece has its 'pieces root' as that hash, the tree
 * then being only as wide as the file's block count rounded up to a power of two.
 */
import { createHash } from 'node:crypto';

export const MERKLE_BLOCK = 16 * 1024;
const ZERO_LEAF = Buffer.alloc(32);

function sha256Pair(a: Uint8Array, b: Uint8Array): Buffer {
  return createHash('sha256').update(a).update(b).digest();
}

/** Smallest power of two ≥ n (1 for n ≤ 1). */
export function nextPowerOfTwo(n: number): number {
  let w = 1;
  while (w < n) w *= 2;
  return w;
}

/** Hash of a full tree of `leaves` zero leaves (a power of two). */
export function zeroSubtree(leaves: number): Buffer {
  let h: Buffer = ZERO_LEAF;
  for (let w = leaves; w > 1; w /= 2) h = sha256Pair(h, h);
  return h;
}

/**
 * Root over `nodes` padded to `width` nodes (a power of two ≥ nodes.length) with `pad`,
 * the hash of an empty subtree of the nodes' own height.
 */
export function merkleRoot(nodes: readonly Uint8Array[], width: number, pad: Buffer = ZERO_LEAF): Buffer {
  if (nodes.length > width) throw new Error(`merkleRoot: ${nodes.length} nodes do not fit ${width}`);
  let level: Uint8Array[] = nodes.slice();
  let padding = pad;
  if (width === 1) return Buffer.from(level[0] ?? padding);
  for (let w = width; w > 1; w /= 2) {
    const next: Uint8Array[] = [];
    // Pairs entirely in padding need not be hashed: they are the next padding.
    for (let i = 0; i < level.length; i += 2) next.push(sha256Pair(level[i] as Uint8Array, level[i + 1] ?? padding));
    padding = sha256Pair(padding, padding);
    level = next;
  }
  return Buffer.from(level[0] ?? padding);
}

/** SHA-256 of each 16 KiB block of `data` (the last one may be shorter). */
export function blockHashes(data: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += MERKLE_BLOCK) out.push(createHash('sha256').update(data.subarray(i, i + MERKLE_BLOCK)).digest());
  return out;
}

/** Root of the subtree over `data`'s blocks, padded to `leaves` leaves. */
export function dataRoot(data: Uint8Array, leaves: number): Buffer {
  return merkleRoot(blockHashes(data), leaves);
}

/** A file's 'pieces root' and piece layer (empty when it fits one piece), from its bytes. */
export function fileTree(data: Uint8Array, pieceLength: number): { root: Buffer; layer: Buffer[] } {
  const blocksPerPiece = pieceLength / MERKLE_BLOCK;
  if (data.length <= pieceLength) {
    return { root: dataRoot(data, nextPowerOfTwo(Math.ceil(data.length / MERKLE_BLOCK))), layer: [] };
  }
  const layer: Buffer[] = [];
  for (let i = 0; i < data.length; i += pieceLength) layer.push(dataRoot(data.subarray(i, i + pieceLength), blocksPerPiece));
  return { root: layerRoot(layer, pieceLength), layer };
}

/** The file root a piece layer hashes up to (padded with empty piece subtrees). */
export function layerRoot(layer: readonly Uint8Array[], pieceLength: number): Buffer {
  return merkleRoot(layer, nextPowerOfTwo(layer.length), zeroSubtree(pieceLength / MERKLE_BLOCK));
}
