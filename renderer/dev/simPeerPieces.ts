/** The simulator's getPeerPieces: each simulated peer holds a fixed pseudo-random share of pieces (its `progress`). */
import { bytesToBase64, PieceState, type PeerPiecesQuery, type PeerPiecesResult, type PeerView } from '../../shared/contract/index.js';

export function simPeerPieces(peers: readonly PeerView[], states: Uint8Array, query: PeerPiecesQuery): PeerPiecesResult {
  const n = states.length;
  const known = new Map(query.known.map((k) => [k.id, k.count]));
  let wantedMissing = 0;
  for (let i = 0; i < n; i++) if (states[i] !== PieceState.Verified) wantedMissing++;
  return {
    pieceCount: n,
    wantedMissing,
    peers: peers.map((p, index) => {
      if (p.progress >= 1) return { id: p.id, count: n, seed: true, wanted: wantedMissing };
      const bytes = new Uint8Array(Math.ceil(n / 8));
      let count = 0;
      let wanted = 0;
      for (let i = 0; i < n; i++) {
        if (((Math.imul(i, 2654435761) + index * 40503) >>> 0) % 1000 >= p.progress * 1000) continue;
        bytes[i >> 3]! |= 0x80 >> (i & 7);
        count++;
        if (states[i] !== PieceState.Verified) wanted++;
      }
      return { id: p.id, count, seed: false, wanted, ...(known.get(p.id) === count ? {} : { have: bytesToBase64(bytes) }) };
    }),
  };
}
