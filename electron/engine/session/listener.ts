import net from 'node:net';
import { decodeHandshake, HANDSHAKE_LENGTH, type Handshake } from '../wire/handshake.js';

/** Called with a connection whose handshake has been read; `leftover` = bytes after it. */
export type IncomingRoute = (socket: net.Socket, handshake: Handshake, leftover: Buffer) => void;

const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Ports tried when the default is taken, like qBittorrent's "use next free port". */
const DEFAULT_PORT = 6881;
const DEFAULT_PORT_TRIES = 10;

/**
 * The session's listening socket. Incoming peers are held until their 68-byte handshake
 * arrives, then handed to `route`, which finds the torrent by info-hash.
 */
export class Listener {
  private server: net.Server | null = null;
  private readonly pending = new Set<net.Socket>();

  constructor(private readonly route: IncomingRoute, private readonly warn: (message: string) => void) {}

  /** Listens on `port` (0 = any free port; undefined = 6881 or the next free one). */
  async listen(port: number | undefined, host = '0.0.0.0'): Promise<number> {
    const tries = port === undefined ? Array.from({ length: DEFAULT_PORT_TRIES }, (_, i) => DEFAULT_PORT + i) : [port];
    let lastError: unknown = null;
    for (const candidate of tries) {
      try {
        return await this.tryListen(candidate, host);
      } catch (err) {
        lastError = err;
      }
    }
    if (port === undefined) return this.tryListen(0, host);
    throw lastError instanceof Error ? lastError : new Error(`cannot listen on port ${port}`);
  }

  private tryListen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => this.onConnection(socket));
      server.once('error', reject);
      server.listen({ port, host, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.warn(`listener: ${err.message}`));
        this.server = server;
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  private onConnection(socket: net.Socket): void {
    this.pending.add(socket);
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
    const cleanup = (): void => {
      clearTimeout(timer);
      this.pending.delete(socket);
      socket.off('data', onData);
    };
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      if (received.length < HANDSHAKE_LENGTH) return;
      cleanup();
      const handshake = decodeHandshake(received.subarray(0, HANDSHAKE_LENGTH));
      if (typeof handshake === 'string') {
        this.warn(`incoming ${socket.remoteAddress}: ${handshake}`);
        socket.destroy();
        return;
      }
      // Stop the flow until the torrent attaches its own reader.
      socket.pause();
      this.route(socket, handshake, received.subarray(HANDSHAKE_LENGTH));
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('error', () => {
      cleanup();
      socket.destroy();
    });
    socket.on('close', cleanup);
  }

  async close(): Promise<void> {
    for (const socket of this.pending) socket.destroy();
    this.pending.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
