/**
 * The piece grid: a canvas painted by GridPainter from the selected torrent's PieceField.
 * React renders the frame around it once; piece updates never go through React.
 */
import { useEffect, useRef, useState, type PointerEvent } from 'react';
import { FAILED, IN_FLIGHT, MISSING, SKIPPED, VERIFIED, type RunSummary } from './layout.js';
import { GridPainter, type GridTint } from './painter.js';
import { readPalette } from './palette.js';
import type { PieceField } from './pieceField.js';
import { formatCount } from '../util/format.js';
import { useGridKeyboard } from './useGridKeyboard.js';

export interface PieceGridProps {
  field: PieceField | null;
  /** Re-read colours when this changes (theme switch). */
  themeKey?: string;
  /** Called after each painted frame (benchmarks). */
  onFrame?: (stats: { cells: number; full: boolean; ms: number }) => void;
  label?: string;
  /** Colours over the state colours (colour by source, a peer's pieces); null = state only. */
  tint?: GridTint | null;
  /** More tooltip lines for pieces first..end-1 (their sources, when they completed). */
  describePieces?: (first: number, end: number) => string[];
  /** The painter, once created (saving the grid as an image). */
  onPainter?: (painter: GridPainter | null) => void;
}

interface Hover {
  x: number;
  y: number;
  cell: number;
  summary: RunSummary;
}

