/** The in-flight inspector: pieces being downloaded now, block by block, from whom, how long waited; slow ones marked. */
import { useEffect, useMemo, useRef } from 'react';
import { unpackInFlight, type InFlightPeer, type InFlightView } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { formatCount } from '../util/format.js';
import { useThemeKey } from '../ui/theme.js';
import { usePoll } from '../ui/usePoll.js';

const BLOCK_COLOR: Record<string, [string, string]> = { '.': ['--grid-missing-1', '#262c36'], r: ['--grid-inflight', '#e8b34a'], R: ['--grid-verified', '#3fb97a'], w: ['--accent', '#4c8dff'] };
/** Pixels per block in the strip (fewer when a piece has many blocks). */
const STRIP_MAX = 256;

/** The block colours from the theme's CSS variables (read once per theme, not per row and poll: each read forces a style recalculation). */
function blockColors(): Map<string, string> {
  const css = typeof getComputedStyle === 'function' ? getComputedStyle(document.documentElement) : null;
  return new Map(Object.entries(BLOCK_COLOR).map(([k, [name, fallback]]) => [k, css?.getPropertyValue(name).trim() || fallback]));
}

/** One cell per block, drawn on a canvas: one element per row, however many blocks. */
function BlockStrip({ blocks, colors }: { blocks: string; colors: Map<string, string> }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const cell = Math.max(1, Math.min(5, Math.floor(STRIP_MAX / Math.max(1, blocks.length))));
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    for (let k = 0; k < blocks.length; k++) {
      ctx.fillStyle = colors.get(blocks[k]!) ?? '#888';
      ctx.fillRect(k * cell, 0, Math.max(1, cell - (cell > 2 ? 1 : 0)), 9);
    }
  }, [blocks, cell, colors]);
  return <canvas ref={ref} className="blocks" width={Math.max(1, blocks.length * cell)} height={9} role="img" aria-label={summarize(blocks)} data-testid="inflight-blocks" />;
}

export function InFlightTab({ infoHash }: { infoHash: string }) {
  const controller = useController();
  const connected = useApp((s) => s.connection === 'open');
  const theme = useThemeKey();
  // The theme changes the variables' values.
  const colors = useMemo(blockColors, [theme]);
  const { value } = usePoll<InFlightView>(infoHash, connected, 1000, async (h) => {
    const reply = await controller.call(() => controller.client.getInFlight({ infoHash: h }), false);
    return reply ? unpackInFlight(reply) : reply;
  });
  if (!value) return <p className="muted pad">Loading pieces in flight…</p>;
  if (value.pieces.length === 0) return <p className="muted pad" data-testid="inflight-empty">No piece is being downloaded right now.</p>;
  return (
    <table className="table table--compact table--inflight" data-testid="inflight-table">
      <thead>
        <tr>
          <th className="col-num col-piece">Piece</th>
          <th className="col-blocks" title="One mark per block: grey not requested, amber requested, green received, blue being hashed and written">Blocks</th>
          <th>From</th><th>Waiting on</th><th className="col-num col-waited">Waited</th>
        </tr>
      </thead>
      <tbody>
        {/* Rows keyed by position: at full speed every piece is new each second, and replacing
            64 rows (and their canvases) each poll cost long tasks; these are updated in place. */}
        {value.pieces.map((p, k) => (
          <tr key={k} className={p.slow ? 'row row--slow' : 'row'} data-testid="inflight-row" data-piece={p.index} data-slow={p.slow} data-blocks={p.blocks}>
            <td className="col-num">{formatCount(p.index)}{p.slow ? ' ⚠' : ''}</td>
            <td><BlockStrip blocks={p.blocks} colors={colors} /></td>
            <td className="ellipsis">{peers(p.from)}</td>
            <td className="ellipsis">{peers(p.waitingOn)}</td>
            <td className="col-num">{p.oldestRequest === null ? '–' : `${Math.max(0, Math.round((value.now - p.oldestRequest) / 1000))} s`}</td>
          </tr>
        ))}
      </tbody>
      {value.total > value.pieces.length && (
        <tfoot><tr><td colSpan={5} className="muted">and {formatCount(value.total - value.pieces.length)} more</td></tr></tfoot>
      )}
    </table>
  );
}

function peers(list: InFlightPeer[]): string {
  return list.length === 0 ? '–' : list.map((p) => `${p.peer} ×${p.blocks}`).join(', ');
}

function summarize(blocks: string): string {
  const count = (c: string) => [...blocks].filter((b) => b === c).length;
  return `${count('R') + count('w')} of ${blocks.length} blocks received, ${count('r')} requested`;
}
