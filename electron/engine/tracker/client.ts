/**
 * One object that announces to any tracker URL (http, https, udp). The session creates one
 * and shares it with every torrent's Announcer, so UDP connection ids and the UDP sockets
 * are shared too, and so are the announce slots: however many torrents (or trackers) there
 * are, at most MAX_HTTP_ANNOUNCES sockets and MAX_UDP_ANNOUNCES UDP transactions are open
 * at once; the rest wait in a FIFO queue.
 */
import { DEFAULT_HTTP_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES, DEFAULT_USER_AGENT, httpAnnounce, httpScrape } from './http.js';
import { TrackerError, printable, type AnnounceParams, type AnnounceResult, type ScrapeResult } from './types.js';
import { MAX_HTTP_ANNOUNCES, MAX_UDP_ANNOUNCES } from './limits.js';
import { Slots } from './slots.js';
import { UdpTrackerClient, type UdpTrackerOptions } from './udp.js';

export interface TrackerClientOptions {
  /** HTTP(S): whole-request deadline. Default 30 s. */
  httpTimeoutMs?: number;
  /** HTTP(S): largest reply body. Default 1 MiB. */
  maxBodyBytes?: number;
  userAgent?: string;
  udp?: UdpTrackerOptions;
  /** HTTP(S) announces and scrapes on the wire at once; more wait their turn. Default MAX_HTTP_ANNOUNCES. */
  maxHttpAnnounces?: number;
  /** UDP announces and scrapes in flight at once; more wait their turn. Default MAX_UDP_ANNOUNCES. */
  maxUdpAnnounces?: number;
}

export interface TrackerCallOptions {
  signal?: AbortSignal;
  /** Overall time limit for this call, waiting for a free slot included (HTTP deadline; UDP stops retransmitting). */
  deadlineMs?: number;
  /** Time limit for the request once it has its slot (the wait in the queue does not count). */
  timeoutMs?: number;
  /** UDP only: retransmissions for this call (0 = one packet each for connect and announce). */
  maxRetransmits?: number;
}

export type TrackerProtocol = 'http' | 'udp';

/** Which client handles `url`, or null when we cannot announce to it (wss:, garbage…). */
export function trackerProtocol(url: string): TrackerProtocol | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol === 'http:' || u.protocol === 'https:') return 'http';
  if (u.protocol === 'udp:') return u.port ? 'udp' : null;
  return null;
}

/** Why trackerProtocol(url) is null, as a one-line message. */
export function unsupportedReason(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol === 'udp:' && !u.port) return 'UDP tracker URL has no port';
    return `unsupported tracker protocol "${u.protocol}"`;
  } catch {
    return `bad tracker URL "${printable(url, 100)}"`;
  }
}

export class TrackerClient {
  readonly udp: UdpTrackerClient;
  private readonly httpTimeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly userAgent: string;
  /** Session-wide announce slots per protocol. */
  readonly slots: Readonly<Record<TrackerProtocol, Slots>>;

  constructor(options: TrackerClientOptions = {}) {
    this.udp = new UdpTrackerClient(options.udp);
    this.slots = {
      http: new Slots(options.maxHttpAnnounces ?? MAX_HTTP_ANNOUNCES, 'HTTP announce'),
      udp: new Slots(options.maxUdpAnnounces ?? MAX_UDP_ANNOUNCES, 'UDP announce'),
    };
    this.httpTimeoutMs = options.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  }

  /** Announces once (after waiting for a free slot). Rejects with TrackerError only. */
  async announce(url: string, params: AnnounceParams, call: TrackerCallOptions = {}): Promise<AnnounceResult> {
    try {
      switch (trackerProtocol(url)) {
        case 'http':
          return await this.withSlot('http', call, (left) =>
            httpAnnounce(url, params, {
              timeoutMs: Math.min(this.httpTimeoutMs, left.deadlineMs ?? Infinity),
              maxBodyBytes: this.maxBodyBytes,
              userAgent: this.userAgent,
              signal: left.signal,
            }),
          );
        case 'udp':
          return await this.withSlot('udp', call, (left) => this.udp.announce(url, params, left));
        default:
          throw new TrackerError('unsupported', unsupportedReason(url));
      }
    } catch (e) {
      throw asTrackerError(e);
    }
  }

  /** Scrapes (HTTP: BEP 48 /scrape convention; UDP: action 2). Results keyed by 40-hex info-hash. */
  async scrape(url: string, infoHashes: readonly Uint8Array[], call: TrackerCallOptions = {}): Promise<Map<string, ScrapeResult>> {
    try {
      switch (trackerProtocol(url)) {
        case 'http':
          return await this.withSlot('http', call, (left) =>
            httpScrape(url, infoHashes, {
              timeoutMs: Math.min(this.httpTimeoutMs, left.deadlineMs ?? Infinity),
              maxBodyBytes: this.maxBodyBytes,
              userAgent: this.userAgent,
              signal: left.signal,
            }),
          );
        case 'udp': {
          const list = await this.withSlot('udp', call, (left) => this.udp.scrape(url, infoHashes, left));
          const out = new Map<string, ScrapeResult>();
          list.forEach((r, i) => out.set(Buffer.from(infoHashes[i] ?? []).toString('hex'), r));
          return out;
        }
        default:
          throw new TrackerError('unsupported', unsupportedReason(url));
      }
    } catch (e) {
      throw asTrackerError(e);
    }
  }

  /**
   * Runs `task` in one of the protocol's slots. The time spent waiting comes off the call's
   * deadline; `timeoutMs` starts when the slot is ours. The task sees one deadlineMs.
   */
  private async withSlot<T>(protocol: TrackerProtocol, call: TrackerCallOptions, task: (left: TrackerCallOptions) => Promise<T>): Promise<T> {
    const queuedAt = Date.now();
    return this.slots[protocol].run({ signal: call.signal, deadlineMs: call.deadlineMs }, () => {
      const remaining = call.deadlineMs === undefined ? Infinity : Math.max(1, call.deadlineMs - (Date.now() - queuedAt));
      const limit = Math.min(remaining, call.timeoutMs ?? Infinity);
      return task({ signal: call.signal, maxRetransmits: call.maxRetransmits, deadlineMs: Number.isFinite(limit) ? limit : undefined });
    });
  }

  close(): void {
    this.udp.close();
  }
}

/** Anything thrown below becomes a TrackerError (a bug in a parser must not escape as something else). */
export function asTrackerError(e: unknown): TrackerError {
  if (e instanceof TrackerError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new TrackerError('protocol', `internal error handling the reply: ${printable(msg, 160)}`);
}
