/**
 * What each peer has (the `getPeerPieces` command), for the Peers tab's strips and the grid's
 * highlight. Compact: a seed is a flag, and a peer's bitfield is sent only when its count
 * differs from the one the renderer says it has (`known`: pieces only ever get added, so the
 * count is the bitfield's version). Ask only while the Peers tab is open.
 */
import { array, base64, boolean, infoHash, nonNegativeInt, object, optional, string, type Validator } from './validate.js';
import { LIMITS } from './types.js';

export interface PeerPiecesQuery {
  infoHash: string;
  /** Peer id → the piece count of the bitfield the renderer holds for it. */
  known: Array<{ id: string; count: number }>;
}

export interface PeerPiecesView {
  /** PeerView.id. */
  id: string;
  /** Pieces it has. */
  count: number;
  /** It has every piece (no bitfield sent). */
  seed: boolean;
  /** Of the pieces we still want, how many it has. */
  wanted: number;
  /** base64 bitfield in wire order (bit 0 = high bit of byte 0); absent for a seed or when `known` matched. */
  have?: string;
}

export interface PeerPiecesResult {
  pieceCount: number;
  /** Pieces we still want (so "has N of the M we need"). */
  wantedMissing: number;
  peers: PeerPiecesView[];
}

const peerId: Validator<string> = string({ max: 256 });

export const peerPiecesQuery: Validator<PeerPiecesQuery> = object<PeerPiecesQuery>({
  infoHash,
  known: array(object<{ id: string; count: number }>({ id: peerId, count: nonNegativeInt }), { max: LIMITS.peers }),
});

export const peerPiecesResult: Validator<PeerPiecesResult> = object<PeerPiecesResult>({
  pieceCount: nonNegativeInt,
  wantedMissing: nonNegativeInt,
  peers: array(
    object<PeerPiecesView>({
      id: peerId,
      count: nonNegativeInt,
      seed: boolean,
      wanted: nonNegativeInt,
      have: optional(base64(Math.ceil(LIMITS.pieces / 8 / 3) * 4 + 4)),
    }),
    { max: LIMITS.peers },
  ),
});
