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
import { allocV2Hashes, fileLayer, fileRoot, hashV2Files, type V2Hashes } from './v2-hasher.js';
import type { HashWatch } from './hash-workers.js';

export interface V2Source {
  readonly absolute: string;
  /** Path inside the torrent; empty for a single-file torrent. */
  readonly elements: readonly string[];
  readonly length: number;
  /** Written as attr 'x' in the file tree and, for a hybrid, the v1 list. */
  readonly executable: boolean;
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

/** A new torrent's BEP 52 parts, laid out once around the hashes they refer to. */
export interface V2Plan {
  /** Refer to views of `hashes`: hashing fills them in place. */
  parts: V2Parts;
  hashes: V2Hashes;
  files: readonly V2Source[];
  pieceLength: number;
  hybrid: boolean;
}

function isSingle(files: readonly V2Source[]): boolean {
  return files.length === 1 && files[0]!.elements.length === 0;
}

/**
 * The parts as they will be, every hash zeros of its length and the roots numbered: sizes the
 * torrent before the hashing (create-limits.ts), and {@link hashV2} then fills the same
 * buffers in, so the file tree and v1 list are built once (twice, they were most of the
 * memory the making of a torrent of 100,000 files took). The zero buffers are not written
 * before the hashing, so they cost little memory if the torrent is refused.
 */
export function planV2(name: string, files: readonly V2Source[], pieceLength: number, hybrid: boolean): V2Plan {
  const hashes = allocV2Hashes(files, pieceLength, hybrid);
  // Roots told apart (piece layers are keyed by root): the size is then an upper bound, as
  // files of the same content share one layer in the real torrent.
  for (let i = 0; i < files.length; i++) hashes.roots.writeUInt32BE(i, 32 * i);
  return { parts: layOutV2(name, files, pieceLength, hybrid, hashes), hashes, files, pieceLength, hybrid };
}

/** Hashes the files into the plan's buffers, and keys its piece layers by the real roots. */
export async function hashV2(plan: V2Plan, watch: HashWatch = {}): Promise<V2Parts> {
  const { files, pieceLength, hashes, parts } = plan;
  // A single-file hybrid has no pad file: its last v1 piece is short.
  await hashV2Files(files, pieceLength, { sha1: plan.hybrid, padLastPiece: !isSingle(files) }, watch, {}, hashes);
  parts.pieceLayers.clear();
  addPieceLayers(parts.pieceLayers, files.length, hashes, true);
  return parts;
}

/** Each file's piece layer by its root (latin1); `remember` tells the parser they hash up (they were built from the data). */
function addPieceLayers(into: Map<string, Encodable>, fileCount: number, hashes: V2Hashes, remember: boolean): void {
  for (let i = 0; i < fileCount; i++) {
    const root = fileRoot(hashes, i);
    const layer = fileLayer(hashes, i);
    if (root === null || layer === null) continue;
    into.set(root.toString('latin1'), layer);
    // Built from the data, so parsing this torrent need not hash the layer up again.
    if (remember) rememberLayer(root, layer);
  }
}

/** Lays out the file tree, piece layers and (hybrid) v1 list around views of each file's hashes. */
function layOutV2(name: string, files: readonly V2Source[], pieceLength: number, hybrid: boolean, hashes: V2Hashes): V2Parts {
  const single = isSingle(files);
  const fileTree = new Map<string, Encodable>();
  const pieceLayers = new Map<string, Encodable>();
  const v1Files: Encodable[] = [];

  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    // Plain objects of one shape (absent fields undefined, which encode skips), not a Map
    // around each leaf: ~150 B less per file of a folder.
    const leaf = { attr: f.executable ? 'x' : undefined, length: f.length, 'pieces root': fileRoot(hashes, i) ?? undefined };

    // Insert under its path ([name] for a single-file torrent).
    const elements = single ? [name] : f.elements;
    let node = fileTree;
    for (let k = 0; k < elements.length - 1; k++) {
      const key = treeKey(elements[k]!);
      let child = node.get(key);
      if (!(child instanceof Map)) node.set(key, (child = new Map<string, Encodable>()));
      node = child as Map<string, Encodable>;
    }
    node.set(treeKey(elements[elements.length - 1]!), { '': leaf });

    if (hybrid) {
      v1Files.push(f.executable ? { attr: 'x', length: f.length, path: f.elements } : { length: f.length, path: f.elements });
      const rem = f.length % pieceLength;
      if (rem !== 0 && !single) v1Files.push({ attr: 'p', length: pieceLength - rem, path: ['.pad', String(pieceLength - rem)] });
    }
  }
  addPieceLayers(pieceLayers, files.length, hashes, false);
  // Every file starts on a piece (pad files): the files' SHA-1s in order are the v1 pieces.
  return { fileTree, pieceLayers, v1Pieces: hybrid ? hashes.sha1 : null, v1Files: hybrid && !single ? v1Files : null };
}

