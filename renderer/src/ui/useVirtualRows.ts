/**
 * React side of virtualisation: tracks a scroll box's scrollTop and height and returns which
 * rows to render. State changes only when the rendered range changes, so scrolling within the
 * overscan re-renders nothing.
 */
import { useCallback, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { pageSize, scrollToReveal, visibleRange, type RowGeometry, type RowRange } from './virtualRows.js';

/** Used until the box has a measured height (first render, or no layout as in happy-dom). */
const FALLBACK_VIEWPORT = 800;

export interface VirtualRows extends RowRange {
  /** Height of the spacer above the rendered rows. */
  padTop: number;
  /** Height of the spacer below the rendered rows. */
  padBottom: number;
  /** Rows per page (PageUp/PageDown). */
  page: number;
  /** Scrolls so row `index` is fully visible (no-op when it is) and renders its range now. */
  reveal: (index: number) => void;
}

export function useVirtualRows(
  boxRef: RefObject<HTMLElement | null>,
  headerRef: RefObject<HTMLElement | null>,
  count: number,
  rowHeight: number,
  overscan: number,
): VirtualRows {
  const scrollTop = useRef(0);
  const viewport = useRef(FALLBACK_VIEWPORT);
  const header = useRef(0);
  const geometry = useCallback((): RowGeometry => ({ count, rowHeight, viewportHeight: viewport.current, headerHeight: header.current }), [count, rowHeight]);
  const [range, setRange] = useState<RowRange>(() => visibleRange(geometry(), 0, overscan));

  const update = useCallback(() => {
    const next = visibleRange(geometry(), scrollTop.current, overscan);
    setRange((r) => (r.start === next.start && r.end === next.end ? r : next));
  }, [geometry, overscan]);

  // Recompute when the row count changes (layout effect: the first paint shows the right rows).
  useLayoutEffect(update, [update]);

  useLayoutEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const measure = () => {
      // No layout (happy-dom) reports 0: keep the fallback so rows still render.
      if (box.clientHeight > 0) viewport.current = box.clientHeight;
      header.current = headerRef.current?.offsetHeight ?? 0;
      scrollTop.current = box.scrollTop;
      update();
    };
    measure();
    const onScroll = () => {
      scrollTop.current = box.scrollTop;
      update();
    };
    box.addEventListener('scroll', onScroll, { passive: true });
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(measure) : null;
    ro?.observe(box);
    return () => {
      box.removeEventListener('scroll', onScroll);
      ro?.disconnect();
    };
  }, [boxRef, headerRef, update]);

  const reveal = useCallback((index: number) => {
    const box = boxRef.current;
    const to = scrollToReveal(geometry(), scrollTop.current, index);
    if (to === null) return;
    scrollTop.current = to;
    if (box) box.scrollTop = to;
    // Render the new range in the same commit as whatever caused the reveal (the scroll event
    // would only arrive a frame later).
    update();
  }, [boxRef, geometry, update]);

  const start = Math.min(range.start, count);
  const end = Math.min(range.end, count);
  return {
    start,
    end,
    padTop: start * rowHeight,
    padBottom: Math.max(0, count - end) * rowHeight,
    page: pageSize(geometry()),
    reveal,
  };
}
