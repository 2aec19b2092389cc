/**
 * Moving across the piece grid's cells with the keyboard (pure): arrows by one cell or one row,
 * Home/End to the first/last cell, PageUp/PageDown by ten rows. Kept apart from the painter so
 * the grid's drawing and this can change independently.
 */
import type { GridLayout } from './layout.js';

export const GRID_KEYS = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown'] as const;
export type GridKey = (typeof GRID_KEYS)[number];

export function isGridKey(key: string): key is GridKey {
  return (GRID_KEYS as readonly string[]).includes(key);
}

/** The cell a key moves to from `cell` (−1: none yet, starts at the first cell); stays inside the grid. */
export function moveCell(key: GridKey, cell: number, layout: Pick<GridLayout, 'cells' | 'cols'>): number {
  const last = layout.cells - 1;
  if (last < 0) return -1;
  if (cell < 0 || cell > last) return key === 'End' ? last : 0;
  const cols = Math.max(1, layout.cols);
  const next = {
    ArrowLeft: cell - 1,
    ArrowRight: cell + 1,
    ArrowUp: cell - cols,
    ArrowDown: cell + cols,
    Home: 0,
    End: last,
    PageUp: cell - cols * 10,
    PageDown: cell + cols * 10,
  }[key];
  // Up/Down past an edge stay in the same column when they cannot move a whole row.
  if ((key === 'ArrowUp' || key === 'PageUp') && next < 0) return key === 'ArrowUp' ? cell : cell % cols;
  if ((key === 'ArrowDown' || key === 'PageDown') && next > last) return key === 'ArrowDown' ? cell : Math.max(cell, last - ((last - cell) % cols));
  return Math.min(last, Math.max(0, next));
}
