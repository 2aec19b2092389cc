/**
 * Per-sender bounds on what LSD does for received datagrams. One LAN host sending garbage
 * must not use up the budget of the others (a global limit did, so its junk crowded out real
 * announces), nor turn each datagram into a session warning.
 */
import { touchRecent } from '../util/recent-map.js';

export interface SenderLimitOptions {
  /** Datagrams handled per sender per second; the rest are dropped. */
  perSenderPerSecond: number;
  /** Datagrams handled per second from all senders together (a backstop against many senders). */
  totalPerSecond: number;
  /** A sender's malformed datagrams are warned about at most once in this long. */
  warnIntervalMs: number;
  /** Senders remembered at most; the least recently seen is forgotten first. */
  maxSenders: number;
  now: () => number;
}

interface SenderState {
  second: number;
  count: number;
  lastWarned: number;
}

export class SenderLimits {
  private readonly senders = new Map<string, SenderState>();
  private total = { second: 0, count: 0 };

  constructor(private readonly options: SenderLimitOptions) {}

  /** Counts one datagram from `address`; false when it is over its sender's or the total budget. */
  allow(address: string): boolean {
    const second = Math.floor(this.options.now() / 1000);
    const sender = this.senderState(address, second);
    if (sender.second !== second) {
      sender.second = second;
      sender.count = 0;
    }
    if (this.total.second !== second) this.total = { second, count: 0 };
    if (sender.count >= this.options.perSenderPerSecond || this.total.count >= this.options.totalPerSecond) return false;
    sender.count++;
    this.total.count++;
    return true;
  }

  /** True when a warning about `address` may be shown now (and counts it as shown). */
  shouldWarn(address: string): boolean {
    const now = this.options.now();
    const sender = this.senderState(address, Math.floor(now / 1000));
    if (now - sender.lastWarned < this.options.warnIntervalMs) return false;
    sender.lastWarned = now;
    return true;
  }

  /** The sender's entry, created (evicting the least recently seen when full) and marked as just seen. */
  private senderState(address: string, second: number): SenderState {
    return touchRecent(this.senders, address, this.options.maxSenders, () => ({ second, count: 0, lastWarned: -Infinity }));
  }

  get trackedSenders(): number {
    return this.senders.size;
  }
}
