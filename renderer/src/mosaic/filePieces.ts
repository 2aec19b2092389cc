/**
 * Where each file lies in the pieces, and how much of it plays from its start: the bytes
 * contiguous from the file's first byte whose pieces are all verified ("playable to 37%").
 * Files are laid end to end in index order (pad files included, as in the torrent). Pure.
 */
import type { FileView } from '../../../shared/contract/index.js';
import { VERIFIED } from '../grid/layout.js';

export interface FileSpan {
  /** Byte offset of the file in the torrent. */
  offset: number;
  /** First piece and one past the last piece holding its bytes (first === end for an empty file). */
  first: number;
  end: number;
}

export function fileSpans(files: readonly FileView[], pieceLength: number): Map<number, FileSpan> {
  const out = new Map<number, FileSpan>();
  let offset = 0;
  for (const f of [...files].sort((a, b) => a.index - b.index)) {
    const first = pieceLength > 0 ? Math.floor(offset / pieceLength) : 0;
    const end = pieceLength > 0 && f.size > 0 ? Math.floor((offset + f.size - 1) / pieceLength) + 1 : first;
    out.set(f.index, { offset, first, end });
    offset += f.size;
  }
  return out;
}

/** Bytes of the file, from its start, whose pieces are all verified. */
export function playableBytes(file: FileView, span: FileSpan, state: Uint8Array, pieceLength: number): number {
  if (file.size === 0) return 0;
  for (let p = span.first; p < span.end; p++) {
    if (p >= state.length || state[p] !== VERIFIED) {
      const reached = p * pieceLength - span.offset;
      return Math.max(0, Math.min(file.size, reached));
    }
  }
  return file.size;
}

/** Fraction of verified pieces per column of a `width`-column strip over the file's pieces. */
export function fileColumns(span: FileSpan, state: Uint8Array, width: number): Float32Array {
  const out = new Float32Array(width);
  const n = span.end - span.first;
  if (n <= 0) return out;
  for (let c = 0; c < width; c++) {
    const a = span.first + Math.floor((c * n) / width);
    const b = Math.max(a + 1, span.first + Math.floor(((c + 1) * n) / width));
    let done = 0;
    for (let p = a; p < b; p++) if (state[p] === VERIFIED) done++;
    out[c] = done / (b - a);
  }
  return out;
}
