/**
 * Two connections to one peer (the same peer id, e.g. both ends dialled each other after PEX):
 * which one to close. Both ends must close the same one, or both go and each dials again. So
 * this is libtorrent's rule (bt_peer_connection.cpp), which decides from the peer ids alone:
 * of two connections in opposite directions, the one opened by the end with the greater peer
 * id stays, and each end reaches that answer.
 *
 * `newIsOutgoing`: the connection whose handshake just finished is one we dialled.
 */
export function duplicateToClose(ourId: Buffer, theirId: Buffer, newIsOutgoing: boolean): 'new' | 'old' {
  return (Buffer.compare(theirId, ourId) < 0) === newIsOutgoing ? 'old' : 'new';
}
