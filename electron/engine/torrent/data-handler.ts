import type { PeerConnection } from '../peer/peer-connection.js';
import type { PeerHandler } from '../peer/peer-handler.js';
import * as msg from '../wire/encode.js';

/**
 * The piece side of a torrent, which its connections' piece messages go to. A magnet's
 * metadata phase, the wait while storage is prepared, and the Transfer each implement it;
 * the torrent swaps one for the next instead of asking "is there a transfer yet?" everywhere.
 */
export interface DataHandler
  extends Pick<
    PeerHandler,
    | 'peerBitfield'
    | 'peerHave'
    | 'peerChoked'
    | 'peerUnchoked'
    | 'peerInterest'
    | 'blockStart'
    | 'blockData'
    | 'blockEnd'
    | 'peerRequest'
    | 'peerCancel'
    | 'peerReject'
  > {
  /** Our half of the opening, after the handshake: what we have. */
  sendHave(peer: PeerConnection): void;
  /** A peer that was connected (handshake done) is gone. */
  peerGone(peer: PeerConnection): void;
  /** Once a second while the torrent is active. */
  tick(): void;
  /** Requests flow only while active (not paused, not in error). */
  setActive(active: boolean): void;
}

/**
 * No pieces yet (a magnet, or metadata whose storage is being prepared): we have nothing,
 * serve nothing and request nothing. Bitfields and haves wait on the connection
 * (`pendingBitfield`, `pendingHaves`) until a Transfer adopts the peer.
 */
export class NoDataYet implements DataHandler {
  sendHave(peer: PeerConnection): void {
    if (peer.supportsFast) peer.send(msg.haveNone());
  }

  blockStart(peer: PeerConnection): boolean {
    peer.violation('sent a piece before we could have requested one');
    return false;
  }

  peerRequest(peer: PeerConnection, index: number, begin: number, length: number): void {
    if (peer.supportsFast) peer.send(msg.rejectRequest(index, begin, length));
  }

  peerBitfield(): void {}
  peerHave(): void {}
  peerChoked(): void {}
  peerUnchoked(): void {}
  peerInterest(): void {}
  blockData(): void {}
  blockEnd(): void {}
  peerCancel(): void {}
  peerReject(): void {}
  peerGone(_peer: PeerConnection): void {}
  tick(): void {}
  setActive(_active: boolean): void {}
}
