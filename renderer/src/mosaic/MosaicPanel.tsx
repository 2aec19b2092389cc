/**
 * The piece grid with the mosaic's modes: state (as always), colour by source (who sent each
 * tile, with a legend naming the top sources), a peer's pieces highlighted (hovering it in the
 * Peers tab), the latest hash failure with the peers that sent it, and Save as PNG.
 */
import { useCallback, useMemo, useRef, useState } from 'react';
import type { TorrentSummary } from '../../../shared/contract/index.js';
import { useApp } from '../app/context.js';
import { PieceGrid } from '../grid/PieceGrid.js';
import type { GridTint } from '../grid/painter.js';
import { formatBytes, formatCount } from '../util/format.js';
import { useThemeKey } from '../ui/theme.js';
import { usePeerHighlight } from './highlight.js';
import { saveCanvasPng } from './savePng.js';
import { assignSourceColors, sourceTint, TINT_COLORS } from './sourceColors.js';
import type { PieceSourceTable } from './sourceTable.js';
import { useSourceTable } from './useSourceTable.js';
import { usePieceField } from './usePieceField.js';
import { useSkippedCount } from './useSkippedCount.js';
import { ReplayBar, type ReplayFrame } from './ReplayBar.js';

export type GridMode = 'state' | 'source';

/** A hash failure is named in the header for this long. */
const FAILURE_SHOWN_MS = 120_000;
/** Legend entries at most (the top sources; the rest share "other"). */
const LEGEND_MAX = 8;
const HIGHLIGHT: readonly string[] = ['#4c8dff'];

export function MosaicPanel({ torrent: t }: { torrent: TorrentSummary }) {
  const field = usePieceField(t.infoHash);
  const skipped = useSkippedCount(field);
  const themeKey = useThemeKey();
  const connected = useApp((s) => s.connection === 'open');
  const [mode, setMode] = useState<GridMode>('state');
  const [replaying, setReplaying] = useState(false);
  const [frame, setFrame] = useState<ReplayFrame | null>(null);
  const { table, version } = useSourceTable(t.infoHash, t.hasMetadata ? t.pieceCount : 0, connected, mode === 'source' || replaying);
  const highlight = usePeerHighlight(t.infoHash);
  const slotsRef = useRef(new Map<number, number>());
  const boxRef = useRef<HTMLDivElement>(null);

  // Colour slots move only when the top sources change (see assignSourceColors).
  const slots = useMemo(() => {
    if (!table) return slotsRef.current;
    slotsRef.current = assignSourceColors(table.piecesBySource, slotsRef.current);
    return slotsRef.current;
    // `version` says the table changed in place.
  }, [table, version]);

  const tint = useMemo<GridTint | null>(() => {
    if (highlight && highlight.pieces.length >= t.pieceCount) return { colors: HIGHLIGHT, pieceColor: highlight.pieces, verifiedOnly: false };
    const sourceOf = replaying && frame ? frame.sources : table?.sourceOf;
    if (mode === 'source' && table && sourceOf) return { colors: TINT_COLORS, pieceColor: sourceTint(sourceOf, slots, new Uint8Array(table.pieceCount)), verifiedOnly: true };
    return null;
    // `version` says the table changed in place.
  }, [mode, table, version, slots, highlight, t.pieceCount, replaying, frame]);
  const closeReplay = useCallback(() => { setReplaying(false); setFrame(null); }, []);

  const describePieces = useCallback((first: number, end: number) => (table ? describeSources(table, first, end) : []), [table]);

  const pieceInfo = t.hasMetadata
    ? `${formatCount(t.verifiedPieces)} of ${formatCount(t.pieceCount)} pieces${skipped > 0 ? ` (${formatCount(skipped)} skipped)` : ''} · ${formatBytes(t.pieceLength)} each`
    : 'Waiting for metadata…';
  const failure = table?.failures.at(-1);
  const recentFailure = failure && Date.now() - failure.at < FAILURE_SHOWN_MS ? failure : null;
  return (
    <div className="pieces" ref={boxRef}>
      <div className="pieces__head">
        <h2 className="pieces__title" title={t.name}>{t.name || t.infoHash}</h2>
        <span className="pieces__meta">{pieceInfo}{t.hashFailures > 0 ? ` · ${t.hashFailures} hash failure${t.hashFailures === 1 ? '' : 's'}` : ''}</span>
        <div className="mosaic-modes" role="group" aria-label="Colour the pieces by">
          <button type="button" className="mosaic-mode" aria-pressed={mode === 'state'} data-testid="grid-mode-state" onClick={() => setMode('state')}>State</button>
          <button type="button" className="mosaic-mode" aria-pressed={mode === 'source'} data-testid="grid-mode-source" onClick={() => setMode('source')}>Source</button>
          <button type="button" className="mosaic-mode" aria-pressed={replaying} data-testid="replay-button" title="Replay the mosaic filling up"
            onClick={() => (replaying ? closeReplay() : setReplaying(true))}>Replay</button>
          <button type="button" className="mosaic-mode" data-testid="grid-save-png" title="Save the piece map as a PNG image"
            onClick={() => { const c = boxRef.current?.querySelector('canvas'); if (c) void saveCanvasPng(c, `${t.name || t.infoHash}-pieces.png`); }}>PNG</button>
        </div>
        {mode === 'source' && !highlight ? <SourceLegend table={table} slots={slots} /> : <StateLegend highlight={highlight?.label ?? null} skipped={skipped > 0} />}
      </div>
      {recentFailure && (
        <div className="mosaic-failure" data-testid="hash-failure-note" data-piece={recentFailure.piece}>
          Piece {formatCount(recentFailure.piece)} failed its hash check — sent by {recentFailure.peers.join(', ') || 'unknown peers'}
        </div>
      )}
      {replaying && table && field && <ReplayBar table={table} live={field.state} onFrame={setFrame} onClose={closeReplay} />}
      <PieceGrid field={replaying && frame ? frame.field : field} themeKey={themeKey} tint={tint} describePieces={describePieces} />
    </div>
  );
}

