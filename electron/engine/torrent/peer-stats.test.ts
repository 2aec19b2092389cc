import { describe, expect, it } from 'vitest';
import { PEER_FLAGS } from '../../../shared/contract/index.js';
import { discoveryRows } from './discovery-rows.js';
import { DHT_SOURCE, dhtSource, LSD_SOURCE, MAGNET_SOURCE, originOf, PeerCandidates, PeerOrigin, pexSource, trackerSource } from './peer-candidates.js';
import { peerFlags } from './peer-stats.js';

const idle = { amInterested: false, peerChoking: true, peerInterested: false, amChoking: true, incoming: false, rc4: false, encrypted: false, snubbed: false, overUtp: false };

describe('peer flags', () => {
  it("H, X, L for the sources that named a dialled peer, P for µTP, in qBittorrent's order; every letter is explained in PEER_FLAGS", () => {
    expect(peerFlags(idle, PeerOrigin.Dht | PeerOrigin.Pex | PeerOrigin.Lsd | PeerOrigin.Tracker)).toBe('H X L');
    expect(peerFlags({ ...idle, overUtp: true, rc4: true, amInterested: true, peerChoking: false }, PeerOrigin.Pex)).toBe('D X E P');
    expect(peerFlags({ ...idle, incoming: true, overUtp: true })).toBe('I P');
    const all = peerFlags({ ...idle, amInterested: true, peerInterested: true, incoming: true, rc4: true, snubbed: true, overUtp: true }, 0xff);
    for (const letter of all.split(' ')) expect(Object.keys(PEER_FLAGS)).toContain(letter);
  });

  it('each kind of source string maps to its origin; a candidate keeps every kind that named it', () => {
    expect(originOf(dhtSource({ host: '192.0.2.1', port: 1 }))).toBe(PeerOrigin.Dht);
    expect(originOf(DHT_SOURCE)).toBe(PeerOrigin.Dht);
    expect(originOf(pexSource('10.0.0.1'))).toBe(PeerOrigin.Pex);
    expect(originOf(LSD_SOURCE)).toBe(PeerOrigin.Lsd);
    expect(originOf(MAGNET_SOURCE)).toBe(PeerOrigin.Magnet);
    expect(originOf(trackerSource('udp://t.example:80'))).toBe(PeerOrigin.Tracker);
    expect(originOf(null)).toBe(PeerOrigin.User);
    const candidates = new PeerCandidates();
    const peer = { host: '10.0.0.2', port: 6881 };
    expect(candidates.originsOf(peer)).toBe(0);
    candidates.add(peer, pexSource('10.0.0.1'));
    candidates.add(peer, LSD_SOURCE);
    expect(candidates.originsOf(peer)).toBe(PeerOrigin.Pex | PeerOrigin.Lsd);
  });

  it("the Trackers tab's rows: Disabled (off in the session) before Disabled for this torrent (private); seeds apart from leechers", () => {
    const peers = [
      { isSeed: true, origins: PeerOrigin.Dht | PeerOrigin.Lsd },
      { isSeed: false, origins: PeerOrigin.Dht },
      { isSeed: false, origins: PeerOrigin.Pex },
      { isSeed: true, origins: 0 },
    ];
    expect(discoveryRows(false, { dht: true, pex: false, lsd: true }, peers)).toEqual({
      private: false,
      dht: { status: 'working', seeds: 1, leechers: 1 },
      pex: { status: 'disabled', seeds: 0, leechers: 1 },
      lsd: { status: 'working', seeds: 1, leechers: 0 },
    });
    expect(discoveryRows(true, { dht: true, pex: false, lsd: true }, [])).toMatchObject({
      private: true,
      dht: { status: 'disabled-for-torrent' },
      pex: { status: 'disabled' },
      lsd: { status: 'disabled-for-torrent' },
    });
  });
});
