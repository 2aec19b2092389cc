/**
 * Which requests fetch a run of torrent bytes: the run [start, start + length) crosses file
 * boundaries in a multi-file torrent (BEP 19 serves each file at its own URL) and piece
 * boundaries (BEP 17 serves one piece per request).
 */

export interface PlanFile {
  /** Byte offset of the file in the torrent's concatenated payload. */
  offset: number;
  length: number;
  /** BEP 47 pad file: zeros, never fetched. */
  pad: boolean;
}

/** One request of a plan, or a stretch of zeros (a pad file) to fill without asking anyone. */
export interface RangePart {
  /** Where the part starts inside the run. */
  runOffset: number;
  length: number;
  /** BEP 19: file index and offset in it; BEP 17: piece index and offset in it. */
  target: number;
  targetOffset: number;
  zeros: boolean;
}

/** BEP 19: the run split at file boundaries; empty files are skipped, pad files become zeros. */
export function planFileRanges(files: readonly PlanFile[], start: number, length: number): RangePart[] {
  const parts: RangePart[] = [];
  const end = start + length;
  // Files are in payload order: find the first that ends after `start` by bisection.
  let lo = 0;
  let hi = files.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const f = files[mid]!;
    if (f.offset + f.length <= start) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < files.length; i++) {
    const f = files[i]!;
    if (f.offset >= end) break;
    if (f.length === 0) continue;
    const from = Math.max(start, f.offset);
    const to = Math.min(end, f.offset + f.length);
    if (to <= from) continue;
    parts.push({ runOffset: from - start, length: to - from, target: i, targetOffset: from - f.offset, zeros: f.pad });
  }
  const covered = parts.reduce((n, p) => n + p.length, 0);
  if (covered !== length) throw new RangeError(`bytes ${start}..${end} are not all inside the torrent's files`);
  return parts;
}

/** BEP 17: the run split at piece boundaries (one request per piece). */
export function planPieceRanges(pieceLength: number, totalLength: number, start: number, length: number): RangePart[] {
  const end = start + length;
  if (start < 0 || length <= 0 || end > totalLength) throw new RangeError(`bytes ${start}..${end} are outside the torrent (${totalLength})`);
  const parts: RangePart[] = [];
  for (let at = start; at < end; ) {
    const piece = Math.floor(at / pieceLength);
    const to = Math.min(end, (piece + 1) * pieceLength);
    parts.push({ runOffset: at - start, length: to - at, target: piece, targetOffset: at - piece * pieceLength, zeros: false });
    at = to;
  }
  return parts;
}

/** A contiguous stretch of torrent bytes, and the blocks it delivers. */
export interface Run<T> {
  start: number;
  length: number;
  items: T[];
}

/**
 * Groups byte ranges (blocks) into contiguous runs, in order of their start. A run stops
 * growing at `maxRunBytes` so that no single request holds too much.
 */
export function contiguousRuns<T>(items: readonly T[], startOf: (item: T) => number, lengthOf: (item: T) => number, maxRunBytes: number): Run<T>[] {
  const sorted = [...items].sort((a, b) => startOf(a) - startOf(b));
  const runs: Run<T>[] = [];
  let current: Run<T> | null = null;
  for (const item of sorted) {
    const s = startOf(item);
    const n = lengthOf(item);
    if (current && current.start + current.length === s && current.length + n <= maxRunBytes) {
      current.length += n;
      current.items.push(item);
    } else {
      current = { start: s, length: n, items: [item] };
      runs.push(current);
    }
  }
  return runs;
}
