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
  tokens: number;
  refilled: number;
  windowStart: number;
  windowCount: number;
  blockedUntil: number;
}

export class InboundGate {
  /** Map order is recency order: a source seen again is moved to the end. */
  private readonly sources = new Map<string, Source>();
  private totalTokens: number;
  private totalRefilled: number;
  /** Sources blocked so far (a source blocked twice counts twice). */
  blocks = 0;

  constructor(private readonly options: InboundGateOptions) {
    this.totalTokens = options.totalPerSecond * 2;
    this.totalRefilled = options.now();
  }

  get trackedSources(): number {
    return this.sources.size;
  }

  /** The verdict on one datagram from this source key (see sourceKey). */
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
    const rate = this.options.perSourcePerSecond;
    source.tokens = Math.min(rate * 2, source.tokens + ((now - source.refilled) / 1000) * rate);
    source.refilled = now;
    if (source.tokens < 1) return 'rateLimited';
    const total = this.options.totalPerSecond;
    this.totalTokens = Math.min(total * 2, this.totalTokens + ((now - this.totalRefilled) / 1000) * total);
    this.totalRefilled = now;
    if (this.totalTokens < 1) return 'overloaded';
    source.tokens -= 1;
    this.totalTokens -= 1;
    return 'pass';
  }

  /** The source's entry, created if new, moved to the most recently seen end of the table. */
  private touch(key: string, now: number): Source {
    let source = this.sources.get(key);
    if (source) {
      this.sources.delete(key);
    } else {
      if (this.sources.size >= this.options.maxSources) {
        const oldest = this.sources.keys().next();
        if (!oldest.done) this.sources.delete(oldest.value);
      }
      source = { tokens: this.options.perSourcePerSecond * 2, refilled: now, windowStart: now, windowCount: 0, blockedUntil: 0 };
    }
    this.sources.set(key, source);
    return source;
  }
}

/**
 * The source a datagram is counted against: the IPv4 address, or the IPv6 /64 (one host is
 * usually given a whole /64), as session/connection-limits.ts `addressGroup` groups peers.
 * String work only: this runs on every datagram, before anything else.
 */
export function sourceKey(ip: string): string {
  if (!ip.includes(':')) return ip;
  const v = ip.toLowerCase();
  if (v.startsWith('::ffff:') && v.includes('.')) return v.slice('::ffff:'.length);
  const [head = '', tail] = v.split('::');
  const left = head === '' ? [] : head.split(':');
  if (tail === undefined || left.length >= 4) return left.slice(0, 4).map(stripZeros).join(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return groups.slice(0, 4).map(stripZeros).join(':');
}

function stripZeros(group: string): string {
  return group.replace(/^0+(?=.)/, '');
}
