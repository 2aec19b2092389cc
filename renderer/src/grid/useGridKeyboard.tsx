/**
 * Keyboard access to the piece grid (issue 15 item 11): the grid's box takes focus, the arrow
 * keys (and Home/End/PageUp/PageDown) move a highlighted cell, and a polite live region reads
 * out the cell: its piece index (or range) and state, as the hover tooltip shows them.
 * A hook beside PieceGrid so the painter and this stay separate.
 */
import { useEffect, useState, type KeyboardEvent, type ReactNode } from 'react';
import { isGridKey, moveCell } from './gridKeys.js';
import { cellOrigin, type GridLayout, type RunSummary } from './layout.js';

export interface GridKeyboardSource {
  layout(): GridLayout | null;
  describe(cell: number): RunSummary | null;
  /** Device pixels per CSS pixel of the canvas. */
  dpr(): number;
}

export function useGridKeyboard(source: GridKeyboardSource, resetKey: unknown, say: (s: RunSummary) => string): {
  boxProps: { tabIndex: number; role: 'group'; 'aria-roledescription': string; 'aria-label': string; onKeyDown: (e: KeyboardEvent<HTMLElement>) => void; onBlur: () => void };
  overlay: ReactNode;
} {
  const [cell, setCell] = useState(-1);
  const [focused, setFocused] = useState(false);
  const [spoken, setSpoken] = useState('');
  // Another torrent (or new metadata): start again from the first cell.
  useEffect(() => {
    setCell(-1);
    setSpoken('');
  }, [resetKey]);

  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (!isGridKey(e.key) || e.altKey || e.ctrlKey || e.metaKey) return;
    const layout = source.layout();
    if (!layout || layout.cells === 0) return;
    e.preventDefault();
    const next = moveCell(e.key, cell, layout);
    const summary = source.describe(next);
    setCell(next);
    setFocused(true);
    if (summary) setSpoken(say(summary));
  };

  const layout = source.layout();
  let highlight: ReactNode = null;
  if (focused && layout && cell >= 0 && cell < layout.cells) {
    const dpr = source.dpr() || 1;
    const { x, y } = cellOrigin(layout, cell);
    highlight = (
      <div className="grid-focus" aria-hidden="true" data-testid="piece-focus" data-cell={cell}
        style={{ left: `${x / dpr}px`, top: `${y / dpr}px`, width: `${Math.max(2, (layout.cellW - layout.gap) / dpr)}px`, height: `${Math.max(2, (layout.cellH - layout.gap) / dpr)}px` }} />
    );
  }
  return {
    boxProps: {
      tabIndex: 0,
      role: 'group',
      'aria-roledescription': 'piece map',
      'aria-label': 'Pieces: use the arrow keys to move from piece to piece',
      onKeyDown,
      onBlur: () => setFocused(false),
    },
    overlay: (
      <>
        {highlight}
        <div className="visually-hidden" role="status" aria-live="polite" data-testid="piece-announcement">{spoken}</div>
      </>
    ),
  };
}
