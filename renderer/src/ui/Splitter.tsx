import { useCallback, useRef, useState, type PointerEvent, type ReactNode } from 'react';

const KEY = 'tessera.listFraction';

function loadFraction(): number {
  try {
    const v = Number(localStorage.getItem(KEY));
    if (Number.isFinite(v) && v >= 0.15 && v <= 0.85) return v;
  } catch {
    // storage unavailable
  }
  return 0.4;
}

/** Two panes stacked vertically with a draggable divider (the list above, details below). */
export function VerticalSplit({ top, bottom }: { top: ReactNode; bottom: ReactNode }) {
  const [fraction, setFraction] = useState(loadFraction);
  const box = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);

  const onDown = (e: PointerEvent<HTMLDivElement>) => {
    dragging.current = true;
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onMove = (e: PointerEvent<HTMLDivElement>) => {
    if (!dragging.current || !box.current) return;
    const r = box.current.getBoundingClientRect();
    if (r.height <= 0) return;
    setFraction(Math.min(0.85, Math.max(0.15, (e.clientY - r.top) / r.height)));
  };
  const onUp = useCallback(() => {
    if (!dragging.current) return;
    dragging.current = false;
    setFraction((f) => {
      try {
        localStorage.setItem(KEY, String(f));
      } catch {
        // storage unavailable
      }
      return f;
    });
  }, []);

  return (
    <div className="split" ref={box}>
      <div className="split__pane" style={{ flexBasis: `${(fraction * 100).toFixed(2)}%` }}>{top}</div>
      <div className="split__handle" role="separator" aria-orientation="horizontal" aria-label="Resize the list"
        aria-valuenow={Math.round(fraction * 100)} aria-valuemin={15} aria-valuemax={85} tabIndex={0}
        onPointerDown={onDown} onPointerMove={onMove} onPointerUp={onUp} onPointerCancel={onUp}
        onKeyDown={(e) => {
          if (e.key === 'ArrowUp') setFraction((f) => Math.max(0.15, f - 0.05));
          else if (e.key === 'ArrowDown') setFraction((f) => Math.min(0.85, f + 0.05));
        }} />
      <div className="split__pane split__pane--rest">{bottom}</div>
    </div>
  );
}
