import { ChurnMap } from '../util/churn-map.js';
import type { PieceDownload } from './piece-download.js';

/**
 * The pieces a peer was handed first, in the order it got them: a Set of PieceDownload for
 * what the picker does with it, kept in a ChurnMap by piece index because every 16 KiB piece
 * passes through it (a Set's hash tables, replaced under churn, are what the old generation
 * filled with; see ChurnMap). Holds at most one piece per index.
 */
export class OwnedPieces implements Iterable<PieceDownload> {
  private readonly pieces = new ChurnMap<PieceDownload>();

  get size(): number {
    return this.pieces.size;
  }

  has(piece: PieceDownload): boolean {
    return this.pieces.get(piece.index) === piece;
  }

  add(piece: PieceDownload): this {
    this.pieces.set(piece.index, piece);
    return this;
  }

  /** Removes `piece` (not another download of the same index); false when it was not there. */
  delete(piece: PieceDownload): boolean {
    return this.has(piece) && this.pieces.delete(piece.index);
  }

  clear(): void {
    this.pieces.clear();
  }

  [Symbol.iterator](): Iterator<PieceDownload> {
    return this.pieces.values();
  }
}
