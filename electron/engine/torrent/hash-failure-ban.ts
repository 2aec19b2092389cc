/**
 * When a peer whose data went into pieces that failed their hash check is banned, after
 * libtorrent's torrent::piece_failed: a peer that sent a failed piece alone is the one that
 * sent the bad data, and goes after BAN_AFTER_FAILED_ALONE such pieces; a piece with several
 * contributors does not say which of them lied, so each of them goes only after
 * BAN_AFTER_FAILED_SHARED failures (libtorrent's trust points reaching -7). Banning every
 * contributor at the second failure, as before, let a hostile peer or web seed that shares
 * pieces with an honest peer get the honest one banned first.
 */
import type { HashFailureCount } from '../peer/peer-connection.js';

export const BAN_AFTER_FAILED_ALONE = 2;
export const BAN_AFTER_FAILED_SHARED = 7;


export function banForHashFailures(count: HashFailureCount): boolean {
  return count.alone >= BAN_AFTER_FAILED_ALONE || count.total >= BAN_AFTER_FAILED_SHARED;
}
