// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToBase64, encodePieceChanges, packSourceEntries, PIECE_SOURCE_ENTRY_BYTES, PieceState, writeSourceEntry, type PieceSourcesView } from '../../../shared/contract/index.js';
import { mountWithSnapshot, type Mounted } from '../../test/mount.js';
import { hash, summary } from '../../test/fixtures.js';
import { App } from '../ui/App.js';

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
});
const flush = () => act(async () => { await new Promise((r) => setTimeout(r, 0)); });

function sourcesReply(): PieceSourcesView {
  const bytes = new Uint8Array(3 * PIECE_SOURCE_ENTRY_BYTES);
  [[0, 0], [1, 1], [2, 1]].forEach(([piece, source], k) => writeSourceEntry(bytes, k * PIECE_SOURCE_ENTRY_BYTES, piece!, source!, 0));
  return {
    generation: 3,
    base: Date.now(),
    count: 3,
    from: 0,
    entries: bytesToBase64(packSourceEntries(bytes)),
    sourcesFrom: 0,
    sources: [
      { kind: 'peer', label: '10.0.0.1:6881', client: 'libtorrent/2.0.11' },
      { kind: 'peer', label: '10.0.0.2:6881', client: 'qBittorrent' },
    ],
    failures: [{ piece: 3, at: Date.now(), peers: ['6.6.6.6:666'] }],
  };
}

describe('MosaicPanel', () => {
  it('colour by source: asks for the log, the legend names the sources by client and address with their pieces; a hash failure names its peers', async () => {
    m = await mountWithSnapshot(<App />, { torrents: [summary(1, { name: 'two.iso', pieceCount: 4, hasMetadata: true })] });
    const { container, transport } = m;
    // Like the engine: no entries for limit 0; everything from 0 otherwise (the cursor is checked below).
    transport.replies.getPieceSources = (q) => ({ ok: true, result: (q as { limit?: number }).limit === 0 ? { ...sourcesReply(), entries: '' } : sourcesReply() });
    await act(async () => { container.querySelector('[data-testid="torrent-row"]')!.dispatchEvent(new MouseEvent('mousedown', { bubbles: true })); });
    await flush();
    // Showing states: only the failures are asked for, no log entries.
    expect(transport.commands('getPieceSources')[0]).toEqual({ infoHash: hash(1), from: 0, sourcesFrom: 0, limit: 0 });
    expect(container.querySelector('[data-testid="hash-failure-note"]')?.textContent).toContain('Piece 3 failed its hash check — sent by 6.6.6.6:666');
    const source = container.querySelector<HTMLButtonElement>('[data-testid="grid-mode-source"]')!;
    expect(source.getAttribute('aria-pressed')).toBe('false');
    await act(async () => { source.click(); });
    await flush();
    expect(source.getAttribute('aria-pressed')).toBe('true');
    expect(transport.commands('getPieceSources').at(-1)).toEqual({ infoHash: hash(1), from: 0, sourcesFrom: 2, generation: 3 });
    const items = Array.from(container.querySelectorAll('[data-testid="source-legend-item"]'));
    expect(items.map((i) => [i.getAttribute('data-label'), i.getAttribute('data-pieces')])).toEqual([
      ['10.0.0.2:6881', '2'],
      ['10.0.0.1:6881', '1'],
    ]);
    expect(items[0]!.textContent).toContain('qBittorrent');
  });

  it('skipped pieces (files set to "Do not download") arrive as Skipped: the header, legend, data-skipped and label say so, data-verified counts only verified ones', async () => {
    m = await mountWithSnapshot(<App />, { torrents: [summary(1, { name: 'part.iso', pieceCount: 6, verifiedPieces: 2, hasMetadata: true })] });
    const { container, transport } = m;
    await act(async () => { container.querySelector('[data-testid="torrent-row"]')!.dispatchEvent(new MouseEvent('mousedown', { bubbles: true })); });
    const { Verified: V, Missing: M, Skipped: S } = PieceState;
    await act(async () => {
      transport.emit({ type: 'piecesSnapshot', infoHash: hash(1), seq: 0, pieceCount: 6, states: bytesToBase64(Uint8Array.from([V, V, S, S, S, M])), inFlight: [], availability: bytesToBase64(new Uint8Array(6)) });
    });
    const grid = container.querySelector('[data-testid="piece-grid"]')!;
    expect(grid.getAttribute('data-verified')).toBe('2');
    expect(grid.getAttribute('data-skipped')).toBe('3');
    expect(grid.getAttribute('aria-label')).toBe('Piece map: 2 of 6 pieces verified, 3 skipped (not downloaded)');
    // The last file skipped too: nothing is left to come.
    await act(async () => { transport.emit({ type: 'piecesDelta', infoHash: hash(1), seq: 1, changes: encodePieceChanges([[5, S, 0]]) }); });
    expect(grid.getAttribute('data-skipped')).toBe('4');
    expect(container.querySelector('.pieces__meta')?.textContent).toContain('2 of 6 pieces (4 skipped)');
    expect(container.querySelector('[data-testid="legend-skipped"]')?.textContent).toBe('Skipped');
  });
});
