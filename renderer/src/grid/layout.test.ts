import { describe, expect, it } from 'vitest';
import {
  FAILED, IN_FLIGHT, MAX_CELLS, MISSING, SKIPPED, VERIFIED, cellAtPoint, cellOfPiece, cellOrigin, computeLayout,
  gapFor, largestPitch, piecesOfCell, summarizeRun,
} from './layout.js';

describe('largestPitch', () => {
  it('finds the biggest square that fits all cells', () => {
    expect(largestPitch(100, 100, 100, 1000)).toBe(10);
    expect(largestPitch(101, 100, 100, 1000)).toBe(9);
    expect(largestPitch(1, 50, 20, 1000)).toBe(20);
    expect(largestPitch(4, 400, 10, 1000)).toBe(10);
  });
  it('respects the cap and degenerate input', () => {
    expect(largestPitch(1, 500, 500, 24)).toBe(24);
    expect(largestPitch(0, 100, 100, 24)).toBe(0);
    expect(largestPitch(10, 0, 100, 24)).toBe(0);
    expect(largestPitch(1000, 10, 10, 24)).toBe(0);
  });
  it('is optimal: pitch+1 never fits', () => {
    for (const [n, w, h] of [[7, 33, 17], [1234, 800, 200], [20000, 1600, 500], [3, 1000, 3]] as const) {
      const s = largestPitch(n, w, h, 10_000);
      expect(Math.floor(w / s) * Math.floor(h / s)).toBeGreaterThanOrEqual(n);
      expect(Math.floor(w / (s + 1)) * Math.floor(h / (s + 1))).toBeLessThan(n);
    }
  });
});

describe('computeLayout', () => {
  it('gives one cell per piece below the cap and fits the box', () => {
    const L = computeLayout(1000, 800, 300);
    expect(L.run).toBe(1);
    expect(L.cells).toBe(1000);
    expect(L.cols * L.rows).toBeGreaterThanOrEqual(1000);
    expect(L.width).toBeLessThanOrEqual(800);
    expect(L.height).toBeLessThanOrEqual(300);
    // Largest pitch that fits: 1000 cells in 800x300 -> 15 (53*20=1060); 16 gives 50*18=900.
    expect(L.cellW).toBe(15);
    expect(L.cellH).toBe(15);
    expect(L.gap).toBe(gapFor(15));
  });

  it('caps tiny torrents at maxCell', () => {
    const L = computeLayout(4, 1000, 1000, { maxCell: 24 });
    expect(L.cellW).toBe(24);
    expect(L.cellH).toBe(24);
    expect(L.cols).toBe(4);
    expect(L.rows).toBe(1);
    expect(L.width).toBe(96);
  });

  it('groups pieces into runs above ~20k pieces', () => {
    const L = computeLayout(100_000, 1600, 600);
    expect(L.run).toBe(5);
    expect(L.cells).toBe(20_000);
    expect(L.cells).toBeLessThanOrEqual(MAX_CELLS);
    expect(L.height).toBeLessThanOrEqual(600);
  });

  it('grows runs when the box is too small for the minimum cell', () => {
    const L = computeLayout(10_000, 100, 50, { minCell: 2 });
    // capacity 50*25 = 1250 cells -> run 8 -> 1250 cells
    expect(L.run).toBe(8);
    expect(L.cells).toBe(1250);
    expect(L.cellW).toBe(2);
    expect(L.width).toBeLessThanOrEqual(100);
    expect(L.height).toBeLessThanOrEqual(50);
  });

  it('lets tiny cells grow taller (by at most a third) to use the height', () => {
    const L = computeLayout(20_000, 1410, 205);
    expect(L.cellW).toBe(3); // 4 px would give 352*51 = 17952 < 20000 cells
    expect(L.cols).toBe(470);
    expect(L.rows).toBe(43);
    expect(L.cellH).toBe(4);
    expect(L.height).toBe(172);
    const big = computeLayout(100, 1000, 1000, { maxCell: 10 });
    expect(big.cellH).toBe(big.cellW); // large cells stay square
  });

  it('handles empty input', () => {
    expect(computeLayout(0, 100, 100).cells).toBe(0);
    expect(computeLayout(100, 0, 100).cells).toBe(0);
    expect(computeLayout(-5, 100, 100).pieceCount).toBe(0);
  });

  it('keeps the last run short', () => {
    const L = computeLayout(20_003, 2000, 2000, { maxCells: 20_000 });
    expect(L.run).toBe(2);
    expect(L.cells).toBe(10_002);
    expect(piecesOfCell(L, L.cells - 1)).toEqual({ first: 20_002, end: 20_003 });
  });
});

