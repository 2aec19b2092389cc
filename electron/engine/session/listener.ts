import net from 'node:net';
import type { EncryptionMode } from '../api.js';
import type { IncomingHello } from '../wire/handshake.js';
import type { TorrentByReq2 } from '../wire/mse/mse-common.js';
import { addressGroup, ConnectionBudget, connectionLimits, type ConnectionLimits } from './connection-limits.js';
import { IncomingHandshake } from './incoming-handshake.js';

/** Called with a connection whose handshake has been read. */
export type IncomingRoute = (socket: net.Socket, hello: IncomingHello) => void;

const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Ports tried when the default is taken, like qBittorrent's "use next free port". */
const DEFAULT_PORT = 6881;
const PORT_TRIES = 10;
/** A flood is reported at most this often (with counts), not once per dropped connection. */
const DROP_REPORT_INTERVAL_MS = 60_000;

/** One incoming connection, from accept until its socket closes. */
interface Incoming {
  readonly socket: net.Socket;
  readonly ip: string;
  /** Still reading the handshake. */
  pending: boolean;
  /** Gives back its budget slot and forgets it; safe to call more than once. */
  release(): void;
}

export interface ListenerStats {
  /** Incoming connections whose handshake is not read yet. */
  pending: number;
  /** Incoming connections held in all (pending + handed to a torrent). */
  incoming: number;
  /** Connections dropped or refused by the limits since the start. */
  dropped: number;
  limits: ConnectionLimits;
}

/**
 * The session's listening sockets (IPv4 and IPv6). Incoming peers are held until their handshake (plain, or
 * after MSE) arrives, then handed to `route`, which finds the torrent by info-hash.
 *
 * Bounds (a stranger opening connections must not take every file descriptor): half-open
 * connections are capped per IP (the IP's oldest is dropped for its newest) and in all (the
 * oldest of the IP holding the most is dropped: a flood evicts its own connections, not a
 * peer's single one that is still handshaking), and every incoming connection holds a slot of
 * the session-wide connection budget (half the open-file limit) until it closes.
 */
export class Listener {
  private servers: net.Server[] = [];
  private readonly held = new Set<Incoming>();
  /** Pending connections, oldest first (Map keeps insertion order). */
  private readonly pending = new Map<net.Socket, Incoming>();
  private readonly pendingPerIp = new Map<string, number>();
  private dropped = 0;
  private droppedSinceReport = 0;
  private lastReport = -Infinity;

  constructor(
    private readonly route: IncomingRoute,
    private readonly warn: (message: string) => void,
    /** The torrents served, for MSE handshakes (which name them obfuscated). */
    private readonly torrentByReq2: TorrentByReq2,
    private readonly encryption: () => EncryptionMode = () => 'allow',
    limits: ConnectionLimits = connectionLimits(),
    private readonly budget: ConnectionBudget = new ConnectionBudget(limits.maxConnections),
  ) {
    this.currentLimits = limits;
  }

  private currentLimits: ConnectionLimits;

  get limits(): ConnectionLimits {
    return this.currentLimits;
  }

  /** The user's global connection limit changed: it applies to connections from now on. */
  setMaxConnections(wanted: number): void {
    this.currentLimits = connectionLimits(this.currentLimits.fdLimit, wanted);
    this.budget.limit = this.currentLimits.maxConnections;
  }

  /**
   * Listens on `port` (0 = any free port; undefined = 6881 or the next free one). With
   * `fallback`, a taken `port` is followed by the next nine, then any free port.
   *
   * `host` undefined or '::' means every address of both families: one IPv4 socket on
   * 0.0.0.0 and one IPv6-only socket on [::] with the same port (two sockets rather than one
   * dual-stack socket, so IPv4 peers never show up as ::ffff:a.b.c.d, and hosts whose
   * bindv6only is set behave the same). A machine without IPv6 listens on IPv4 only and says
   * so in a warning. Any other host is bound as given.
   */
  async listen(port: number | undefined, host?: string, fallback = false): Promise<number> {
    const first = port ?? DEFAULT_PORT;
    const tries = port === 0 ? [0] : port === undefined || fallback ? Array.from({ length: PORT_TRIES }, (_, i) => first + i).filter((p) => p <= 65535) : [first];
    let lastError: unknown = null;
    for (const candidate of tries) {
      try {
        return await this.listenOn(candidate, host);
      } catch (err) {
        lastError = err;
        if (!isAddressInUse(err)) break;
      }
    }
    if ((port === undefined || fallback) && isAddressInUse(lastError)) return this.listenOn(0, host);
    throw lastError instanceof Error ? lastError : new Error(`cannot listen on port ${first}`);
  }

  /** The families listened on: [4], [6] or [4, 6]. */
  get families(): Array<4 | 6> {
    return this.servers.map((s) => (s.address() as net.AddressInfo | null)?.family === 'IPv6' ? 6 : 4);
  }

  stats(): ListenerStats {
    return { pending: this.pending.size, incoming: this.held.size, dropped: this.dropped, limits: this.limits };
  }

