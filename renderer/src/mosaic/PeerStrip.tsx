import { memo, useEffect, useRef } from 'react';
import { stripColumns, type PeerPieces } from './peerPieces.js';

const WIDTH = 160;
const HEIGHT = 10;

export interface StripColors {
  on: string;
  off: string;
}

/** The strip colours from the theme's CSS variables: read once per theme, not per strip and poll (each read forces a style recalculation). */
export function stripColors(): StripColors {
  const css = typeof getComputedStyle === 'function' ? getComputedStyle(document.documentElement) : null;
  return {
    on: css?.getPropertyValue('--grid-verified').trim() || '#3fb97a',
    off: css?.getPropertyValue('--grid-missing-1').trim() || '#262c36',
  };
}

/**
 * A peer's pieces as a thin strip on the grid's scale: piece 0 on the left, the last on the
 * right, one pixel column per WIDTH-th of the torrent. Drawn again only when the peer's pieces
 * changed (mergePeerPieces keeps an unchanged peer's object), the piece count or the theme.
 */
export const PeerStrip = memo(function PeerStrip({ pieces, pieceCount, colors }: { pieces: PeerPieces | undefined; pieceCount: number; colors: StripColors }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = colors.off;
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    if (!pieces) return;
    const cols = stripColumns(pieces, pieceCount, WIDTH);
    ctx.fillStyle = colors.on;
    for (let c = 0; c < WIDTH; c++) {
      const f = cols[c]!;
      if (f <= 0) continue;
      const h = Math.max(1, Math.round(f * HEIGHT));
      ctx.fillRect(c, HEIGHT - h, 1, h);
    }
  }, [pieces, pieceCount, colors]);
  return <canvas ref={ref} className="peer-strip" width={WIDTH} height={HEIGHT} data-testid="peer-strip" data-count={pieces?.count ?? 0} aria-hidden="true" />;
});
