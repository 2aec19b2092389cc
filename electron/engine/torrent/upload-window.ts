import { BLOCK_SIZE } from '../wire/message-ids.js';

/**
 * Pieces are read whole to serve uploads (one read serves all their blocks), but not a piece
 * larger than this: a v1 piece may be up to 2^30 - 1 bytes, and reading one whole for a 16 KiB
 * request would make a peer's single request cost a gigabyte of memory. Such a piece is read in
 * windows of this size, each with one block more so that any request starting in the window
 * fits in it (requests need not be block-aligned).
 */
export const UPLOAD_WINDOW = 1024 * 1024;

/** The part of a piece read (and cached) to serve a request starting at `begin`. */
export interface ReadWindow {
  /** Names the window in the read cache: unique over the torrent's pieces and windows. */
  readonly key: number;
  /** Offset in the piece. */
  readonly start: number;
  readonly length: number;
}

/** Windows a piece of the torrent's piece length can have (1 for pieces read whole). */
export function windowsPerPiece(pieceLength: number): number {
  return Math.max(1, Math.ceil(pieceLength / UPLOAD_WINDOW));
}

/**
 * The window holding a request at `begin` (of at most BLOCK_SIZE bytes, within the piece) of
 * piece `index`, `pieceSize` bytes long, in a torrent of `pieceLength`.
 */
export function readWindowOf(index: number, pieceLength: number, pieceSize: number, begin: number): ReadWindow {
  const perPiece = windowsPerPiece(pieceLength);
  if (pieceSize <= UPLOAD_WINDOW + BLOCK_SIZE) return { key: index * perPiece, start: 0, length: pieceSize };
  const w = Math.floor(begin / UPLOAD_WINDOW);
  const start = w * UPLOAD_WINDOW;
  return { key: index * perPiece + w, start, length: Math.min(UPLOAD_WINDOW + BLOCK_SIZE, pieceSize - start) };
}

/** The size of the largest window: what the read cache recycles buffers of. */
export function largestWindow(pieceLength: number): number {
  return Math.min(pieceLength, UPLOAD_WINDOW + BLOCK_SIZE);
}
