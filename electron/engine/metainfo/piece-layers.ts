/**
 * BEP 52 'piece layers': for every file larger than one piece, the SHA-256 hashes of its
 * pieces. libtorrent rejects a torrent whose layers do not hash up (merkle tree, padded to a
 * power of two) to the file's 'pieces root', or that names a root no such file has. A file
 * whose layer is absent is fine (its hashes can come from peers, as for a magnet).
 */
import crypto, { createHash } from 'node:crypto';
import type { BTape } from '../bencode/index.js';
import { MERKLE_BLOCK, nextPowerOfTwo, zeroSubtree } from '../merkle/merkle.js';
import { dropOldest } from '../util/recent-map.js';
import { MetainfoError } from './errors.js';
import type { FileEntry } from './file-list.js';

/**
 * Layers known to hash up to their root: root (hex) → SHA-256 of the layer, for the layers
 * this process built (createTorrent) or checked last. A layer with the same digest is the
 * same layer, so it is not hashed up again: `tessera create` parses the torrent it has just
 * made, and the app the torrent it has just created when it adds it; hashing up the layer of a
 * 1 GiB file in 16 KiB pieces takes 65,535 SHA-256 calls (~0.1 CPU-s), its digest ~1 ms.
 * Only layers big enough for that to matter; the most recent KNOWN_MAX.
 */
const known = new Map<string, string>();
const KNOWN_MAX = 64;
const KNOWN_MIN_BYTES = 256 * 32;

function layerDigest(layer: Buffer): string {
  return createHash('sha256').update(layer).digest('hex');
}

/** Records that `layer` hashes up to `root` (the caller computed both from the data). */
export function rememberLayer(root: Buffer, layer: Buffer): void {
  if (layer.length < KNOWN_MIN_BYTES) return;
  const hex = root.toString('hex');
  known.delete(hex);
  known.set(hex, layerDigest(layer));
  dropOldest(known, KNOWN_MAX);
}

/** SHA-256 of 64 bytes, written in place (a latin1 digest: no Buffer per hash). */
const sha256Into: (data: Uint8Array, out: Buffer, at: number) => void =
  typeof crypto.hash === 'function'
    ? (data, out, at) => void out.write(crypto.hash('sha256', data, 'binary'), at, 'latin1')
    : (data, out, at) => void out.write(createHash('sha256').update(data).digest('binary'), at, 'latin1');

/**
 * The root `layer` (32 bytes a piece, as it sits in the torrent) hashes up to, padded with empty
 * piece subtrees to a power of two: hashed level by level in one copy of it. A Buffer view per
 * piece (merkle.ts layerRoot takes a list) cost ~100 B of heap per piece: loading a 9 MB
 * torrent of one 4.4 GiB file in 16 KiB pieces (295,000 pieces) took 83 MiB.
 */
export function layerRootOf(layer: Buffer, pieceLength: number): Buffer {
  let n = layer.length / 32;
  let padding = zeroSubtree(pieceLength / MERKLE_BLOCK);
  if (n <= 1) return Buffer.from(n === 1 ? layer : padding);
  // The first level is hashed from the layer itself into half its size (not into a copy of
  // the whole layer: 9 MB for 295,000 pieces), then each level in place over the one before.
  const level = Buffer.allocUnsafe(Math.ceil(n / 2) * 32);
  const oddPair = Buffer.allocUnsafe(64);
  let from = layer;
  for (let width = nextPowerOfTwo(n); width > 1; width /= 2) {
    const pairs = n >> 1;
    for (let i = 0; i < pairs; i++) sha256Into(from.subarray(64 * i, 64 * i + 64), level, 32 * i);
    if (n % 2 === 1) {
      // The last node of an odd level is paired with the padding.
      from.copy(oddPair, 0, 64 * pairs, 64 * pairs + 32);
      padding.copy(oddPair, 32);
      sha256Into(oddPair, level, 32 * pairs);
    }
    n = (n + 1) >> 1;
    from = level;
    padding = createHash('sha256').update(padding).update(padding).digest();
  }
  return Buffer.from(level.subarray(0, 32));
}

function invalid(why: string): MetainfoError {
  return new MetainfoError('torrent_invalid_piece_layer', `invalid piece layer: ${why}`);
}

/**
 * Checks every layer of dictionary `layers` (a token of `tape`) against its file's root
 * (`roots[i]` is file i's); returns the layers by root (hex): copies, or with `copy` false views
 * of the input. Of a key given twice, the first is read (the rest are not looked at).
 */
export function verifyPieceLayers(
  tape: BTape,
  layers: number,
  files: readonly FileEntry[],
  roots: ReadonlyArray<Buffer | null>,
  pieceLength: number,
  copy = true,
): Map<string, Buffer> {
  // Files of more than one piece, by root (hex). A layer may be used once.
  const byRoot = new Map<string, { length: number; root: Buffer }>();
  for (let i = 0; i < files.length; i++) {
    const f = files[i] as FileEntry;
    const root = roots[i] ?? null;
    if (root !== null && f.length > pieceLength) {
      const hex = root.toString('hex');
      if (!byRoot.has(hex)) byRoot.set(hex, { length: f.length, root });
    }
  }
  const out = new Map<string, Buffer>();
  for (let k = tape.first(layers); k >= 0; k = tape.after(tape.after(k))) {
    const key = tape.bytesOf(k) as Buffer;
    if (key.length !== 32) throw invalid('malformed entry');
    const hex = key.toString('hex');
    if (out.has(hex)) continue;
    const value = tape.bytesOf(tape.after(k));
    if (value === undefined || value.length % 32 !== 0) throw invalid('malformed entry');
    const file = byRoot.get(hex);
    if (file === undefined) throw invalid('it does not belong to any file');
    const pieces = Math.ceil(file.length / pieceLength);
    if (value.length !== pieces * 32) throw invalid('wrong number of hashes');
    const digest = value.length >= KNOWN_MIN_BYTES ? layerDigest(value) : null;
    if (digest === null || known.get(hex) !== digest) {
      if (!layerRootOf(value, pieceLength).equals(file.root)) throw invalid("hashes do not match the file's pieces root");
      rememberLayer(file.root, value);
    }
    byRoot.delete(hex);
    out.set(hex, copy ? Buffer.from(value) : value);
  }
  return out;
}
