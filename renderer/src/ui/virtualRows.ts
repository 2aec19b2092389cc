/**
 * Row virtualisation for a scrolling table with a sticky header and rows of one fixed height.
 * Pure geometry here (unit-tested); the React side is useVirtualRows.ts.
 *
 * Coordinates are "body" coordinates: row i occupies [i·rowHeight, (i+1)·rowHeight) below the
 * header, and the rows visible in a box scrolled to `scrollTop` are those in
 * [scrollTop, scrollTop + viewportHeight − headerHeight) (the sticky header covers the top).
 */

export interface RowGeometry {
  /** Rows in the list. */
  count: number;
  rowHeight: number;
  /** The scroll box's client height (header included). */
  viewportHeight: number;
  /** Height of the sticky header overlaying the top of the box. */
  headerHeight: number;
}

export interface RowRange {
  /** First rendered row (inclusive). */
  start: number;
  /** Last rendered row (exclusive). */
  end: number;
}

/** Height available for rows below the sticky header (never negative). */
function bodyHeight(g: RowGeometry): number {
  return Math.max(0, g.viewportHeight - g.headerHeight);
}

/** Rows to render at `scrollTop`: the visible ones plus `overscan` on each side, clamped to the list. */
export function visibleRange(g: RowGeometry, scrollTop: number, overscan: number): RowRange {
  if (g.count <= 0 || g.rowHeight <= 0) return { start: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const first = Math.min(g.count, Math.floor(top / g.rowHeight));
  const last = Math.min(g.count, Math.ceil((top + bodyHeight(g)) / g.rowHeight));
  return { start: Math.max(0, first - overscan), end: Math.min(g.count, Math.max(last, first + 1) + overscan) };
}

/** Whole rows that fit below the header: how far PageUp/PageDown move (at least 1). */
export function pageSize(g: RowGeometry): number {
  return g.rowHeight > 0 ? Math.max(1, Math.floor(bodyHeight(g) / g.rowHeight)) : 1;
}

/**
 * The scrollTop that brings row `index` fully into view with the least movement, or null when
 * it is already fully visible (so an in-view selection never scrolls the list).
 */
export function scrollToReveal(g: RowGeometry, scrollTop: number, index: number): number | null {
  if (index < 0 || index >= g.count) return null;
  const rowTop = index * g.rowHeight;
  const rowBottom = rowTop + g.rowHeight;
  if (rowTop < scrollTop) return rowTop;
  const visibleBottom = scrollTop + bodyHeight(g);
  if (rowBottom > visibleBottom) return Math.max(0, rowBottom - bodyHeight(g));
  return null;
}

export type NavigationKey = 'ArrowDown' | 'ArrowUp' | 'Home' | 'End' | 'PageDown' | 'PageUp';

export function isNavigationKey(key: string): key is NavigationKey {
  return key === 'ArrowDown' || key === 'ArrowUp' || key === 'Home' || key === 'End' || key === 'PageDown' || key === 'PageUp';
}

/**
 * The row a navigation key moves the selection to, from `current` (−1: nothing selected).
 * With nothing selected, any key but End/Up-style moves lands on the first row.
 */
export function navigate(key: NavigationKey, current: number, count: number, page: number): number {
  if (count <= 0) return -1;
  const last = count - 1;
  switch (key) {
    case 'Home': return 0;
    case 'End': return last;
    case 'ArrowDown': return Math.min(last, current + 1);
    case 'ArrowUp': return current < 0 ? 0 : Math.max(0, current - 1);
    case 'PageDown': return current < 0 ? 0 : Math.min(last, current + page);
    case 'PageUp': return current < 0 ? 0 : Math.max(0, current - page);
  }
}