describe('index <-> cell mapping', () => {
  const L = computeLayout(50_000, 1000, 400);
  it('round-trips pieces through cells', () => {
    for (const p of [0, 1, 4, 5, 12345, 49_999]) {
      const c = cellOfPiece(L, p);
      const { first, end } = piecesOfCell(L, c);
      expect(p).toBeGreaterThanOrEqual(first);
      expect(p).toBeLessThan(end);
    }
  });
  it('finds the cell under a point', () => {
    for (const c of [0, 1, L.cols - 1, L.cols, L.cells - 1]) {
      const { x, y } = cellOrigin(L, c);
      expect(cellAtPoint(L, x, y)).toBe(c);
      expect(cellAtPoint(L, x + L.cellW - 0.5, y + L.cellH - 0.5)).toBe(c);
    }
  });
  it('returns -1 outside the grid and past the last cell', () => {
    expect(cellAtPoint(L, -1, 0)).toBe(-1);
    expect(cellAtPoint(L, 0, L.height)).toBe(-1);
    const small = computeLayout(5, 100, 100, { maxCell: 30 }); // 3 cols, 2 rows, 5 cells
    expect(small.cols).toBe(3);
    const { x, y } = cellOrigin(small, 5);
    expect(cellAtPoint(small, x, y)).toBe(-1);
  });
});

describe('summarizeRun', () => {
  const state = Uint8Array.from([VERIFIED, VERIFIED, IN_FLIGHT, MISSING, FAILED, VERIFIED]);
  const fraction = Float32Array.from([1, 1, 0.5, 0, 0, 1]);
  const avail = Uint16Array.from([9, 1, 3, 2, 4, 0]);

  it('aggregates a mixed run', () => {
    const s = summarizeRun(state, fraction, avail, 0, 4);
    expect(s.count).toBe(4);
    expect(s.verified).toBe(2);
    expect(s.inFlight).toBe(1);
    expect(s.fraction).toBeCloseTo(2.5 / 4);
    expect(s.state).toBe(IN_FLIGHT);
    expect(s.minAvailability).toBe(2); // the bottleneck among unfinished pieces
    expect(s.maxAvailability).toBe(9);
  });
  it('failed wins, all-verified is verified, untouched is missing', () => {
    expect(summarizeRun(state, fraction, avail, 3, 5).state).toBe(FAILED);
    expect(summarizeRun(state, fraction, avail, 0, 2).state).toBe(VERIFIED);
    expect(summarizeRun(state, fraction, avail, 0, 2).minAvailability).toBe(1);
    expect(summarizeRun(state, fraction, avail, 3, 4).state).toBe(MISSING);
    expect(summarizeRun(state, fraction, avail, 5, 6).fraction).toBe(1);
  });
  it('partly verified runs count as in progress', () => {
    const s = summarizeRun(state, fraction, avail, 1, 4);
    expect(s.state).toBe(IN_FLIGHT);
    expect(s.fraction).toBeCloseTo(1.5 / 3);
  });
  it('skipped pieces: counted apart, left out of the availability bottleneck; a run of only skipped pieces is Skipped, not Missing', () => {
    const st = Uint8Array.from([SKIPPED, SKIPPED, MISSING, VERIFIED]);
    const fr = new Float32Array(4);
    const av = Uint16Array.from([0, 0, 5, 1]);
    expect(summarizeRun(st, fr, av, 0, 2)).toMatchObject({ skipped: 2, verified: 0, state: SKIPPED });
    expect(summarizeRun(st, fr, av, 0, 1).state).toBe(SKIPPED);
    const mixed = summarizeRun(st, fr, av, 0, 3);
    expect(mixed).toMatchObject({ skipped: 2, state: MISSING, minAvailability: 5 });
  });
});
