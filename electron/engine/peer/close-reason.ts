/**
 * Why a peer connection ended: a typed kind that code branches on, plus free text for logs
 * (like libtorrent's disconnect(error_code, operation, severity)). Nothing matches on the text.
 */
export type CloseKind =
  /** The remote hung up (FIN or RST before or after the handshake). */
  | 'remote-closed'
  /** The socket reported an error (ECONNREFUSED, ECONNRESET, EPIPE, …). */
  | 'socket-error'
  | 'handshake-timeout'
  | 'inactivity-timeout'
  /** The handshake carried our own peer id: the address is us. */
  | 'self'
  /** A second connection to a peer we already talk to. */
  | 'duplicate'
  /** The peer broke the protocol; it is never dialled again. */
  | 'protocol-violation'
  /** The peer sent data that failed the hash check too often. */
  | 'banned'
  /** Both sides are seeds: nothing to exchange. */
  | 'both-seeds'
  /** Bad or mismatching ut_metadata. */
  | 'bad-metadata'
  /** Bad or too frequent ut_pex. */
  | 'bad-pex'
  /** We stopped: the torrent was paused, stopped, is re-checking or failed. */
  | 'torrent-stopped';

export interface CloseReason {
  readonly kind: CloseKind;
  /** Human-readable detail for logs and the peer list; never parsed. */
  readonly detail?: string;
}

/** Closes we chose for ordinary reasons: not worth a warning in the log. */
const ROUTINE: ReadonlySet<CloseKind> = new Set<CloseKind>(['torrent-stopped', 'both-seeds', 'banned', 'duplicate']);

export function isRoutineClose(reason: CloseReason): boolean {
  return ROUTINE.has(reason.kind);
}

const LABEL: Readonly<Record<CloseKind, string>> = {
  'remote-closed': 'connection closed by peer',
  'socket-error': 'socket error',
  'handshake-timeout': 'handshake timeout',
  'inactivity-timeout': 'inactivity timeout',
  self: 'connected to ourselves',
  duplicate: 'duplicate connection to the same peer',
  'protocol-violation': 'protocol violation',
  banned: 'banned',
  'both-seeds': 'both are seeds',
  'bad-metadata': 'bad metadata',
  'bad-pex': 'bad peer exchange',
  'torrent-stopped': 'torrent stopped',
};

/** One line for logs: "protocol violation: second bitfield". */
export function describeClose(reason: CloseReason): string {
  return reason.detail ? `${LABEL[reason.kind]}: ${reason.detail}` : LABEL[reason.kind];
}
