import dgram from 'node:dgram';
import net from 'node:net';
import type { SessionOptions } from '../api.js';
import type { Connect } from '../torrent/dialer.js';
import { UtpManager, UtpSocket } from '../utp/index.js';
import type { SessionDht } from './session-dht.js';

/** Whether the session runs uTP: the option, else on unless the environment says TESSERA_UTP=0. */
export function utpEnabled(options: Pick<SessionOptions, 'utp'>, env: Record<string, string | undefined> = process.env): boolean {
  return options.utp ?? env.TESSERA_UTP !== '0';
}

/**
 * The session's uTP: one UtpManager on the UDP port numbered like the TCP listening port.
 * When the DHT node is bound there, uTP shares its socket (datagrams demultiplexed by their
 * first byte, see looksLikeUtp); otherwise (DHT off, or on another port) uTP binds its own.
 * Incoming connections go to `accept`, the path incoming TCP connections take.
 */
export class SessionUtp {
  private constructor(
    private readonly manager: UtpManager,
    private readonly ownSocket: dgram.Socket | null,
    /** The UDP socket's family: peers of the other family are dialled over TCP at once. */
    private readonly ipv6: boolean,
  ) {}

  static async start(
    options: SessionOptions,
    listenPort: number,
    dht: SessionDht | null,
    accept: (socket: UtpSocket) => void,
    warn: (message: string) => void,
  ): Promise<SessionUtp | null> {
    if (!utpEnabled(options)) return null;
    let send: (packet: Uint8Array, port: number, host: string) => void = () => undefined;
    const manager = new UtpManager((packet, port, host) => send(packet, port, host), { onIncoming: accept });
    if (dht && dht.port === listenPort) {
      send = dht.shareSocket((packet, from) => manager.handle(packet, from.address, from.port));
      return new SessionUtp(manager, null, dht.ipv6);
    }
    const host = options.listenHost && options.listenHost !== '0.0.0.0' ? options.listenHost : '0.0.0.0';
    const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    socket.on('message', (packet, rinfo) => void manager.handle(packet, rinfo.address, rinfo.port));
    try {
      await bind(socket, host, listenPort);
    } catch (err) {
      warn(`uTP on UDP port ${listenPort}: ${err instanceof Error ? err.message : String(err)}; uTP is off`);
      socket.close();
      return null;
    }
    socket.on('error', (err) => warn(`uTP socket: ${err.message}`));
    send = (packet, port, to) =>
      socket.send(packet, port, to, (err) => {
        if (err) manager.dropped++;
      });
    return new SessionUtp(manager, socket, host.includes(':'));
  }

  /** The dialer's uTP connect (same shape as its TCP one). */
  readonly connect: Connect = (address, _buffer, onRead) => {
    if (net.isIPv6(address.host) !== this.ipv6) {
      const socket = new UtpSocket(address.host, address.port, true);
      process.nextTick(() => socket.destroy(new Error(`no uTP socket for IPv${this.ipv6 ? 4 : 6}`)));
      return socket as unknown as net.Socket;
    }
    const socket = this.manager.connect(address.host, address.port);
    socket.on('data', (chunk: Buffer) => void onRead(chunk));
    // The peer code uses the net.Socket methods UtpSocket provides (see UtpSocket).
    return socket as unknown as net.Socket;
  };

  async close(): Promise<void> {
    this.manager.close();
    const socket = this.ownSocket;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
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
