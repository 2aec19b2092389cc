import { describe, expect, it } from 'vitest';
import { PIECE_SOURCE_ENTRY_BYTES, UNKNOWN_SOURCE, bytesToBase64, packSourceEntries, writeSourceEntry, type PieceSourcesView } from '../../../shared/contract/index.js';
import { describeSources } from './MosaicPanel.js';
import { OTHER_SOURCE_COLOR, SOURCE_COLORS, TINT_COLORS, assignSourceColors, sourceTint } from './sourceColors.js';
import { PieceSourceTable } from './sourceTable.js';

function entries(list: Array<[piece: number, source: number, tenths: number]>): string {
  const bytes = new Uint8Array(list.length * PIECE_SOURCE_ENTRY_BYTES);
  list.forEach(([p, s, t], k) => writeSourceEntry(bytes, k * PIECE_SOURCE_ENTRY_BYTES, p, s, t));
  return bytesToBase64(packSourceEntries(bytes));
}

function view(over: Partial<PieceSourcesView>): PieceSourcesView {
  return { generation: 1, base: 1_000_000, count: 0, from: 0, entries: '', sourcesFrom: 0, sources: [], failures: [], ...over };
}

const A = { kind: 'peer' as const, label: '10.0.0.1:6881', client: 'libtorrent' };
const B = { kind: 'peer' as const, label: '10.0.0.2:6881', client: 'qBittorrent' };

describe('PieceSourceTable', () => {
  it('applies the log from its cursors: latest source and time per piece, pieces per source', () => {
    const t = new PieceSourceTable(4);
    expect(t.cursor()).toEqual({ from: 0, sourcesFrom: 0 });
    expect(t.apply(view({ count: 2, sources: [A], entries: entries([[0, 0, 10], [1, UNKNOWN_SOURCE, 20]]) }))).toBe(true);
    expect(t.cursor()).toEqual({ from: 2, sourcesFrom: 1, generation: 1 });
    expect(t.apply(view({ count: 3, from: 2, sourcesFrom: 1, sources: [B], entries: entries([[0, 1, 30]]) }))).toBe(true);
    expect(Array.from(t.sourceOf)).toEqual([1, -1, -1, -1]);
    expect(t.doneAt[0]).toBe(1_000_000 + 3000);
    expect(t.doneAt[1]).toBe(1_000_000 + 2000);
    expect(t.piecesBySource).toEqual([0, 1]);
    expect(t.logCount).toBe(3);
    expect(Array.from(t.logPiece.subarray(0, 3))).toEqual([0, 1, 0]);
    // Nothing new: nothing changed.
    expect(t.apply(view({ count: 3, from: 3, sourcesFrom: 2 }))).toBe(false);
  });

  it('a new generation (recheck) starts over; a reply for an old cursor adds nothing twice', () => {
    const t = new PieceSourceTable(2);
    t.apply(view({ count: 1, sources: [A], entries: entries([[0, 0, 1]]) }));
    t.apply(view({ count: 1, from: 0, sourcesFrom: 1, entries: entries([[0, 0, 1]]) })); // stale: from 0 ≠ 1
    expect(t.logCount).toBe(1);
    t.apply(view({ generation: 2, base: 5, count: 1, sources: [B], entries: entries([[1, 0, 0]]) }));
    expect(t.generation).toBe(2);
    expect(t.sources).toEqual([B]);
    expect(Array.from(t.sourceOf)).toEqual([-1, 0]);
    expect(t.logCount).toBe(1);
  });

  it('ignores entries for pieces beyond the torrent and source indices it was never told of', () => {
    const t = new PieceSourceTable(2);
    t.apply(view({ count: 2, sources: [A], entries: entries([[7, 0, 1], [1, 9, 1]]) }));
    expect(Array.from(t.sourceOf)).toEqual([-1, -1]);
    expect(t.piecesBySource).toEqual([0]);
  });

  it('describes a piece (source, time), a run (main sources) and names the senders of a failed piece', () => {
    const t = new PieceSourceTable(4);
    t.apply(view({ count: 3, sources: [A, B], entries: entries([[0, 0, 0], [1, 1, 0], [2, 1, 0]]), failures: [{ piece: 3, at: 1, peers: ['6.6.6.6:1'] }] }));
    expect(describeSources(t, 0, 1)[0]).toBe('From 10.0.0.1:6881 (libtorrent)');
    expect(describeSources(t, 0, 1)[1]).toMatch(/^Completed /);
    expect(describeSources(t, 0, 4)).toEqual(['From 10.0.0.2:6881 (qBittorrent) ×2, 10.0.0.1:6881 (libtorrent) ×1', 'Piece 3 failed its hash: sent by 6.6.6.6:1']);
  });
});

describe('source colours', () => {
  it('top sources by pieces get colours; a source keeps its colour while it stays on top', () => {
    const first = assignSourceColors([5, 9, 1], new Map(), 2);
    expect([...first.entries()].sort()).toEqual([[0, 1], [1, 0]]);
    // Source 2 overtakes source 0: it takes 0's freed colour; source 1 keeps its own.
    const next = assignSourceColors([5, 9, 20], first, 2);
    expect(next.get(1)).toBe(0);
    expect(next.get(2)).toBe(1);
    expect(next.has(0)).toBe(false);
  });

  it('sources without pieces get no colour', () => {
    expect(assignSourceColors([0, 3], new Map()).has(0)).toBe(false);
  });

  it('tint: 1 + slot for top sources, the "other" colour for the rest, 0 for unknown', () => {
    const tint = sourceTint(Int32Array.of(0, 1, -1), new Map([[0, 3]]), new Uint8Array(3));
    expect(Array.from(tint)).toEqual([4, SOURCE_COLORS.length + 1, 0]);
    expect(TINT_COLORS[tint[0]! - 1]).toBe(SOURCE_COLORS[3]);
    expect(TINT_COLORS[tint[1]! - 1]).toBe(OTHER_SOURCE_COLOR);
  });
});
