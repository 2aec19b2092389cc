/**
 * A cap on outgoing connection attempts in progress (TCP connect, MSE and BitTorrent
 * handshakes not yet done). Every attempt costs a socket and a timer, and a swarm of dead
 * addresses would otherwise tie up hundreds of them at once. One per session (all torrents
 * share it) and one per torrent.
 *
 * A dialer refused a slot waits in line; when a slot comes back, the first in line is woken
 * (on a later tick, never inside the caller's stack).
 */
export class HalfOpenLimit {
  private inUse = 0;
  private readonly waiting = new Set<() => void>();

  constructor(readonly max: number) {}

  get used(): number {
    return this.inUse;
  }

  /** Takes a slot if one is free; otherwise `wake` is called once a slot comes back. */
  tryTake(wake?: () => void): boolean {
    if (this.inUse < this.max) {
      this.inUse++;
      return true;
    }
    if (wake) this.waiting.add(wake);
    return false;
  }

  give(): void {
    if (this.inUse === 0) throw new Error('HalfOpenLimit: a slot given back twice');
    this.inUse--;
    const next = this.waiting.values().next();
    if (next.done) return;
    this.waiting.delete(next.value);
    setImmediate(next.value);
  }

  /** A dialer that no longer wants a slot (its torrent stopped). */
  forget(wake: () => void): void {
    this.waiting.delete(wake);
  }
}

/** Attempts in progress across the session; libtorrent 1.x's half_open_limit was of this order. */
export const SESSION_HALF_OPEN = 40;
/** Attempts in progress per torrent, so one torrent with many dead addresses cannot take every slot. */
export const TORRENT_HALF_OPEN = 10;
