/**
 * Pure layout math for the piece grid. No DOM, no canvas: everything here is unit-tested.
 *
 * All sizes are in *device* pixels so that cells land on whole pixels and stay crisp at any
 * devicePixelRatio. A cell is `cellW × cellH` device pixels including its gap; the painted
 * rectangle is `(cellW - gap) × (cellH - gap)`. Cells are square except tiny ones, which may
 * grow a little taller to use the height of the box.
 */

/** Above this many pieces one cell stands for a run of consecutive pieces. */
export const MAX_CELLS = 20_000;

export interface LayoutOptions {
  /** Upper bound on the number of cells (default MAX_CELLS). */
  maxCells?: number;
  /** Smallest cell in device pixels, gap included (default 2). */
  minCell?: number;
  /** Largest cell in device pixels, gap included (default 28 × dpr is a good value). */
  maxCell?: number;
}

export interface GridLayout {
  pieceCount: number;
  /** Pieces per cell (1 unless the torrent has more pieces than fit). */
  run: number;
  /** Number of cells: ceil(pieceCount / run). */
  cells: number;
  cols: number;
  rows: number;
  /** Horizontal cell pitch in device pixels, gap included. */
  cellW: number;
  /** Vertical cell pitch in device pixels, gap included (≥ cellW). */
  cellH: number;
  /** Gap between cells in device pixels (0 for tiny cells). */
  gap: number;
  /** Size of the area actually used, in device pixels. */
  width: number;
  height: number;
}

export const EMPTY_LAYOUT: GridLayout = {
  pieceCount: 0, run: 1, cells: 0, cols: 0, rows: 0, cellW: 0, cellH: 0, gap: 0, width: 0, height: 0,
};

/** Gap for a given cell pitch: none for tiny cells, 1 px for small, 2 px for big ones. */
export function gapFor(cell: number): number {
  if (cell < 4) return 0;
  if (cell < 16) return 1;
  return 2;
}

/** Largest integer pitch s (≤ maxCell) such that floor(w/s) * floor(h/s) ≥ cells; 0 if none ≥ 1. */
export function largestPitch(cells: number, w: number, h: number, maxCell: number): number {
  if (cells <= 0 || w < 1 || h < 1) return 0;
  // Upper bound from area, then walk down: the loop runs only a few steps because the
  // area bound is within a cell or two of the answer except for extreme aspect ratios,
  // where the single-row/column bounds below cap it.
  let s = Math.min(maxCell, Math.floor(Math.sqrt((w * h) / cells)), Math.floor(w), Math.floor(h));
  while (s >= 1) {
    if (Math.floor(w / s) * Math.floor(h / s) >= cells) return s;
    s--;
  }
  return 0;
}

/**
 * Layout for `pieceCount` pieces in a `width × height` device-pixel box.
 * Cells are as large as fit; if even `minCell` does not fit `maxCells` cells, runs grow
 * until they do (a tiny window still shows the whole torrent).
 */
export function computeLayout(pieceCount: number, width: number, height: number, opts: LayoutOptions = {}): GridLayout {
  const maxCells = Math.max(1, Math.floor(opts.maxCells ?? MAX_CELLS));
  const minCell = Math.max(1, Math.floor(opts.minCell ?? 2));
  const maxCell = Math.max(minCell, Math.floor(opts.maxCell ?? 28));
  const w = Math.floor(width);
  const h = Math.floor(height);
  if (pieceCount <= 0 || w < 1 || h < 1) return { ...EMPTY_LAYOUT, pieceCount: Math.max(0, pieceCount) };

  // Room for at most this many cells at the minimum pitch.
  const capacity = Math.max(1, Math.floor(w / minCell) * Math.floor(h / minCell));
  const limit = Math.min(maxCells, capacity);
  const run = Math.max(1, Math.ceil(pieceCount / limit));
  const cells = Math.ceil(pieceCount / run);
  const cell = Math.max(minCell, largestPitch(cells, w, h, maxCell));
  const cols = Math.max(1, Math.min(cells, Math.floor(w / cell)));
  const rows = Math.ceil(cells / cols);
  // Tiny cells may stretch vertically by up to a third to fill the box's height.
  const cellH = cell >= 8 ? cell : Math.max(cell, Math.min(Math.floor(h / rows), cell + Math.ceil(cell / 3)));
  return { pieceCount, run, cells, cols, rows, cellW: cell, cellH, gap: gapFor(cell), width: cols * cell, height: rows * cellH };
}