  private async listenOn(port: number, host: string | undefined, pairTries = 5): Promise<number> {
    if (host !== undefined && host !== '::') {
      const server = await this.tryListen(port, host, false);
      this.servers.push(server);
      return boundPort(server, port);
    }
    const v4 = await this.tryListen(port, '0.0.0.0', false);
    const bound = boundPort(v4, port);
    try {
      const v6 = await this.tryListen(bound, '::', true);
      this.servers.push(v4, v6);
    } catch (err) {
      if (isAddressInUse(err) && port !== bound && pairTries > 1) {
        // Any free port was asked for and IPv6 has this one taken: try another pair.
        await closeServer(v4);
        return this.listenOn(port, host, pairTries - 1);
      }
      if (isAddressInUse(err)) {
        await closeServer(v4);
        throw err;
      }
      this.servers.push(v4);
      this.warn(`listener: no IPv6 (${errorText(err)}); listening on IPv4 only`);
    }
    return bound;
  }

  private tryListen(port: number, host: string, ipv6Only: boolean): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => this.onConnection(socket));
      server.once('error', reject);
      server.listen({ port, host, exclusive: true, ipv6Only }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.warn(`listener: ${err.message}`));
        resolve(server);
      });
    });
  }

  /** An incoming connection that arrived another way (uTP): same limits, same handshake, same route. */
  adopt(socket: net.Socket): void {
    this.onConnection(socket);
  }

  private onConnection(socket: net.Socket): void {
    const ip = addressGroup(socket.remoteAddress ?? '?');
    if ((this.pendingPerIp.get(ip) ?? 0) >= this.limits.maxPendingPerIp) this.dropOldestPending(ip);
    if (this.pending.size >= this.limits.maxPending) this.dropOldestPending(this.busiestPendingIp());
    if (!this.budget.tryTake() && !(this.dropOldestPending(this.busiestPendingIp()) && this.budget.tryTake())) {
      // Every slot holds a connection that completed its handshake: refuse the newcomer.
      this.noteDropped();
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    const opening = new IncomingHandshake(this.torrentByReq2, this.encryption());
    const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
    let released = false;
    const entry: Incoming = {
      socket,
      ip,
      pending: true,
      release: () => {
        if (released) return;
        released = true;
        this.endPending(entry);
        this.held.delete(entry);
        this.budget.give();
      },
    };
    this.held.add(entry);
    this.pending.set(socket, entry);
    this.pendingPerIp.set(ip, (this.pendingPerIp.get(ip) ?? 0) + 1);

    const stopReading = (): void => {
      clearTimeout(timer);
      this.endPending(entry);
      socket.off('data', onData);
    };
    const onData = (chunk: Buffer): void => {
      const step = opening.push(chunk);
      if (step.kind === 'failed') {
        stopReading();
        this.warn(`incoming ${socket.remoteAddress ?? '?'}: ${step.reason}`);
        socket.destroy();
        return;
      }
      if (step.send) socket.write(step.send);
      if (step.kind === 'wait') return;
      stopReading();
      // Stop the flow until the torrent attaches its own reader.
      socket.pause();
      this.route(socket, step);
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('error', () => {
      stopReading();
      socket.destroy();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      entry.release();
    });
  }

  private endPending(entry: Incoming): void {
    if (!entry.pending) return;
    entry.pending = false;
    this.pending.delete(entry.socket);
    const left = (this.pendingPerIp.get(entry.ip) ?? 1) - 1;
    if (left > 0) this.pendingPerIp.set(entry.ip, left);
    else this.pendingPerIp.delete(entry.ip);
  }

  /** The IP with the most half-open connections (null when there are none). */
  private busiestPendingIp(): string | null {
    let busiest: string | null = null;
    let most = 0;
    for (const [ip, count] of this.pendingPerIp) {
      if (count > most) {
        most = count;
        busiest = ip;
      }
    }
    return busiest;
  }

  /** Drops the oldest half-open connection of `ip`; false when there is none. */
  private dropOldestPending(ip: string | null): boolean {
    if (ip === null) return false;
    for (const entry of this.pending.values()) {
      if (entry.ip !== ip) continue;
      entry.release();
      entry.socket.destroy();
      this.noteDropped();
      return true;
    }
    return false;
  }

  private noteDropped(): void {
    this.dropped++;
    this.droppedSinceReport++;
    const now = Date.now();
    if (now - this.lastReport < DROP_REPORT_INTERVAL_MS) return;
    this.lastReport = now;
    const { maxPending, maxPendingPerIp, maxConnections } = this.limits;
    this.warn(
      `listener: dropped ${this.droppedSinceReport} incoming connection(s) over the limits ` +
        `(${maxPending} half-open, ${maxPendingPerIp} half-open per IP, ${maxConnections} in all)`,
    );
    this.droppedSinceReport = 0;
  }

  async close(): Promise<void> {
    for (const entry of [...this.pending.values()]) {
      entry.release();
      entry.socket.destroy();
    }
    const servers = this.servers;
    this.servers = [];
    // Not awaited to the end: a server's 'close' waits for every connection it accepted, and
    // those handed to torrents close only when the torrents stop (after this). The listening
    // sockets themselves are closed at once.
    for (const server of servers) server.close();
  }
}

function boundPort(server: net.Server, asked: number): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : asked;
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

function errorText(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err) return String((err as { code: unknown }).code);
  return err instanceof Error ? err.message : String(err);
}

function isAddressInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === 'EADDRINUSE';
}
