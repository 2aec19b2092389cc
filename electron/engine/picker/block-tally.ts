/**
 * Blocks of all the pieces in flight, counted as their state changes: lets `pick` skip a walk
 * of every piece in flight that cannot find anything. With one seeder and ~500 requests out,
 * the end of a download walked all of them twice for every block that arrived (free blocks of
 * other peers' pieces, then endgame duplicates), and found nothing: each was already asked of
 * that one peer.
 */
export class BlockTally {
  /** Outstanding requests (a block asked of two peers in endgame counts twice). */
  requested = 0;
  /** Blocks neither requested nor arrived. */
  free = 0;
}
