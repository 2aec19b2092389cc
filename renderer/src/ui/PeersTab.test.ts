import { describe, expect, it } from 'vitest';
import type { PeerView } from '../../../shared/contract/index.js';
import type { PeerPieces } from '../mosaic/peerPieces.js';
import type { StripColors } from '../mosaic/PeerStrip.js';
import { samePeerRow } from './PeersTab.js';

const peer: PeerView = { id: 'a', address: '10.0.0.1:6881', client: 'lt', incoming: false, flags: 'D', downloadRate: 100, uploadRate: 0, downloaded: 5, uploaded: 0, progress: 1 };
const pieces: PeerPieces = { count: 8, seed: true, wanted: 6, bits: null };
const colors: StripColors = { on: '#0f0', off: '#333' };
const onEnter = (): void => undefined;
const onLeave = (): void => undefined;
const row = { peer, pieces, pieceCount: 8, wantedMissing: 6, colors, onEnter, onLeave };

describe('Peers tab rows', () => {
  it('a poll that brings the same figures in new objects does not render the row again', () => {
    expect(samePeerRow(row, { ...row, peer: { ...peer } })).toBe(true);
  });

  it('renders again when anything the row shows changed', () => {
    expect(samePeerRow(row, { ...row, peer: { ...peer, downloadRate: 101 } })).toBe(false);
    expect(samePeerRow(row, { ...row, peer: { ...peer, downloaded: 6 } })).toBe(false);
    expect(samePeerRow(row, { ...row, peer: { ...peer, flags: 'D E' } })).toBe(false);
    expect(samePeerRow(row, { ...row, pieces: { ...pieces } })).toBe(false);
    expect(samePeerRow(row, { ...row, wantedMissing: 5 })).toBe(false);
    expect(samePeerRow(row, { ...row, colors: { ...colors } })).toBe(false);
  });

  it('without pieces yet, "we need" shows a dash: the total we miss does not matter', () => {
    const bare = { ...row, pieces: undefined };
    expect(samePeerRow(bare, { ...bare, wantedMissing: 5 })).toBe(true);
  });
});
