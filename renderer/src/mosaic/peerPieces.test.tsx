// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToBase64, type PeerPiecesResult } from '../../../shared/contract/index.js';
import { mountWithSnapshot, type Mounted } from '../../test/mount.js';
import { hash, summary } from '../../test/fixtures.js';
import { App } from '../ui/App.js';
import { mergePeerPieces, piecesOf, stripColumns } from './peerPieces.js';

describe('peer pieces', () => {
  const half: PeerPiecesResult = { pieceCount: 8, wantedMissing: 6, peers: [{ id: 'a', count: 4, seed: false, wanted: 3, have: bytesToBase64(Uint8Array.of(0b1111_0000)) }, { id: 's', count: 8, seed: true, wanted: 6 }] };

  it('keeps a bitfield the engine left out (same count); drops peers that left; a new count without bits clears it', () => {
    const first = mergePeerPieces(null, half);
    expect(Array.from(piecesOf(first.peers.get('a')!, 8))).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(piecesOf(first.peers.get('s')!, 8))).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    const again = mergePeerPieces(first, { pieceCount: 8, wantedMissing: 6, peers: [{ id: 'a', count: 4, seed: false, wanted: 3 }] });
    expect(again.peers.get('a')!.bits).toEqual(Uint8Array.of(0b1111_0000));
    expect(again.peers.has('s')).toBe(false);
    const odd = mergePeerPieces(first, { pieceCount: 8, wantedMissing: 6, peers: [{ id: 'a', count: 5, seed: false, wanted: 3 }] });
    expect(odd.peers.get('a')!.bits).toBeNull();
  });

  it('keeps an unchanged peer\'s object (the strip is drawn again only when it changes); a new count, want or bitfield makes a new one', () => {
    const first = mergePeerPieces(null, half);
    // The engine leaves out the bitfield it knows we hold: same count, same object.
    const again = mergePeerPieces(first, { pieceCount: 8, wantedMissing: 6, peers: [{ id: 'a', count: 4, seed: false, wanted: 3 }, { id: 's', count: 8, seed: true, wanted: 6 }] });
    expect(again.peers.get('a')).toBe(first.peers.get('a'));
    expect(again.peers.get('s')).toBe(first.peers.get('s'));
    // The same bits sent again (e.g. after a reconnect) still count as unchanged.
    const resent = mergePeerPieces(again, half);
    expect(resent.peers.get('a')).toBe(first.peers.get('a'));
    const fewerWanted = mergePeerPieces(again, { pieceCount: 8, wantedMissing: 5, peers: [{ id: 'a', count: 4, seed: false, wanted: 2 }] });
    expect(fewerWanted.peers.get('a')).not.toBe(first.peers.get('a'));
    expect(fewerWanted.peers.get('a')!.wanted).toBe(2);
    const more = mergePeerPieces(again, { pieceCount: 8, wantedMissing: 6, peers: [{ id: 'a', count: 5, seed: false, wanted: 3, have: bytesToBase64(Uint8Array.of(0b1111_1000)) }] });
    expect(more.peers.get('a')).not.toBe(first.peers.get('a'));
    expect(Array.from(piecesOf(more.peers.get('a')!, 8))).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    const otherBits = mergePeerPieces(again, { pieceCount: 8, wantedMissing: 6, peers: [{ id: 'a', count: 4, seed: false, wanted: 3, have: bytesToBase64(Uint8Array.of(0b0000_1111)) }] });
    expect(otherBits.peers.get('a')).not.toBe(first.peers.get('a'));
  });

  it('strip columns: the fraction had per column, pieces spread evenly', () => {
    const p = mergePeerPieces(null, half).peers.get('a')!;
    expect(Array.from(stripColumns(p, 8, 4))).toEqual([1, 1, 0, 0]);
    expect(Array.from(stripColumns(p, 8, 16)).slice(6, 10)).toEqual([1, 1, 0, 0]);
  });
});

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
});

describe('Peers tab strips', () => {
  it('asks for the pieces only while the tab is open, shows "N of M we need", and hovering a peer highlights its pieces on the grid', async () => {
    m = await mountWithSnapshot(<App />, { torrents: [summary(1, { pieceCount: 8, hasMetadata: true })] });
    const { container, transport } = m;
    transport.replies.getPeers = () => ({ ok: true, result: [{ id: 'a', address: '10.0.0.1:6881', client: 'lt', incoming: false, flags: 'D', downloadRate: 1, uploadRate: 0, downloaded: 0, uploaded: 0, progress: 0.5 }] });
    transport.replies.getPeerPieces = () => ({ ok: true, result: { pieceCount: 8, wantedMissing: 6, peers: [{ id: 'a', count: 4, seed: false, wanted: 3, have: bytesToBase64(Uint8Array.of(0b1111_0000)) }] } });
    await act(async () => { container.querySelector('[data-testid="torrent-row"]')!.dispatchEvent(new MouseEvent('mousedown', { bubbles: true })); });
    expect(transport.commands('getPeerPieces')).toEqual([]);
    await act(async () => { container.querySelector<HTMLButtonElement>('[data-testid="tab-peers"]')!.click(); });
    await act(async () => { await new Promise((r) => setTimeout(r, 0)); });
    expect(transport.commands('getPeerPieces')).toEqual([{ infoHash: hash(1), known: [] }]);
    expect(container.querySelector('[data-testid="peer-wanted"]')?.textContent).toBe('3 of 6');
    expect(container.querySelector('[data-testid="peer-strip"]')?.getAttribute('data-count')).toBe('4');
    await act(async () => { container.querySelector('[data-testid="peer-row"]')!.dispatchEvent(new MouseEvent('mouseover', { bubbles: true })); });
    expect(container.querySelector('[data-testid="highlight-legend"]')?.textContent).toContain('10.0.0.1:6881');
    await act(async () => { container.querySelector('[data-testid="peer-row"]')!.dispatchEvent(new MouseEvent('mouseout', { bubbles: true })); });
    expect(container.querySelector('[data-testid="highlight-legend"]')).toBeNull();
  });
});
