/**
 * Test support for the CLI's status and progress tests: a whole TorrentStats, as the engine
 * reports it, with only the fields a test cares about given. The default is a fresh download
 * of the walkthrough torrent (110 pieces of 16 KiB, nothing verified yet, no peers).
 */
import type { TorrentStats } from '../engine/index.js';

export function torrentStats(over: Partial<TorrentStats> = {}): TorrentStats {
  return {
    infoHash: '0'.repeat(40),
    name: 'walkthrough',
    state: 'downloading',
    error: null,
    size: 1_799_542,
    pieceLength: 16384,
    pieceCount: 110,
    verifiedPieces: 0,
    completedBytes: 0,
    downloaded: 0,
    uploaded: 0,
    downloadRate: 0,
    uploadRate: 0,
    peers: 0,
    seeds: 0,
    hashFailures: 0,
    savePath: '/tmp',
    addedAt: 0,
    completedAt: null,
    sequential: false,
    firstLastPiecesFirst: false,
    ...over,
  };
}
