/**
 * How many TLS handshakes the web host does for strangers. A handshake costs the server a
 * private-key signature on the main thread (about 1.5 ms with an RSA-2048 key), the thread that
 * also runs the BitTorrent engine, and the connection gate (connection-gate.ts) bounds only how
 * many connections are open at once, not how often they are opened: 16 loops of handshakes
 * from one address took the host to 29% CPU (64 loops: 41%, 600 handshakes a second) and a
 * page load from another address from 4 ms to 100-270 ms, with nothing refused.
 *
 * So handshakes are rationed before they start (a refused connection is closed before its
 * ClientHello is read, which costs nothing): each address group (an IPv4 address, an IPv6 /64:
 * addressGroup) gets `perAddressPerSecond` with a burst of `burstSeconds` of them (a browser
 * opens a handful of connections per page), and all together get `totalPerSecond`, so many
 * addresses together cannot take the engine's thread either; connections already open (pages,
 * tabs) are not touched. Addresses live in a bounded table; an evicted one starts again with a
 * full allowance, which the total still caps (as the DHT's inbound gate does).
 *
 * Handshakes that never finish cost no CPU: the connection gate turns them over and the server
 * gives each HANDSHAKE_TIMEOUT_MS (Node's default was 120 s).
 */
import { touchRecent } from '../engine/util/recent-map.js';
import { TokenBucket } from '../engine/util/token-bucket.js';

export interface HandshakeLimits {
  /** Handshakes one address group may start per second, on average. */
  perAddressPerSecond: number;
  /** Handshakes all addresses together may start per second, on average. */
  totalPerSecond: number;
  /** The burst both allow: this many seconds' worth at once. */
  burstSeconds: number;
  /** Address groups remembered at most. */
  maxAddresses: number;
}

export const TLS_HANDSHAKE_LIMITS: HandshakeLimits = { perAddressPerSecond: 8, totalPerSecond: 128, burstSeconds: 4, maxAddresses: 4096 };
/** A TLS handshake must be over within this (a browser's takes a few round trips). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

export class HandshakeRate {
  /** Map order is recency order: an address seen again moves to the end. */
  private readonly addresses = new Map<string, TokenBucket>();
  private readonly total: TokenBucket;
  private refusedCount = 0;

  constructor(
    private readonly limits: HandshakeLimits = TLS_HANDSHAKE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.total = new TokenBucket(limits.totalPerSecond, limits.burstSeconds, now);
  }

  /** Handshakes refused so far. */
  get refused(): number {
    return this.refusedCount;
  }

  /** Whether a new connection from this address group may have its handshake now. */
  admit(group: string): boolean {
    const bucket = touchRecent(this.addresses, group, this.limits.maxAddresses, () => new TokenBucket(this.limits.perAddressPerSecond, this.limits.burstSeconds, this.now));
    if (bucket.available() < 1 || this.total.available() < 1) {
      this.refusedCount++;
      return false;
    }
    bucket.take(1);
    this.total.take(1);
    return true;
  }
}
