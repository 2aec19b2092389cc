/**
 * The session's limit on peer connections ("Connections in all"), as the torrents' dialers see
 * it: how many more they may open now. Each torrent keeps to its own peer limit, an equal share
 * of the session's — but at least 2, so 1,000 active torrents could hold 2,000 connections, past
 * the limit and past the open-file limit it derives from. Counting every torrent's connections
 * at each dial would cost O(torrents) per dial; the count is taken at most every `refreshMs`
 * and each dial since is subtracted from it. Incoming connections have their own cap at the
 * listener (the same limit), so the total never strays past it by more than the dials of one
 * interval that raced an incoming one.
 */
export class SessionConnections {
  private counted = { at: -Infinity, room: 0 };

  constructor(
    /** The session's limit now (a settings change applies at the next count). */
    private readonly limit: () => number,
    /** Connections held or being opened now, by every torrent, plus incoming ones not yet routed. */
    private readonly count: () => number,
    private readonly now: () => number = Date.now,
    private readonly refreshMs = 250,
  ) {}

  /** How many more connections may be opened now (0 or more). */
  room(): number {
    const t = this.now();
    if (t - this.counted.at >= this.refreshMs) this.counted = { at: t, room: this.limit() - this.count() };
    return Math.max(0, this.counted.room);
  }

  /** A dial begins: one less until the next count. */
  dialling(): void {
    this.counted.room--;
  }

  /** Count again at the next question (the limit changed). */
  recount(): void {
    this.counted.at = -Infinity;
  }
}