export function PieceGrid({ field, themeKey, onFrame, label, tint = null, describePieces, onPainter }: PieceGridProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const painterRef = useRef<GridPainter | null>(null);
  const [hover, setHover] = useState<Hover | null>(null);
  const [run, setRun] = useState(1);

  // Create the painter and keep the canvas sized to its box (CSS px × devicePixelRatio).
  useEffect(() => {
    const box = boxRef.current;
    const canvas = canvasRef.current;
    if (!box || !canvas) return;
    const painter = new GridPainter(canvas);
    painterRef.current = painter;
    painter.setPalette(readPalette(box));
    const measure = () => {
      const r = box.getBoundingClientRect();
      painter.resize(r.width, r.height, window.devicePixelRatio || 1);
      setRun(painter.layout.run);
    };
    measure();
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(measure) : null;
    ro?.observe(box);
    // devicePixelRatio changes (zoom, moving to another monitor) do not resize the box.
    let mq: MediaQueryList | null = null;
    const watchDpr = () => {
      mq?.removeEventListener('change', onDpr);
      mq = typeof matchMedia === 'function' ? matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`) : null;
      mq?.addEventListener('change', onDpr);
    };
    const onDpr = () => { measure(); watchDpr(); };
    watchDpr();
    return () => {
      ro?.disconnect();
      mq?.removeEventListener('change', onDpr);
      painter.destroy();
      painterRef.current = null;
    };
  }, []);

  useEffect(() => {
    const p = painterRef.current;
    if (!p) return;
    p.setField(field);
    setRun(p.layout.run);
    setHover(null);
  }, [field]);

  useEffect(() => {
    const p = painterRef.current;
    const box = boxRef.current;
    if (p && box) p.setPalette(readPalette(box));
  }, [themeKey]);

  useEffect(() => {
    painterRef.current?.setTint(tint);
  }, [tint]);

  useEffect(() => {
    onPainter?.(painterRef.current);
    return () => onPainter?.(null);
  }, [onPainter]);

  // data-verified: the field's verified-piece count (for tests and assistive tech), written
  // outside React because it changes far more often than the grid re-renders. Set at once for
  // a new field, kept current on the field's change notifications (so it is right even when no
  // frame is painted: a zero-size or hidden canvas), removed when no torrent is shown.
  // The canvas's text alternative carries the same count: "Piece map of 256 pieces" told a
  // screen-reader user nothing of what the mosaic shows (how much has landed). data-skipped and
  // the label count the skipped pieces too: without them a torrent whose wanted files are done
  // read as unfinished.
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    if (!field) {
      delete canvas.dataset.verified;
      delete canvas.dataset.skipped;
      if (!label) canvas.setAttribute('aria-label', 'Piece map');
      return;
    }
    let shown = -1, shownSkipped = -1;
    const write = () => {
      if (field.verified === shown && field.skipped === shownSkipped) return;
      shown = field.verified;
      shownSkipped = field.skipped;
      canvas.dataset.verified = String(shown);
      canvas.dataset.skipped = String(shownSkipped);
      if (!label) canvas.setAttribute('aria-label', pieceMapLabel(field.pieceCount, shown, shownSkipped));
    };
    write();
    return field.subscribe(write);
  }, [field, label]);

  useEffect(() => {
    const p = painterRef.current;
    if (!p || !onFrame) return;
    p.onFrame = onFrame;
    return () => { p.onFrame = null; };
  }, [onFrame]);

  // Keep the tooltip's numbers live while the pointer rests on a cell.
  const hoverCell = hover?.cell ?? -1;
  useEffect(() => {
    if (hoverCell < 0) return;
    const id = setInterval(() => {
      const s = painterRef.current?.describeCell(hoverCell);
      if (s) setHover((h) => (h && h.cell === hoverCell ? { ...h, summary: s } : h));
    }, 500);
    return () => clearInterval(id);
  }, [hoverCell]);

  const onMove = (e: PointerEvent<HTMLCanvasElement>) => {
    const p = painterRef.current;
    if (!p) return;
    const r = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - r.left, y = e.clientY - r.top;
    const cell = p.cellAt(x, y);
    const summary = cell >= 0 ? p.describeCell(cell) : null;
    setHover(summary ? { x, y, cell, summary } : null);
  };

  const keyboard = useGridKeyboard({
    layout: () => painterRef.current?.layout ?? null,
    describe: (c) => painterRef.current?.describeCell(c) ?? null,
    dpr: () => window.devicePixelRatio || 1,
  }, field, announceRun);

  const pieceCount = field?.pieceCount ?? 0;
  return (
    <div className="grid-box" ref={boxRef} {...keyboard.boxProps}>
      <canvas
        ref={canvasRef}
        className="grid-canvas"
        data-testid="piece-grid"
        data-pieces={pieceCount}
        data-run={run}
        role="img"
        aria-label={label ?? (field ? pieceMapLabel(pieceCount, field.verified, field.skipped) : 'Piece map')}
        onPointerMove={onMove}
        onPointerLeave={() => setHover(null)}
      />
      {hover && <Tooltip hover={hover} boxWidth={boxRef.current?.clientWidth ?? 0} extra={describePieces?.(hover.summary.first, hover.summary.end) ?? []} />}
      {keyboard.overlay}
    </div>
  );
}

/** The mosaic's text alternative: what it shows, in words. */
export function pieceMapLabel(pieceCount: number, verified: number, skipped = 0): string {
  if (pieceCount === 0) return 'Piece map';
  const base = `Piece map: ${formatCount(verified)} of ${formatCount(pieceCount)} piece${pieceCount === 1 ? '' : 's'} verified`;
  return skipped > 0 ? `${base}, ${formatCount(skipped)} skipped (not downloaded)` : base;
}

/** What the keyboard's live region says for a cell: "Piece 12: Verified · …" (the tooltip's text in one line). */
export function announceRun(s: RunSummary): string {
  const { title, lines } = describeRun(s);
  return lines.length > 0 ? `${title}: ${lines.join(', ')}` : title;
}

export function describeRun(s: RunSummary): { title: string; lines: string[] } {
  const single = s.count === 1;
  const title = single ? `Piece ${formatCount(s.first)}` : `Pieces ${formatCount(s.first)}–${formatCount(s.end - 1)}`;
  const lines: string[] = [];
  if (single) {
    if (s.state === VERIFIED) lines.push('Verified');
    else if (s.state === IN_FLIGHT) lines.push(`Downloading · ${Math.round(s.fraction * 100)}% of blocks`);
    else if (s.state === FAILED) lines.push('Failed hash check — downloading again');
    else if (s.state === MISSING) lines.push('Missing');
    else if (s.state === SKIPPED) lines.push('Skipped — its files are set to "Do not download"');
  } else {
    const parts = [`${s.verified} of ${s.count} verified`];
    if (s.inFlight) parts.push(`${s.inFlight} downloading`);
    if (s.failed) parts.push(`${s.failed} failed`);
    if (s.skipped) parts.push(`${s.skipped} skipped`);
    lines.push(parts.join(' · '));
    lines.push(`${Math.round(s.fraction * 100)}% complete`);
  }
  // Availability says who could send what we still want; skipped pieces are wanted by nobody.
  if (s.state !== VERIFIED && s.verified + s.skipped < s.count) {
    const a = s.minAvailability;
    if (single) lines.push(a === 0 ? 'No connected peer has it' : `Available from ${a} peer${a === 1 ? '' : 's'}`);
    else lines.push(s.minAvailability === s.maxAvailability
      ? `Available from ${a} peer${a === 1 ? '' : 's'}`
      : `Available from ${s.minAvailability}–${s.maxAvailability} peers`);
  }
  return { title, lines };
}

function Tooltip({ hover, boxWidth, extra }: { hover: Hover; boxWidth: number; extra: string[] }) {
  const { title, lines: stateLines } = describeRun(hover.summary);
  const lines = [...stateLines, ...extra];
  const flip = hover.x > boxWidth - 220;
  return (
    <div className={flip ? 'grid-tip grid-tip--left' : 'grid-tip'} role="tooltip" data-testid="piece-tooltip"
      style={{ left: `${hover.x}px`, top: `${hover.y}px` }}>
      <div className="grid-tip__title">{title}</div>
      {lines.map((l) => <div key={l} className="grid-tip__line">{l}</div>)}
    </div>
  );
}
