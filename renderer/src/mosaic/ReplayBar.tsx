/**
 * The replay scrubber: shows the mosaic filling from empty to now (from the piece-source log)
 * at any speed. The parent swaps the grid's field for `field` while it is open.
 */
import { useEffect, useRef, useState } from 'react';
import { PieceField } from '../grid/pieceField.js';
import { replayAt, replaySpan } from './replay.js';
import type { PieceSourceTable } from './sourceTable.js';

const SPEEDS = [1, 10, 60, 600];
const STEPS = 1000;

export interface ReplayFrame {
  field: PieceField;
  /** Source index per piece at the replayed moment (−1 unknown), for colour by source. */
  sources: Int32Array;
  version: number;
}

export function ReplayBar({ table, live, onFrame, onClose }: {
  table: PieceSourceTable;
  live: Uint8Array;
  onFrame: (frame: ReplayFrame) => void;
  onClose: () => void;
}) {
  const span = replaySpan(table);
  const [pos, setPos] = useState(STEPS);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(60);
  const fieldRef = useRef<PieceField | null>(null);
  const versionRef = useRef(0);

  // Position 0 is just before the first completion: the empty grid (pieces that came together share a time).
  const at = span ? (pos <= 0 ? span.start - 1 : span.start + ((span.end - span.start) * pos) / STEPS) : 0;
  useEffect(() => {
    if (!fieldRef.current || fieldRef.current.pieceCount !== table.pieceCount) fieldRef.current = new PieceField(table.pieceCount);
    const states = new Uint8Array(table.pieceCount);
    const sources = new Int32Array(table.pieceCount);
    replayAt(table, live, at, states, sources);
    fieldRef.current.load(states);
    onFrame({ field: fieldRef.current, sources, version: ++versionRef.current });
  }, [table, live, at, onFrame]);

  useEffect(() => {
    if (!playing || !span) return;
    const length = Math.max(1, span.end - span.start);
    let last = performance.now();
    const id = setInterval(() => {
      const now = performance.now();
      const advance = ((now - last) * speed * STEPS) / length;
      last = now;
      setPos((p) => {
        const next = Math.min(STEPS, p + advance);
        if (next >= STEPS) setPlaying(false);
        return next;
      });
    }, 50);
    return () => clearInterval(id);
  }, [playing, speed, span?.start, span?.end]);

  if (!span) return <div className="replay" data-testid="replay-bar">Nothing to replay yet: no piece has completed while logged. <button type="button" className="mosaic-mode" onClick={onClose}>Close</button></div>;
  return (
    <div className="replay" data-testid="replay-bar">
      <button type="button" className="mosaic-mode" data-testid="replay-play" onClick={() => { if (pos >= STEPS) setPos(0); setPlaying((p) => !p); }}>{playing ? 'Pause' : 'Play'}</button>
      <input type="range" className="replay__scrubber" min={0} max={STEPS} step={1} value={Math.round(pos)} data-testid="replay-scrubber"
        aria-label="Replay position" onChange={(e) => { setPlaying(false); setPos(Number(e.target.value)); }} />
      <span className="replay__time">{new Date(at).toLocaleTimeString()}</span>
      <select className="select" value={speed} aria-label="Replay speed" onChange={(e) => setSpeed(Number(e.target.value))}>
        {SPEEDS.map((s) => <option key={s} value={s}>{s}×</option>)}
      </select>
      <button type="button" className="mosaic-mode" data-testid="replay-close" onClick={onClose}>Live</button>
    </div>
  );
}
