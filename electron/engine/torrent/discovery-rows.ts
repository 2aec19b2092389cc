import type { DiscoveryRow, DiscoveryView } from '../../../shared/contract/trackers.js';
import type { PeerSourceSwitches } from '../api.js';
import { PeerOrigin } from './peer-candidates.js';

/** A connected peer (handshake done) as the rows count it. */
export interface CountedPeer {
  readonly isSeed: boolean;
  /** The kinds of source that named its address (PeerOrigin bits; 0 for an incoming connection). */
  readonly origins: number;
}

/**
 * The Trackers tab's DHT, PeX and LSD rows, as qBittorrent's (trackerlistmodel.cpp): off in the
 * session says "Disabled" first, then a private torrent "Disabled for this torrent"; each row
 * counts the connected peers its source named, seeds apart from the others.
 */
export function discoveryRows(isPrivate: boolean, on: Pick<PeerSourceSwitches, 'dht' | 'pex' | 'lsd'>, peers: Iterable<CountedPeer>): DiscoveryView {
  const row = (enabled: boolean): DiscoveryRow => ({ status: !enabled ? 'disabled' : isPrivate ? 'disabled-for-torrent' : 'working', seeds: 0, leechers: 0 });
  const view: DiscoveryView = { private: isPrivate, dht: row(on.dht), pex: row(on.pex), lsd: row(on.lsd) };
  for (const peer of peers) {
    const field = peer.isSeed ? 'seeds' : 'leechers';
    if (peer.origins & PeerOrigin.Dht) view.dht[field]++;
    if (peer.origins & PeerOrigin.Pex) view.pex[field]++;
    if (peer.origins & PeerOrigin.Lsd) view.lsd[field]++;
  }
  return view;
}
