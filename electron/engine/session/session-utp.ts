import dgram from 'node:dgram';
import net from 'node:net';
import type { SessionOptions } from '../api.js';
import type { Connect } from '../torrent/dialer.js';
import { createUtpBudget, UtpManager, UtpSocket } from '../utp/index.js';
import { dhtHosts, type SessionDht } from './session-dht.js';

/** Whether the session runs uTP: the option, else on unless the environment says TESSERA_UTP=0. */
export function utpEnabled(options: Pick<SessionOptions, 'utp'>, env: Record<string, string | undefined> = process.env): boolean {
  return options.utp ?? env.TESSERA_UTP !== '0';
}

/** The address family a uTP datagram to `host` goes out on. */
export function utpFamily(host: string): 4 | 6 {
  return net.isIPv6(host) ? 6 : 4;
}

/**
 * The session's uTP: one UtpManager per address family, each on the UDP port numbered like
 * the TCP listening port. Where that family's DHT node is bound there, uTP shares its socket
 * (datagrams demultiplexed by their first byte, see looksLikeUtp); otherwise (DHT off, or on
 * another port) uTP binds its own socket of that family. Dials go to the manager of the peer's
 * family; incoming connections from either go to `accept`, the path incoming TCP connections
 * take. The connection cap and the out-of-order memory are one budget for both managers.
 */
export class SessionUtp {
  private constructor(
    private readonly managers: ReadonlyMap<4 | 6, UtpManager>,
    private readonly ownSockets: dgram.Socket[],
  ) {}

  static async start(
    options: SessionOptions,
    listenPort: number,
    dht: SessionDht | null,
    accept: (socket: UtpSocket) => void,
    warn: (message: string) => void,
  ): Promise<SessionUtp | null> {
    if (!utpEnabled(options)) return null;
    const budget = createUtpBudget();
    const managers = new Map<4 | 6, UtpManager>();
    const ownSockets: dgram.Socket[] = [];
    for (const host of dhtHosts(options.listenHost)) {
      const family = utpFamily(host);
      let send: (packet: Uint8Array, port: number, to: string) => void = () => undefined;
      const manager = new UtpManager((packet, port, to) => send(packet, port, to), { onIncoming: accept, shared: budget });
      const dhtSocket = dht?.udpFor(family);
      if (dhtSocket && dhtSocket.port === listenPort) {
        send = dhtSocket.shareSocket((packet, from) => manager.handle(packet, from.address, from.port));
        managers.set(family, manager);
        continue;
      }
      const socket = await bindOwn(host, family, listenPort, manager, warn);
      if (!socket) continue;
      send = (packet, port, to) =>
        socket.send(packet, port, to, (err) => {
          if (err) manager.dropped++;
        });
      ownSockets.push(socket);
      managers.set(family, manager);
    }
    if (managers.size === 0) return null;
    return new SessionUtp(managers, ownSockets);
  }

  /** The families uTP runs on: [4, 6] on a dual-stack machine. */
  get families(): Array<4 | 6> {
    return [...this.managers.keys()];
  }

  /** The dialer's uTP connect (same shape as its TCP one): over the manager of the peer's family. */
  readonly connect: Connect = (address, _buffer, onRead) => {
    const family = utpFamily(address.host);
    const manager = this.managers.get(family);
    if (!manager) {
      const socket = new UtpSocket(address.host, address.port, true);
      // Not connected: the dialer falls back to TCP at once.
      process.nextTick(() => socket.destroy(new Error(`no uTP socket for IPv${family}`)));
      return socket as unknown as net.Socket;
    }
    const socket = manager.connect(address.host, address.port);
    socket.on('data', (chunk: Buffer) => void onRead(chunk));
    // The peer code uses the net.Socket methods UtpSocket provides (see UtpSocket).
    return socket as unknown as net.Socket;
  };

  async close(): Promise<void> {
    for (const manager of this.managers.values()) manager.close();
    await Promise.all(this.ownSockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
  }
}

/** uTP's own UDP socket of `family` on `host`:`port`; null (and a warning) when it cannot bind. */
async function bindOwn(host: string, family: 4 | 6, port: number, manager: UtpManager, warn: (message: string) => void): Promise<dgram.Socket | null> {
  // ipv6Only: the IPv4 socket may hold the same port number.
  const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6 });
  socket.on('message', (packet, rinfo) => void manager.handle(packet, rinfo.address, rinfo.port));
  try {
    await bind(socket, host, port);
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
    if (family === 6 && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) warn(`uTP: no IPv6 (${code}); IPv4 only`);
    else warn(`uTP (IPv${family}) on UDP port ${port}: ${err instanceof Error ? err.message : String(err)}; uTP over IPv${family} is off`);
    socket.close();
    return null;
  }
  socket.on('error', (err) => warn(`uTP socket (IPv${family}): ${err.message}`));
  return socket;
}

function bind(socket: dgram.Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}
