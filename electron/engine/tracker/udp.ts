/**
 * BEP 15 UDP tracker client: one socket per address family shared by every announce,
 * connection ids cached per tracker endpoint for a minute, requests retransmitted after
 * base × 2^n (n = 0, 1, … up to `maxRetransmits`, n itself capped at 8), replies matched by
 * transaction id and source address. Stray, truncated or mismatched packets are noted and
 * ignored; they never throw out of here.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ignoredPeersNote } from './compact.js';
import {
  decodeResponse,
  encodeAnnounceRequest,
  encodeConnectRequest,
  encodeScrapeRequest,
  MAX_SCRAPE_HASHES,
  type UdpResponse,
} from './udp-codec.js';
import { TrackerError, printable, type AnnounceParams, type AnnounceResult, type ScrapeResult } from './types.js';

export interface UdpTrackerOptions {
  /** The 15 s of BEP 15's 15 × 2^n. Tests make it small. */
  baseTimeoutMs?: number;
  /** Retransmissions before giving up (BEP 15: n goes up to 8). Default 8. */
  maxRetransmits?: number;
  /** How long a connection id is used (BEP 15: one minute). */
  connectionIdTtlMs?: number;
  /** Name resolution (tests inject their own). Default: the OS resolver. */
  lookup?: (host: string) => Promise<{ address: string; family: 4 | 6 }>;
  /** Local addresses to bind the sockets to. Default: all interfaces, any port. */
  bindAddress4?: string;
  bindAddress6?: string;
}

export interface UdpCallOptions {
  signal?: AbortSignal;
  /** Give up after this long in total, whatever the retransmission schedule says. */
  deadlineMs?: number;
  /** Override the client's retransmission count for this call (e.g. 0 for a best-effort `stopped`). */
  maxRetransmits?: number;
}

interface Endpoint {
  key: string;
  address: string;
  port: number;
  family: 4 | 6;
}

interface Pending {
  endpoint: Endpoint;
  expect: 'connect' | 'announce' | 'scrape';
  done: (r: UdpResponse | TrackerError) => void;
  /** Packets from this tracker we had to ignore while waiting: reason → count. */
  notes: Map<string, number>;
}

