/**
 * The cheap checks every unsolicited datagram passes before we spend a bencode decode on it:
 * a per-source rate limit (an IPv4 address or an IPv6 /64), a block on sources that flood far
 * past it, and a bound on datagrams processed per second overall. libtorrent does the same
 * before it parses (`dht_block_ratelimit`, `dht_block_timeout`, its dos_blocker).
 *
 * Sources live in a fixed-size table: spoofed source addresses are free, so the table evicts
 * its least recently seen source instead of growing. An evicted flooder starts afresh with a
 * full allowance, which the overall bound still caps.
 */

import { touchRecent } from '../util/recent-map.js';
import { TokenBucket } from '../util/token-bucket.js';

export interface InboundGateOptions {
  /** Datagrams per second one source may have processed (burst 2×). */
  perSourcePerSecond: number;
  /** Datagrams per second processed overall (burst 2×). */
  totalPerSecond: number;
  /**
   * A source that sends more than this many datagrams per second, averaged over
   * BLOCK_WINDOW_MS, is ignored for blockMs.
   */
  blockAbovePerSecond: number;
  blockMs: number;
  /** Sources tracked at most. */
  maxSources: number;
  now: () => number;
}

/** 'pass': go on and decode it. Anything else: drop it unread. */
export type GateVerdict = 'pass' | 'rateLimited' | 'blocked' | 'overloaded';

export const BLOCK_WINDOW_MS = 10_000;

interface Source {
  /** Its allowance: perSourcePerSecond, burst 2×. */
  allowance: TokenBucket;
  windowStart: number;
  windowCount: number;
  blockedUntil: number;
}

export class InboundGate {
  /** Map order is recency order: a source seen again is moved to the end. */
  private readonly sources = new Map<string, Source>();
  private readonly total: TokenBucket;
  /** Sources blocked so far (a source blocked twice counts twice). */
  blocks = 0;

  constructor(private readonly options: InboundGateOptions) {
    this.total = new TokenBucket(options.totalPerSecond, 2, options.now);
  }

  get trackedSources(): number {
    return this.sources.size;
  }

  /** The verdict on one datagram from this source key (an address group: session/connection-limits.ts addressGroup). */
  admit(key: string): GateVerdict {
    const now = this.options.now();
    const source = this.touch(key, now);
    if (source.blockedUntil > now) return 'blocked';
    if (now - source.windowStart >= BLOCK_WINDOW_MS) {
      source.windowStart = now;
      source.windowCount = 0;
    }
    source.windowCount++;
    if (source.windowCount > (this.options.blockAbovePerSecond * BLOCK_WINDOW_MS) / 1000) {
      source.blockedUntil = now + this.options.blockMs;
      source.windowCount = 0;
      this.blocks++;
      return 'blocked';
    }
    if (source.allowance.available() < 1) return 'rateLimited';
    if (this.total.available() < 1) return 'overloaded';
    source.allowance.take(1);
    this.total.take(1);
    return 'pass';
  }

  /** The source's entry, created if new, moved to the most recently seen end of the table. */
  private touch(key: string, now: number): Source {
    return touchRecent(this.sources, key, this.options.maxSources, () => ({ allowance: new TokenBucket(this.options.perSourcePerSecond, 2, this.options.now), windowStart: now, windowCount: 0, blockedUntil: 0 }));
  }
}
