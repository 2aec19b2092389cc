import { describe, expect, it } from 'vitest';
import { navigate, pageSize, scrollToReveal, visibleRange, type RowGeometry } from './virtualRows.js';

// 10 rows of 30 px fit below a 20 px header in a 320 px box.
const g: RowGeometry = { count: 1000, rowHeight: 30, viewportHeight: 320, headerHeight: 20 };

describe('visibleRange', () => {
  it('renders the rows in view plus the overscan, clamped at the top', () => {
    expect(visibleRange(g, 0, 5)).toEqual({ start: 0, end: 15 });
  });

  it('follows scrollTop, counting a partly visible row at either edge', () => {
    // Rows 100 (half hidden under the header) to 110 (its top half visible).
    expect(visibleRange(g, 3015, 0)).toEqual({ start: 100, end: 111 });
    expect(visibleRange(g, 3015, 4)).toEqual({ start: 96, end: 115 });
  });

  it('clamps at the end of the list and for a short list', () => {
    expect(visibleRange(g, 1000 * 30 - 300, 5)).toEqual({ start: 985, end: 1000 });
    expect(visibleRange({ ...g, count: 3 }, 0, 5)).toEqual({ start: 0, end: 3 });
  });

  it('renders nothing for an empty list and still one row for a box with no room', () => {
    expect(visibleRange({ ...g, count: 0 }, 0, 5)).toEqual({ start: 0, end: 0 });
    expect(visibleRange({ ...g, viewportHeight: 10 }, 60, 0)).toEqual({ start: 2, end: 3 });
  });

  it('treats a negative scrollTop (overscroll) as the top', () => {
    expect(visibleRange(g, -50, 0)).toEqual({ start: 0, end: 10 });
  });
});

describe('scrollToReveal', () => {
  it('does not scroll for a row that is fully visible', () => {
    expect(scrollToReveal(g, 0, 0)).toBeNull();
    expect(scrollToReveal(g, 0, 9)).toBeNull();
    expect(scrollToReveal(g, 300, 19)).toBeNull();
  });

  it('scrolls down just enough to show a row below the view at the bottom', () => {
    expect(scrollToReveal(g, 0, 10)).toBe(30);
    expect(scrollToReveal(g, 0, 999)).toBe(1000 * 30 - 300);
  });

  it('scrolls up to put a row above the view (or under the header) at the top', () => {
    expect(scrollToReveal(g, 3015, 100)).toBe(3000);
    expect(scrollToReveal(g, 3015, 0)).toBe(0);
  });

  it('ignores rows outside the list', () => {
    expect(scrollToReveal(g, 0, -1)).toBeNull();
    expect(scrollToReveal(g, 0, 1000)).toBeNull();
  });
});

describe('pageSize', () => {
  it('is the number of whole rows below the header, at least 1', () => {
    expect(pageSize(g)).toBe(10);
    expect(pageSize({ ...g, viewportHeight: 64 })).toBe(1);
    expect(pageSize({ ...g, viewportHeight: 0 })).toBe(1);
  });
});

describe('navigate', () => {
  it('moves one row with the arrows, clamped at both ends', () => {
    expect(navigate('ArrowDown', 4, 10, 3)).toBe(5);
    expect(navigate('ArrowDown', 9, 10, 3)).toBe(9);
    expect(navigate('ArrowUp', 4, 10, 3)).toBe(3);
    expect(navigate('ArrowUp', 0, 10, 3)).toBe(0);
  });

  it('moves a page with PageUp/PageDown, clamped', () => {
    expect(navigate('PageDown', 4, 10, 3)).toBe(7);
    expect(navigate('PageDown', 8, 10, 3)).toBe(9);
    expect(navigate('PageUp', 4, 10, 3)).toBe(1);
    expect(navigate('PageUp', 1, 10, 3)).toBe(0);
  });

  it('jumps to the ends with Home/End', () => {
    expect(navigate('Home', 5, 10, 3)).toBe(0);
    expect(navigate('End', 5, 10, 3)).toBe(9);
  });

  it('starts at the first row when nothing is selected (End: the last)', () => {
    for (const k of ['ArrowDown', 'ArrowUp', 'PageDown', 'PageUp', 'Home'] as const) expect(navigate(k, -1, 10, 3)).toBe(0);
    expect(navigate('End', -1, 10, 3)).toBe(9);
  });

  it('has nowhere to go in an empty list', () => {
    expect(navigate('ArrowDown', -1, 0, 3)).toBe(-1);
  });
});
