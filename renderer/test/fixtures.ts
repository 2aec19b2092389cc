/** Test fixtures: contract-shaped objects. */
import type { SessionSummary, TorrentSummary } from '../../shared/contract/index.js';

export function hash(n: number): string {
  return n.toString(16).padStart(40, '0');
}

export function summary(n: number, over: Partial<TorrentSummary> = {}): TorrentSummary {
  return {
    infoHash: hash(n),
    name: `torrent ${n}`,
    state: 'downloading',
    error: null,
    size: 1000 * n,
    totalSize: 1000 * n,
    completedBytes: 0,
    progress: 0,
    downloadRate: 0,
    uploadRate: 0,
    downloaded: 0,
    uploaded: 0,
    peers: 0,
    seeds: 0,
    eta: null,
    pieceCount: 10,
    pieceLength: 16384,
    verifiedPieces: 0,
    hashFailures: 0,
    addedAt: 1_700_000_000_000 + n,
    completedAt: null,
    sequential: false,
    firstLastPiecesFirst: false,
    downloadLimit: 0,
    uploadLimit: 0,
    savePath: '/tmp',
    hasMetadata: true,
    ...over,
  };
}

export const session: SessionSummary = { downloadRate: 10, uploadRate: 5, peers: 3, listenPort: 6881, downloadLimit: 0, uploadLimit: 0 };