function endpointKey(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

async function defaultLookup(host: string): Promise<{ address: string; family: 4 | 6 }> {
  const r = await dnsLookup(host);
  return { address: r.address, family: r.family === 6 ? 6 : 4 };
}

export class UdpTrackerClient {
  private readonly baseTimeoutMs: number;
  private readonly maxRetransmits: number;
  private readonly ttlMs: number;
  private readonly lookup: (host: string) => Promise<{ address: string; family: 4 | 6 }>;
  private readonly sockets = new Map<4 | 6, Promise<dgram.Socket>>();
  private readonly pending = new Map<number, Pending>();
  private readonly connections = new Map<string, { id: bigint; expires: number }>();
  private closed = false;

  constructor(private readonly options: UdpTrackerOptions = {}) {
    this.baseTimeoutMs = options.baseTimeoutMs ?? 15_000;
    this.maxRetransmits = Math.max(0, Math.min(8, options.maxRetransmits ?? 8));
    this.ttlMs = options.connectionIdTtlMs ?? 60_000;
    this.lookup = options.lookup ?? defaultLookup;
  }

  async announce(url: string, params: AnnounceParams, call: UdpCallOptions = {}): Promise<AnnounceResult> {
    const { endpoint, pathAndQuery } = await this.resolve(url);
    const r = await this.request(endpoint, 'announce', (connId, tid) => encodeAnnounceRequest(connId, tid, params, pathAndQuery), call);
    if (r.action !== 'announce') throw new TrackerError('protocol', `unexpected ${r.action} reply to announce`);
    const notes: string[] = [];
    if (r.trailing) notes.push(`ignored ${r.trailing} trailing bytes in the peer list`);
    if (r.skipped) notes.push(ignoredPeersNote(r.skipped, 'the peer list'));
    return {
      interval: r.interval,
      minInterval: null,
      peers: r.peers,
      complete: r.seeders,
      incomplete: r.leechers,
      warning: notes.length ? notes.join('; ') : null,
      trackerId: null,
    };
  }

  /** Scrape up to 74 info-hashes; results in the order asked. */
  async scrape(url: string, infoHashes: readonly Uint8Array[], call: UdpCallOptions = {}): Promise<ScrapeResult[]> {
    if (infoHashes.length === 0 || infoHashes.length > MAX_SCRAPE_HASHES) {
      throw new TrackerError('unsupported', `UDP scrape takes 1..${MAX_SCRAPE_HASHES} info-hashes`);
    }
    const { endpoint } = await this.resolve(url);
    const r = await this.request(endpoint, 'scrape', (connId, tid) => encodeScrapeRequest(connId, tid, infoHashes), call);
    if (r.action !== 'scrape') throw new TrackerError('protocol', `unexpected ${r.action} reply to scrape`);
    if (r.results.length < infoHashes.length) {
      throw new TrackerError('protocol', `scrape reply has ${r.results.length} entries for ${infoHashes.length} info-hashes`);
    }
    return r.results.slice(0, infoHashes.length);
  }

  /** Closes the sockets; pending requests fail with 'aborted'. */
  close(): void {
    this.closed = true;
    for (const p of [...this.pending.values()]) p.done(new TrackerError('aborted', 'tracker client closed'));
    this.pending.clear();
    for (const s of this.sockets.values()) {
      void s.then(
        (sock) => {
          try {
            sock.close();
          } catch {
            // already closed
          }
        },
        () => undefined,
      );
    }
    this.sockets.clear();
  }

  /** Forget cached connection ids (tests; or after a network change). */
  clearConnections(): void {
    this.connections.clear();
  }

  private async resolve(url: string): Promise<{ endpoint: Endpoint; pathAndQuery: string }> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new TrackerError('unsupported', `bad tracker URL "${printable(url, 100)}"`);
    }
    if (u.protocol !== 'udp:') throw new TrackerError('unsupported', `not a udp:// URL: "${printable(url, 100)}"`);
    const port = Number(u.port);
    if (!u.port || !(port >= 1 && port <= 65535)) throw new TrackerError('unsupported', 'UDP tracker URL has no port');
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    let address: string;
    let family: 4 | 6;
    const literal = isIP(host);
    if (literal) {
      address = host;
      family = literal === 6 ? 6 : 4;
    } else {
      try {
        ({ address, family } = await this.lookup(host));
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new TrackerError('network', `cannot resolve ${printable(host, 80)}: ${err.code ?? printable(String(err.message), 80)}`);
      }
    }
    return { endpoint: { key: endpointKey(address, port), address, port, family }, pathAndQuery: `${u.pathname}${u.search}` };
  }

  private socket(family: 4 | 6): Promise<dgram.Socket> {
    let s = this.sockets.get(family);
    if (!s) {
      s = new Promise<dgram.Socket>((resolve, reject) => {
        const sock = dgram.createSocket({ type: family === 4 ? 'udp4' : 'udp6' });
        sock.on('message', (msg, rinfo) => this.onMessage(msg, rinfo, family));
        sock.on('error', () => undefined); // send errors surface per request; nothing else to do
        sock.once('error', reject);
        const address = family === 4 ? this.options.bindAddress4 : this.options.bindAddress6;
        sock.bind({ port: 0, address, exclusive: true }, () => {
          sock.removeListener('error', reject);
          sock.unref();
          resolve(sock);
        });
      });
      this.sockets.set(family, s);
      s.catch(() => this.sockets.delete(family));
    }
    return s;
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo, family: 4 | 6): void {
    const from = endpointKey(rinfo.address, rinfo.port);
    // Match on the header before decoding the body: a 64 KiB announce reply is ~10,000 peers
    // to decode (~5 ms), and whoever knows our port could send them unasked without end.
    const transactionId = msg.length >= 8 ? msg.readUInt32BE(4) : null;
    const p = transactionId === null ? undefined : this.pending.get(transactionId);
    if (!p || p.endpoint.key !== from) {
      // Not an answer to anything we are waiting for from that address: note it against the
      // request(s) waiting on this tracker, so a persistent problem shows in the error.
      const why = transactionId === null ? `truncated packet (${msg.length} bytes)` : 'reply with a wrong transaction id';
      const notes = new Set<Map<string, number>>();
      for (const q of this.pending.values()) if (q.endpoint.key === from) notes.add(q.notes);
      for (const n of notes) n.set(why, (n.get(why) ?? 0) + 1);
      return;
    }
    const r = decodeResponse(msg, family);
    if (r.action === 'invalid') {
      p.done(new TrackerError('protocol', `garbage reply: ${r.reason}`));
    } else if (r.action === 'error') {
      p.done(new TrackerError('failure', `tracker: ${printable(r.message) || '(empty error message)'}`));
    } else if (r.action !== p.expect) {
      p.done(new TrackerError('protocol', `garbage reply: ${r.action} response where ${p.expect} was expected`));
    } else {
      p.done(r);
    }
  }

  private newTransactionId(): number {
    for (;;) {
      const id = randomInt(0, 0x1_0000_0000);
      if (!this.pending.has(id)) return id;
    }
  }

  /**
   * Sends one packet and waits up to `waitMs` for the reply carrying its transaction id.
   * Resolves null on timeout; rejects with TrackerError for error replies, garbage, abort.
   */
  private async exchange(
    endpoint: Endpoint,
    expect: Pending['expect'],
    build: (tid: number) => Buffer,
    waitMs: number,
    notes: Map<string, number>,
    signal: AbortSignal | undefined,
  ): Promise<UdpResponse | null> {
    let sock: dgram.Socket;
    try {
      sock = await this.socket(endpoint.family);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new TrackerError('network', `cannot open a UDP socket: ${err.code ?? printable(String(err.message), 80)}`);
    }
    if (this.closed) throw new TrackerError('aborted', 'tracker client closed');
    const tid = this.newTransactionId();
    return new Promise<UdpResponse | null>((resolve, reject) => {
      const t: { timer?: NodeJS.Timeout } = {};
      const p: Pending = {
        endpoint,
        expect,
        notes,
        done: (r) => {
          if (this.pending.get(tid) !== p) return;
          this.pending.delete(tid);
          clearTimeout(t.timer);
          signal?.removeEventListener('abort', onAbort);
          if (r instanceof TrackerError) reject(r);
          else resolve(r);
        },
      };
      const onAbort = (): void => p.done(new TrackerError('aborted', 'announce cancelled'));
      this.pending.set(tid, p);
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      t.timer = setTimeout(() => {
        if (this.pending.get(tid) !== p) return;
        this.pending.delete(tid);
        signal?.removeEventListener('abort', onAbort);
        resolve(null);
      }, waitMs);
      sock.send(build(tid), endpoint.port, endpoint.address, (err) => {
        if (err) p.done(new TrackerError('network', `send to ${endpoint.key} failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      });
    });
  }

  private async request(
    endpoint: Endpoint,
    expect: 'announce' | 'scrape',
    build: (connectionId: bigint, tid: number) => Buffer,
    call: UdpCallOptions,
  ): Promise<UdpResponse> {
    const maxRetransmits = Math.max(0, Math.min(8, call.maxRetransmits ?? this.maxRetransmits));
    const deadline = call.deadlineMs === undefined ? Infinity : Date.now() + call.deadlineMs;
    const notes = new Map<string, number>();
    let sends = 0;
    for (let n = 0; ; ) {
      const wait = Math.min(this.baseTimeoutMs * 2 ** Math.min(n, 8), deadline - Date.now());
      if (wait <= 0) break;
      const cached = this.connections.get(endpoint.key);
      let reply: UdpResponse | null;
      sends++;
      if (!cached || cached.expires <= Date.now()) {
        this.connections.delete(endpoint.key);
        reply = await this.exchange(endpoint, 'connect', (tid) => encodeConnectRequest(tid), wait, notes, call.signal);
        if (reply?.action === 'connect') {
          this.connections.set(endpoint.key, { id: reply.connectionId, expires: Date.now() + this.ttlMs });
          continue; // the announce itself goes out straight away, same n
        }
      } else {
        reply = await this.exchange(endpoint, expect, (tid) => build(cached.id, tid), wait, notes, call.signal);
        if (reply) return reply;
        // No answer: the tracker may have forgotten our connection id (restart); get a new one.
        this.connections.delete(endpoint.key);
      }
      if (++n > maxRetransmits) break;
    }
    const ignored = notes.size ? ` (ignored: ${[...notes].map(([why, n]) => (n > 1 ? `${n} × ${why}` : why)).join('; ')})` : '';
    throw new TrackerError('timeout', `no reply from ${endpoint.key} after ${sends} packet${sends === 1 ? '' : 's'}${ignored}`);
  }
}
