import { describe, expect, it } from 'vitest';
import { moveCell } from './gridKeys.js';
import { announceRun } from './PieceGrid.js';
import { summarizeRun, VERIFIED, IN_FLIGHT } from './layout.js';

// 23 cells in rows of 10: 0..9, 10..19, 20..22.
const L = { cells: 23, cols: 10 };

describe('moving across the piece grid with the keyboard', () => {
  it('the first key lands on the first cell (End on the last)', () => {
    expect(moveCell('ArrowRight', -1, L)).toBe(0);
    expect(moveCell('End', -1, L)).toBe(22);
    expect(moveCell('ArrowRight', 0, { cells: 0, cols: 0 })).toBe(-1);
  });
  it('arrows move by one cell or one row and stop at the edges', () => {
    expect(moveCell('ArrowRight', 5, L)).toBe(6);
    expect(moveCell('ArrowLeft', 0, L)).toBe(0);
    expect(moveCell('ArrowRight', 22, L)).toBe(22);
    expect(moveCell('ArrowDown', 5, L)).toBe(15);
    expect(moveCell('ArrowDown', 15, L)).toBe(15); // no cell below in the short last row
    expect(moveCell('ArrowDown', 12, L)).toBe(22);
    expect(moveCell('ArrowUp', 22, L)).toBe(12);
    expect(moveCell('ArrowUp', 3, L)).toBe(3);
  });
  it('Home/End and PageUp/PageDown', () => {
    expect(moveCell('Home', 17, L)).toBe(0);
    expect(moveCell('End', 3, L)).toBe(22);
    expect(moveCell('PageUp', 17, L)).toBe(7);
    expect(moveCell('PageDown', 1, L)).toBe(21);
  });
});

describe('what a cell announces', () => {
  it('its index and state', () => {
    const state = new Uint8Array([VERIFIED, IN_FLIGHT]);
    const fraction = new Float32Array([1, 0.5]);
    const availability = new Uint16Array([1, 2]);
    expect(announceRun(summarizeRun(state, fraction, availability, 0, 1))).toBe('Piece 0: Verified');
    expect(announceRun(summarizeRun(state, fraction, availability, 1, 2))).toBe('Piece 1: Downloading · 50% of blocks, Available from 2 peers');
  });
});
