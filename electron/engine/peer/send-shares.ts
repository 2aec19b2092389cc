/**
 * The session-wide bound on what all peers together make us hold unsent. Each peer's own
 * bounds (its upload send buffer, REPLY_DROP_BOUND for replies, the metadata and hash reply
 * bounds) are per connection; multiplied by the connections a session accepts (60 a torrent,
 * hundreds in all) they allowed gigabytes — 50 peers asking for blocks while choked and reading
 * nothing held 480 MiB of rejects. So every peer gets an equal part of one session total, and
 * its per-peer bounds apply within that part: the total holds however many peers there are,
 * and one peer cannot take what the others are owed (libtorrent bounds its send buffers
 * session-wide for the same reason).
 */

/** All peers' unsent bytes together (blocks, replies, our own messages), at most. */
export const SESSION_SEND_BYTES = 128 * 1024 * 1024;
/**
 * A peer's part never falls below this, however many peers there are: a few 16 KiB blocks or
 * a metadata piece, so every peer is still served (slowly) when thousands are connected.
 */
export const MIN_SEND_SHARE = 128 * 1024;

export class SendShares {
  private peers = 0;

  constructor(
    readonly total = SESSION_SEND_BYTES,
    readonly floor = MIN_SEND_SHARE,
  ) {}

  /** Peers counted now. */
  get count(): number {
    return this.peers;
  }

  /** Counts a connection until the function it returns is called (more calls do nothing). */
  join(): () => void {
    this.peers++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.peers--;
    };
  }

  /** Unsent bytes one peer may make us hold now: its equal part of the total. */
  get share(): number {
    return Math.max(this.floor, Math.floor(this.total / Math.max(1, this.peers)));
  }
}

/** For a connection outside any session (tests, tools): the whole total to itself. */
export const UNSHARED = new SendShares();
