import { LazySet } from '../util/lazy-collections.js';

/**
 * A cap on outgoing connection attempts in progress (TCP connect, MSE and BitTorrent
 * handshakes not yet done). Every attempt costs a socket and a timer, and a swarm of dead
 * addresses would otherwise tie up hundreds of them at once. One per session (all torrents
 * share it) and one per torrent.
 *
 * A dialer refused a slot waits in line, first come first served: while anyone waits, a free
 * slot goes to the head of the line (woken on a later tick, never inside the caller's stack),
 * so a torrent that keeps dialling cannot starve the others. A dialer that no longer wants a
 * slot must leave the line (forget), or it would hold up everyone behind it.
 */
export class HalfOpenLimit {
  private inUse = 0;
  private readonly waiting = new LazySet<() => void>();

  constructor(readonly max: number) {}

  get used(): number {
    return this.inUse;
  }

  /** Takes a slot if one is free for this caller; otherwise `wake` joins the line and is called when its turn comes. */
  tryTake(wake?: () => void): boolean {
    const head = this.head();
    if (this.inUse < this.max && (head === undefined || head === wake)) {
      if (wake) this.waiting.delete(wake);
      this.inUse++;
      return true;
    }
    if (wake) this.waiting.add(wake);
    return false;
  }

  give(): void {
    if (this.inUse === 0) throw new Error('HalfOpenLimit: a slot given back twice');
    this.inUse--;
    this.wakeHead();
  }

  /** Leaves the line (the dialer has nothing more to dial, or its torrent stopped). */
  forget(wake: () => void): void {
    const wasHead = this.head() === wake;
    this.waiting.delete(wake);
    if (wasHead) this.wakeHead();
  }

  private head(): (() => void) | undefined {
    const next = this.waiting.values().next();
    return next.done ? undefined : next.value;
  }

  private wakeHead(): void {
    const head = this.head();
    if (head && this.inUse < this.max) setImmediate(head);
  }
}

/** Attempts in progress across the session; libtorrent 1.x's half_open_limit was of this order. */
export const SESSION_HALF_OPEN = 40;
/** Attempts in progress per torrent, so one torrent with many dead addresses cannot take every slot. */
export const TORRENT_HALF_OPEN = 10;
