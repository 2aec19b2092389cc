/**
 * Where a v2 (or hybrid) torrent's pieces come from in its merkle trees. In v2 every file
 * starts on a piece boundary, so each piece belongs to one file: the piece's expected hash
 * is that file's piece-layer entry, or, for a file of at most one piece, its 'pieces root'.
 */
import { MERKLE_BLOCK, nextPowerOfTwo } from '../merkle/merkle.js';
import type { FileEntry } from './file-list.js';

export interface V2File {
  /** Index in Metainfo.files. */
  fileIndex: number;
  length: number;
  /** BEP 52 'pieces root'. */
  readonly root: Buffer;
  firstPiece: number;
  pieceCount: number;
  /**
   * 32 bytes per piece for a file of more than one piece; null while not known (a torrent
   * without 'piece layers', or a magnet: they come from peers in hash messages).
   */
  layer: Buffer | null;
}

/**
 * A V2File whose root is a view of one table of all the layout's roots, made when asked for:
 * a Buffer view kept per file cost 96 bytes of heap (and kept the whole .torrent's bytes alive,
 * the roots being views of them).
 */
class TableV2File implements V2File {
  constructor(
    readonly fileIndex: number,
    readonly length: number,
    private readonly roots: Buffer,
    private readonly at: number,
    readonly firstPiece: number,
    readonly pieceCount: number,
    public layer: Buffer | null,
  ) {}

  get root(): Buffer {
    return this.roots.subarray(this.at, this.at + 32);
  }
}

export interface V2Layout {
  /** Files with data, in piece order. */
  files: V2File[];
}

/** What a piece's SHA-256 merkle check needs. */
export interface V2PieceCheck {
  /** Subtree root the piece's blocks must hash up to. */
  expected: Buffer;
  /** Bytes of the piece that are file data (the rest is padding, not hashed). */
  dataLength: number;
  /** Leaves of the subtree (a power of two). */
  leaves: number;
}

/** `roots[i]` is file i's 'pieces root' (see FileListBuilder.roots). */
export function buildV2Layout(
  files: readonly FileEntry[],
  roots: ReadonlyArray<Buffer | null>,
  pieceLength: number,
  layers: ReadonlyMap<string, Buffer>,
): V2Layout {
  const hasData = (f: FileEntry, root: Buffer | null): root is Buffer => !f.pad && root !== null && f.length > 0;
  let count = 0;
  for (let i = 0; i < files.length; i++) if (hasData(files[i] as FileEntry, roots[i] ?? null)) count++;
  const table = Buffer.alloc(count * 32);
  const out: V2File[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i] as FileEntry;
    const root = roots[i] ?? null;
    if (!hasData(f, root)) continue;
    const at = out.length * 32;
    root.copy(table, at);
    const pieceCount = Math.ceil(f.length / pieceLength);
    // The layer only for a file of more than one piece: a 'pieces root' is its own layer otherwise.
    const layer = pieceCount > 1 ? (layers.get(root.toString('hex')) ?? null) : null;
    out.push(new TableV2File(i, f.length, table, at, f.offset / pieceLength, pieceCount, layer));
  }
  return { files: out };
}

/** The v2 file piece `index` lies in (binary search), or undefined. */
export function v2FileOfPiece(layout: V2Layout, index: number): V2File | undefined {
  let lo = 0;
  let hi = layout.files.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = layout.files[mid] as V2File;
    if (index < f.firstPiece) hi = mid - 1;
    else if (index >= f.firstPiece + f.pieceCount) lo = mid + 1;
    else return f;
  }
  return undefined;
}

/** The merkle check of piece `index`, or null when its hash is not known yet. */
export function v2PieceCheck(layout: V2Layout, pieceLength: number, index: number): V2PieceCheck | null {
  const f = v2FileOfPiece(layout, index);
  if (f === undefined) return null;
  const j = index - f.firstPiece;
  const dataLength = Math.min(pieceLength, f.length - j * pieceLength);
  if (f.pieceCount === 1) {
    return { expected: f.root, dataLength, leaves: nextPowerOfTwo(Math.ceil(f.length / MERKLE_BLOCK)) };
  }
  if (f.layer === null) return null;
  return { expected: f.layer.subarray(j * 32, j * 32 + 32), dataLength, leaves: pieceLength / MERKLE_BLOCK };
}
