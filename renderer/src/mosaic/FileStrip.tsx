import { useEffect, useRef } from 'react';
import { fileColumns, type FileSpan } from './filePieces.js';

const WIDTH = 160;
const HEIGHT = 10;

/**
 * A file's pieces as a thin strip (its first piece on the left), the playable prefix
 * underlined; with "first and last pieces first" on, those two pieces are marked.
 */
export function FileStrip({ span, state, playable, firstLast }: { span: FileSpan; state: Uint8Array; playable: number; firstLast: boolean }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const css = getComputedStyle(canvas);
    const color = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
    ctx.fillStyle = color('--grid-missing-1', '#262c36');
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    const cols = fileColumns(span, state, WIDTH);
    ctx.fillStyle = color('--grid-verified', '#3fb97a');
    for (let c = 0; c < WIDTH; c++) {
      const f = cols[c]!;
      if (f > 0) ctx.fillRect(c, 0, 1, Math.max(1, Math.round(f * (HEIGHT - 2))));
    }
    ctx.fillStyle = color('--accent', '#4c8dff');
    ctx.fillRect(0, HEIGHT - 2, Math.round(playable * WIDTH), 2);
    if (firstLast && span.end > span.first) {
      ctx.fillStyle = color('--grid-inflight', '#e8b34a');
      ctx.fillRect(0, 0, 2, HEIGHT);
      ctx.fillRect(WIDTH - 2, 0, 2, HEIGHT);
    }
  });
  return <canvas ref={ref} className="peer-strip" width={WIDTH} height={HEIGHT} data-testid="file-strip" aria-hidden="true" />;
}