/** `skipped`: the torrent has skipped pieces (named only then: the head row has little room). */
function StateLegend({ highlight, skipped }: { highlight: string | null; skipped: boolean }) {
  return (
    <div className="legend" aria-hidden="true">
      {highlight && <span className="legend__item" data-testid="highlight-legend"><i className="sw" style={{ background: HIGHLIGHT[0] }} />Pieces of {highlight}</span>}
      <span className="legend__item"><i className="sw sw--verified" />Verified</span>
      <span className="legend__item"><i className="sw sw--inflight" />Downloading</span>
      <span className="legend__item"><i className="sw sw--missing" />Missing <i className="sw sw--ramp" /> more peers</span>
      <span className="legend__item"><i className="sw sw--unavail" />No peer</span>
      <span className="legend__item"><i className="sw sw--failed" />Hash failed</span>
      {skipped && <span className="legend__item" data-testid="legend-skipped" title='Not downloaded: every file in these pieces is set to "Do not download"'><i className="sw sw--skipped" />Skipped</span>}
    </div>
  );
}

function SourceLegend({ table, slots }: { table: PieceSourceTable | null; slots: ReadonlyMap<number, number> }) {
  if (!table) return <div className="legend" data-testid="source-legend">No sources yet</div>;
  const top = [...slots.entries()].sort((a, b) => (table.piecesBySource[b[0]] ?? 0) - (table.piecesBySource[a[0]] ?? 0)).slice(0, LEGEND_MAX);
  const shown = new Set(top.map(([s]) => s));
  let other = 0;
  table.piecesBySource.forEach((n, s) => { if (!shown.has(s)) other += n; });
  return (
    <div className="legend legend--sources" data-testid="source-legend">
      {top.length === 0 && <span className="legend__item">No piece from a peer yet</span>}
      {top.map(([source, slot]) => {
        const s = table.sources[source]!;
        const pieces = table.piecesBySource[source] ?? 0;
        return (
          <span key={source} className="legend__item" data-testid="source-legend-item" data-label={s.label} data-pieces={pieces} title={`${s.kind === 'webseed' ? 'Web seed' : 'Peer'} ${s.label}${s.client ? ` (${s.client})` : ''}: ${pieces} pieces`}>
            <i className="sw" style={{ background: TINT_COLORS[slot] }} />
            {s.client ? `${s.client} · ` : ''}{s.label} ({formatCount(pieces)})
          </span>
        );
      })}
      {other > 0 && <span className="legend__item" data-testid="source-legend-other"><i className="sw" style={{ background: TINT_COLORS.at(-1) }} />Others ({formatCount(other)})</span>}
    </div>
  );
}

/** Tooltip lines: the source and completion time of one piece, or the main sources of a run. */
export function describeSources(table: PieceSourceTable, first: number, end: number): string[] {
  const lines: string[] = [];
  const name = (source: number): string => {
    const s = table.sources[source];
    return s ? `${s.label}${s.client ? ` (${s.client})` : ''}` : 'unknown';
  };
  if (end - first === 1) {
    const source = table.sourceOf[first] ?? -1;
    const at = table.doneAt[first] ?? 0;
    if (source >= 0) lines.push(`From ${name(source)}`);
    if (at > 0) lines.push(`Completed ${new Date(at).toLocaleTimeString()}`);
  } else {
    const counts = new Map<number, number>();
    for (let i = first; i < end && i < table.pieceCount; i++) {
      const s = table.sourceOf[i]!;
      if (s >= 0) counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
    if (top.length > 0) lines.push(`From ${top.map(([s, n]) => `${name(s)} ×${n}`).join(', ')}${counts.size > 3 ? ', …' : ''}`);
  }
  for (const f of table.failures) {
    if (f.piece >= first && f.piece < end) lines.push(`Piece ${formatCount(f.piece)} failed its hash: sent by ${f.peers.join(', ') || 'unknown peers'}`);
  }
  return lines;
}