/** The cell that shows piece `index`. */
export function cellOfPiece(layout: GridLayout, index: number): number {
  return Math.floor(index / layout.run);
}

/** Pieces [first, end) shown by cell `c`. */
export function piecesOfCell(layout: GridLayout, c: number): { first: number; end: number } {
  const first = c * layout.run;
  return { first, end: Math.min(layout.pieceCount, first + layout.run) };
}

/** Top-left corner of cell `c` in device pixels. */
export function cellOrigin(layout: GridLayout, c: number): { x: number; y: number } {
  return { x: (c % layout.cols) * layout.cellW, y: Math.floor(c / layout.cols) * layout.cellH };
}

/** The cell under the device-pixel point (x, y), or -1 outside the grid or past the last cell. */
export function cellAtPoint(layout: GridLayout, x: number, y: number): number {
  if (layout.cells === 0 || x < 0 || y < 0 || x >= layout.width || y >= layout.height) return -1;
  const col = Math.floor(x / layout.cellW);
  const row = Math.floor(y / layout.cellH);
  const c = row * layout.cols + col;
  return c < layout.cells ? c : -1;
}

/** Piece states as stored in the grid's typed arrays (same numbering as the engine). */
export const MISSING = 0;
export const IN_FLIGHT = 1;
export const VERIFIED = 2;
export const FAILED = 3;
/** Not verified and not wanted (its files are all skipped): never requested, not "still to come". */
export const SKIPPED = 4;

export interface RunSummary {
  first: number;
  end: number;
  /** Pieces in the run. */
  count: number;
  verified: number;
  inFlight: number;
  failed: number;
  /** Pieces not verified and not wanted (skipped files). */
  skipped: number;
  /** Completion 0..1: verified pieces count 1, in-flight pieces their block fraction. */
  fraction: number;
  /** Lowest availability among wanted pieces not yet verified (the bottleneck), or of all if none is left. */
  minAvailability: number;
  /** Highest availability of the pieces not skipped (of all if every piece is skipped). */
  maxAvailability: number;
  /** Dominant state: failed > in flight > verified (all) > partly verified (as in flight) > missing > skipped (all left skipped). */
  state: number;
}

/**
 * Aggregate pieces [first, end): `state` holds one state byte per piece, `fraction` the
 * received-block fraction per piece (0..1, meaningful for in-flight pieces), `availability`
 * the number of peers that have each piece.
 */
export function summarizeRun(
  state: Uint8Array,
  fraction: Float32Array,
  availability: Uint16Array,
  first: number,
  end: number,
): RunSummary {
  let verified = 0, inFlight = 0, failed = 0, skipped = 0, done = 0;
  let minA = Infinity, maxA = -1, minAllA = Infinity, maxAllA = 0;
  for (let i = first; i < end; i++) {
    const s = state[i] ?? MISSING;
    const a = availability[i] ?? 0;
    if (a > maxAllA) maxAllA = a;
    if (a < minAllA) minAllA = a;
    if (s === SKIPPED) { skipped++; continue; }
    if (a > maxA) maxA = a;
    if (s === VERIFIED) { verified++; done += 1; continue; }
    if (a < minA) minA = a;
    if (s === IN_FLIGHT) { inFlight++; done += fraction[i] ?? 0; }
    else if (s === FAILED) failed++;
  }
  const count = Math.max(0, end - first);
  let st = MISSING;
  if (failed > 0) st = FAILED;
  else if (inFlight > 0) st = IN_FLIGHT;
  else if (count > 0 && verified === count) st = VERIFIED;
  else if (verified > 0) st = IN_FLIGHT; // partly verified run: drawn as partly filled
  else if (count > 0 && skipped === count) st = SKIPPED;
  return {
    first, end, count, verified, inFlight, failed, skipped,
    fraction: count > 0 ? done / count : 0,
    minAvailability: minA === Infinity ? (minAllA === Infinity ? 0 : minAllA) : minA,
    maxAvailability: maxA < 0 ? maxAllA : maxA,
    state: st,
  };
}
