/**
 * The in-flight inspector's facts (the contract's getInFlight): each piece being downloaded,
 * block by block, who sent its blocks (PieceDownload.blocksFrom), who has requests for it
 * outstanding and since when (each peer's outstanding requests). Slow pieces first, bounded.
 */
import { MAX_IN_FLIGHT_SHOWN, SLOW_REQUEST_MS, type InFlightPeer, type InFlightPiece, type InFlightView } from '../../../shared/contract/in-flight.js';
import type { OutstandingRequest } from '../peer/block-requests.js';
import type { PieceDownload } from '../picker/piece-download.js';
import { describeSender } from './piece-sources.js';

export interface RequestingPeer {
  readonly address: string;
  readonly outstanding: Iterable<OutstandingRequest>;
}

const MAX_PEERS_PER_PIECE = 64;

export function inFlightView(pieces: Iterable<PieceDownload>, peers: Iterable<RequestingPeer>, now: number): InFlightView {
  // Outstanding requests by piece: peer → [blocks, oldest sentAt].
  const waiting = new Map<number, Map<string, [number, number]>>();
  for (const peer of peers) {
    for (const req of peer.outstanding) {
      let byPeer = waiting.get(req.piece.index);
      if (!byPeer) waiting.set(req.piece.index, (byPeer = new Map()));
      const entry = byPeer.get(peer.address);
      if (entry) {
        entry[0]++;
        entry[1] = Math.min(entry[1], req.sentAt);
      } else byPeer.set(peer.address, [1, req.sentAt]);
    }
  }
  const out: InFlightPiece[] = [];
  let total = 0;
  for (const piece of pieces) {
    total++;
    let blocks = '';
    for (let b = 0; b < piece.blockCount; b++) blocks += piece.hasArrived(b) ? (piece.verifying ? 'w' : 'R') : piece.requestsOf(b) > 0 ? 'r' : '.';
    const from: InFlightPeer[] = [];
    for (const [sender, n] of piece.blocksFrom) {
      if (from.length >= MAX_PEERS_PER_PIECE) break;
      from.push({ peer: describeSender(sender).label, blocks: n });
    }
    const waitingOn: InFlightPeer[] = [];
    let oldest: number | null = null;
    for (const [peer, [n, sentAt]] of waiting.get(piece.index) ?? []) {
      if (waitingOn.length < MAX_PEERS_PER_PIECE) waitingOn.push({ peer, blocks: n });
      oldest = oldest === null ? sentAt : Math.min(oldest, sentAt);
    }
    out.push({
      index: piece.index,
      blocks,
      from,
      waitingOn,
      oldestRequest: oldest === null ? null : Math.floor(oldest),
      slow: oldest !== null && now - oldest > SLOW_REQUEST_MS,
      state: piece.verifying ? 'verifying' : 'downloading',
    });
  }
  out.sort((a, b) => Number(b.slow) - Number(a.slow) || (a.oldestRequest ?? Infinity) - (b.oldestRequest ?? Infinity) || a.index - b.index);
  return { now: Math.floor(now), total, pieces: out.slice(0, MAX_IN_FLIGHT_SHOWN) };
}
