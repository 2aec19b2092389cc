import { useEffect, useRef } from 'react';
import { stripColumns, type PeerPieces } from './peerPieces.js';

const WIDTH = 160;
const HEIGHT = 10;

/** A peer's pieces as a thin strip on the grid's scale: piece 0 on the left, the last on the right. */
export function PeerStrip({ pieces, pieceCount }: { pieces: PeerPieces | undefined; pieceCount: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const css = getComputedStyle(ref.current!);
    const on = css.getPropertyValue('--grid-verified').trim() || '#3fb97a';
    const off = css.getPropertyValue('--grid-missing-1').trim() || '#262c36';
    ctx.fillStyle = off;
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    if (!pieces) return;
    const cols = stripColumns(pieces, pieceCount, WIDTH);
    ctx.fillStyle = on;
    for (let c = 0; c < WIDTH; c++) {
      const f = cols[c]!;
      if (f <= 0) continue;
      const h = Math.max(1, Math.round(f * HEIGHT));
      ctx.fillRect(c, HEIGHT - h, 1, h);
    }
  }, [pieces, pieceCount]);
  return <canvas ref={ref} className="peer-strip" width={WIDTH} height={HEIGHT} data-testid="peer-strip" data-count={pieces?.count ?? 0} aria-hidden="true" />;
}
