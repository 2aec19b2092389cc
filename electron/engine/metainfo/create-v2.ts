/**
 * The BEP 52 parts of a new torrent: each file's merkle 'pieces root' and piece layer, and,
 * for a hybrid, the v1 'files' list with pad files so that every file starts on a piece (as
 * libtorrent ≥ 2.0.8 and qBittorrent make them: pad after every file that does not end on a
 * piece boundary, the last one included). The hashing (one pass over each file for both the
 * SHA-256 tree and, for hybrids, the SHA-1 of its zero-padded pieces) runs on worker threads
 * in v2-hasher.ts; this module lays out the file tree, piece layers and pad files.
 */
import type { Encodable } from '../bencode/index.js';
import { rememberLayer } from './piece-layers.js';
import { hashV2Files, type V2FileHashes } from './v2-hasher.js';
import type { HashWatch } from './hash-workers.js';

export interface V2Source {
  absolute: string;
  /** Path inside the torrent; empty for a single-file torrent. */
  elements: string[];
  length: number;
  /** Written as attr 'x' in the file tree and, for a hybrid, the v1 list. */
  executable: boolean;
}

export interface V2Parts {
  /** info['file tree']. */
  fileTree: Map<string, Encodable>;
  /** Top-level 'piece layers' (files of more than one piece). */
  pieceLayers: Map<string, Encodable>;
  /** Hybrid only: v1 'pieces' over the padded layout. */
  v1Pieces: Buffer | null;
  /** Hybrid multi-file only: v1 'files' with pad files. */
  v1Files: Encodable[] | null;
}

function treeKey(element: string): string {
  return Buffer.from(element, 'utf8').toString('latin1');
}

export async function hashV2(
  name: string,
  files: readonly V2Source[],
  pieceLength: number,
  hybrid: boolean,
  watch: HashWatch = {},
): Promise<V2Parts> {
  // A single-file hybrid has no pad file: its last v1 piece is short.
  const hashes = await hashV2Files(files, pieceLength, { sha1: hybrid, padLastPiece: !isSingle(files) }, watch);
  return layOutV2(name, files, pieceLength, hybrid, hashes, true);
}

function isSingle(files: readonly V2Source[]): boolean {
  return files.length === 1 && files[0]!.elements.length === 0;
}

/**
 * The parts as they will be, every hash zeros of its length (roots numbered): sizes the torrent before the
 * hashing (create-limits.ts). The zero buffers are not written, so they cost little memory.
 */
export function sizeV2(name: string, files: readonly V2Source[], pieceLength: number, hybrid: boolean): V2Parts {
  const pieceCounts = files.map((f) => Math.ceil(f.length / pieceLength));
  // Views of a few shared buffers, not a buffer per hash: only their lengths are counted.
  const roots = Buffer.alloc(32 * files.length);
  const zeros = Buffer.alloc(32 * pieceCounts.reduce((most, n) => Math.max(most, n), 0));
  const hashes = files.map((_, i): V2FileHashes => {
    const pieces = pieceCounts[i]!;
    // Roots told apart (piece layers are keyed by root): the size is then an upper bound, as
    // files of the same content share one layer in the real torrent.
    const root = roots.subarray(32 * i, 32 * i + 32);
    root.writeUInt32BE(i);
    return { root: pieces > 0 ? root : null, layer: pieces > 1 ? zeros.subarray(0, 32 * pieces) : null, sha1: zeros.subarray(0, hybrid ? 20 * pieces : 0) };
  });
  return layOutV2(name, files, pieceLength, hybrid, hashes, false);
}

/** Lays out the file tree, piece layers and (hybrid) v1 list from each file's hashes; `remember` keeps real layers for the parser. */
function layOutV2(name: string, files: readonly V2Source[], pieceLength: number, hybrid: boolean, hashes: readonly V2FileHashes[], remember: boolean): V2Parts {
  const single = isSingle(files);
  const fileTree = new Map<string, Encodable>();
  const pieceLayers = new Map<string, Encodable>();
  const sha1: Buffer[] = [];
  const v1Files: Encodable[] = [];

  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const h = hashes[i]!;
    const leaf: Record<string, Encodable> = { length: f.length };
    if (f.executable) leaf['attr'] = 'x';
    if (h.root !== null) leaf['pieces root'] = h.root;
    if (h.layer !== null && h.root !== null) {
      pieceLayers.set(h.root.toString('latin1'), h.layer);
      // Built from the data, so parsing this torrent need not hash the layer up again.
      if (remember) rememberLayer(h.root, h.layer);
    }

    // Insert under its path ([name] for a single-file torrent).
    const elements = single ? [name] : f.elements;
    let node = fileTree;
    for (let k = 0; k < elements.length - 1; k++) {
      const key = treeKey(elements[k]!);
      let child = node.get(key);
      if (!(child instanceof Map)) node.set(key, (child = new Map<string, Encodable>()));
      node = child as Map<string, Encodable>;
    }
    node.set(treeKey(elements[elements.length - 1]!), new Map([['', leaf]]));

    if (hybrid) {
      v1Files.push(f.executable ? { attr: 'x', length: f.length, path: f.elements } : { length: f.length, path: f.elements });
      const rem = f.length % pieceLength;
      if (rem !== 0 && !single) v1Files.push({ attr: 'p', length: pieceLength - rem, path: ['.pad', String(pieceLength - rem)] });
      sha1.push(h.sha1);
    }
  }
  const v1Pieces = hybrid ? Buffer.concat(sha1) : null;
  return { fileTree, pieceLayers, v1Pieces, v1Files: hybrid && !single ? v1Files : null };
}

