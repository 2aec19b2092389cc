import type { CloseReason } from './close-reason.js';
import type { PeerConnection } from './peer-connection.js';

/**
 * What a connection reports to its torrent. The connection validates framing and
 * message shapes; the torrent decides what the messages mean for the download.
 */
export interface PeerHandler {
  /** Handshake (and our opening messages) done; `peer.extensions` may still arrive later. */
  peerReady(peer: PeerConnection): void;
  /** The peer's piece set arrived (bitfield, have all or have none). */
  peerBitfield(peer: PeerConnection): void;
  peerHave(peer: PeerConnection, index: number): void;
  peerChoked(peer: PeerConnection): void;
  peerUnchoked(peer: PeerConnection): void;
  peerInterest(peer: PeerConnection, interested: boolean): void;
  /** A piece message starts. Return false to refuse it (the handler closes the peer). */
  blockStart(peer: PeerConnection, index: number, begin: number, length: number): boolean;
  /** Bytes of the current block; a view valid only during the call. */
  blockData(peer: PeerConnection, bytes: Buffer, offsetInBlock: number): void;
  blockEnd(peer: PeerConnection): void;
  peerRequest(peer: PeerConnection, index: number, begin: number, length: number): void;
  peerCancel(peer: PeerConnection, index: number, begin: number, length: number): void;
  peerReject(peer: PeerConnection, index: number, begin: number, length: number): void;
  peerAllowedFast(peer: PeerConnection, index: number): void;
  peerSuggest(peer: PeerConnection, index: number): void;
  /** BEP 10 handshake received and parsed into `peer.extensions`. */
  peerExtensionHandshake(peer: PeerConnection): void;
  /** A BEP 10 message other than the handshake, by our local extension id. */
  peerExtended(peer: PeerConnection, localId: number, payload: Buffer): void;
  peerClosed(peer: PeerConnection, reason: CloseReason): void;
  /** BEP 52 hash request, hashes or hash reject (id 21–23), length already checked. */
  peerHashMessage?(peer: PeerConnection, id: number, payload: Buffer): void;
  /** BEP 5 PORT: the peer's DHT node listens on its IP at `port` (the first such message only, never 0). */
  peerDhtPort?(peer: PeerConnection, port: number): void;
  /** Number of pieces (0 while a magnet has no metadata yet). */
  readonly pieceCount: number;
}
