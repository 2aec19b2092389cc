/**
 * Gathers the facts health.ts diagnoses from a running torrent's parts: its transfer (pieces
 * wanted and available, the disk queue), its connections, discovery and the session. O(pieces
 * + peers) per call: the UI asks every couple of seconds while the health panel is open.
 */
import type { PeerConnection } from '../peer/peer-connection.js';
import type { Reachability } from '../session/reachability.js';
import type { TorrentStats, TrackerStats } from '../api.js';
import type { BannedPeer, HealthFacts } from './health.js';
import { reachFacts } from './health-reach.js';
import type { Transfer } from './transfer.js';

export interface HealthSources {
  stats: TorrentStats;
  hasMetadata: boolean;
  private: boolean;
  transfer: Transfer | null;
  peers: Iterable<PeerConnection>;
  trackers: readonly TrackerStats[];
  knownPeers: number;
  connecting: number;
  dhtNodes: number | null;
  ownDownloadLimit: number;
  globalDownloadLimit: number;
  banned: readonly BannedPeer[];
  reachability: Reachability | null;
  /** This machine's interface addresses (health-reach.ts interfaceAddresses), for a listener on every address. */
  localAddresses: readonly string[];
}

export function collectHealthFacts(src: HealthSources): HealthFacts {
  const { stats, transfer } = src;
  let wantedMissing = 0;
  let wantedNobodyHas = 0;
  if (transfer) {
    const picker = transfer.picker;
    for (let i = 0; i < picker.pieceCount; i++) {
      if (picker.have.has(i) || !picker.isWanted(i)) continue;
      wantedMissing++;
      if (picker.availability(i) === 0) wantedNobodyHas++;
    }
  }
  const connected = [...src.peers].map((p) => ({
    address: p.address,
    hasWanted: transfer ? transfer.picker.peerIsInteresting(p, p.isSeed) : false,
    chokesUs: p.peerChoking,
    hashFailures: p.hashFailures,
    downloadRate: p.downloadMeter.rate(),
    requests: p.requests.size,
    requestLimit: p.requestLimit,
  }));
  return {
    state: stats.state,
    error: stats.error,
    hasMetadata: src.hasMetadata,
    private: src.private,
    // "Stuck at N%" reads as the torrent list's progress: over the wanted part.
    progress: wantedFraction(stats),
    wantedMissing,
    wantedNobodyHas,
    downloadRate: stats.downloadRate,
    ownDownloadLimit: src.ownDownloadLimit,
    globalDownloadLimit: src.globalDownloadLimit,
    trackers: src.trackers.map((t) => ({ url: t.url, status: t.status, message: t.message })),
    dhtNodes: src.dhtNodes,
    knownPeers: src.knownPeers,
    connecting: src.connecting,
    connected,
    diskBacklogged: transfer?.diskBacklogged ?? false,
    hashFailures: stats.hashFailures,
    banned: [...src.banned],
    reachability: src.reachability ? reachFacts(src.reachability, src.localAddresses) : null,
  };
}

/** Verified share of the wanted part (TorrentStats.wantedSize), as the torrent list shows progress. */
function wantedFraction(stats: TorrentStats): number {
  const size = stats.wantedSize ?? stats.size;
  return size > 0 ? Math.min(1, (stats.wantedCompletedBytes ?? stats.completedBytes) / size) : 0;
}
