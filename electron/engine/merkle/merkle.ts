/**
 * BEP 52 merkle trees: SHA-256 over 16 KiB leaf blocks, each layer padded to a power of two.
 * A missing leaf is 32 zero bytes; a missing subtree is the hash of a tree of zero leaves of
 * its height. A piece's hash (its entry in the file's piece layer) is the root of the subtree
 * over its blocks; a file of at most one piece has its 'pieces root' as that hash, the tree
 * then being only as wide as the file's block count rounded up to a power of two.
 */
import crypto from 'node:crypto';

export const MERKLE_BLOCK = 16 * 1024;
const ZERO_LEAF = Buffer.alloc(32);

/** SHA-256 in one call (Node ≥ 20.12): no Hash object per 16 KiB block. */
const sha256: (data: Uint8Array) => Buffer =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'buffer') : (data) => crypto.createHash('sha256').update(data).digest();

/**
 * The same as a latin1 ('binary') string, to write into a buffer: for a 64-byte pair,
 * allocating a Buffer for the digest costs twice the hashing (~0.7 µs a pair, ~2 µs with one).
 */
const sha256Latin1: (data: Uint8Array) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'binary') : (data) => crypto.createHash('sha256').update(data).digest('binary');

function sha256Pair(a: Uint8Array, b: Uint8Array): Buffer {
  return sha256(Buffer.concat([a, b]));
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
 * Root over `nodes` (32 bytes each) padded to `width` nodes (a power of two ≥ nodes.length)
 * with `pad`, the hash of an empty subtree of the nodes' own height. The levels are hashed in
 * place in one buffer: a piece layer of 65,536 hashes (a 1 GiB file in 16 KiB pieces) is
 * checked each time a torrent is loaded, and a Buffer per node cost more than the hashing.
 */
export function merkleRoot(nodes: readonly Uint8Array[], width: number, pad: Buffer = ZERO_LEAF): Buffer {
  if (nodes.length > width) throw new Error(`merkleRoot: ${nodes.length} nodes do not fit ${width}`);
  if (width === 1) return Buffer.from(nodes[0] ?? pad);
  let n = nodes.length;
  // One spare slot: an odd level is paired with the padding.
  const level = Buffer.allocUnsafe((n + 1) * 32);
  nodes.forEach((node, i) => {
    if (node.length !== 32) throw new Error(`merkleRoot: a node of ${node.length} bytes`);
    level.set(node, i * 32);
  });
  let padding = pad;
  for (let w = width; w > 1; w /= 2) {
    // Pairs entirely in padding need not be hashed: they are the next padding.
    if (n % 2 === 1) level.set(padding, n * 32);
    n = (n + 1) >> 1;
    for (let i = 0; i < n; i++) level.write(sha256Latin1(level.subarray(64 * i, 64 * i + 64)), 32 * i, 'latin1');
    padding = sha256Pair(padding, padding);
  }
  return n === 0 ? Buffer.from(padding) : Buffer.from(level.subarray(0, 32));
}

/** SHA-256 of each 16 KiB block of `data` (the last one may be shorter). */
export function blockHashes(data: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += MERKLE_BLOCK) out.push(sha256(data.subarray(i, i + MERKLE_BLOCK)));
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
