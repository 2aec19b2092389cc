import { describe, expect, it } from 'vitest';
import type { PeerAddress } from '../api.js';
import type { TorrentState } from '../../../shared/contract/index.js';
import { MAX_CANDIDATES_PER_SOURCE, PeerCandidates } from '../torrent/peer-candidates.js';
import { lsdPeerHeard, type LsdTorrent } from './session-reach.js';

/** A torrent as LSD sees it, its candidate list a real one. */
function torrent(hash: string, state: TorrentState = 'downloading', isPrivate = false): LsdTorrent & { candidates: PeerCandidates } {
  const candidates = new PeerCandidates();
  return {
    candidates,
    state,
    info: () => ({ private: isPrivate }) as ReturnType<LsdTorrent['info']>,
    infoHashes: { v1: Buffer.from(hash, 'hex'), v2: null } as LsdTorrent['infoHashes'],
    addPeers: (peers: PeerAddress[], source: string | null = null) => {
      for (const p of peers) candidates.add(p, source);
    },
  };
}

describe('lsdPeerHeard', () => {
  it('gives a LAN peer to the running public torrents it names, as one capped source: a flood of invented addresses takes at most its share', () => {
    const hash = 'ab'.repeat(20);
    const named = torrent(hash);
    const others = [torrent('cd'.repeat(20)), torrent(hash, 'paused'), torrent(hash, 'downloading', true)];
    for (let i = 0; i < 1000; i++) lsdPeerHeard([named, ...others], hash, { host: `192.168.${i >> 8}.${i & 255}`, port: 6881 });
    expect(named.candidates.size).toBe(MAX_CANDIDATES_PER_SOURCE);
    expect(others.map((t) => t.candidates.size)).toEqual([0, 0, 0]);
    named.addPeers([{ host: '198.51.100.1', port: 1 }], 'tracker http://t.example/announce');
    expect(named.candidates.size).toBe(MAX_CANDIDATES_PER_SOURCE + 1);
  });
});
