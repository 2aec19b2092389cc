import net from 'node:net';
import type { EncryptionMode } from '../api.js';
import type { IncomingHello } from '../wire/handshake.js';
import { IncomingHandshake } from './incoming-handshake.js';

/** Called with a connection whose handshake has been read. */
export type IncomingRoute = (socket: net.Socket, hello: IncomingHello) => void;

const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Ports tried when the default is taken, like qBittorrent's "use next free port". */
const DEFAULT_PORT = 6881;
const DEFAULT_PORT_TRIES = 10;

/**
 * The session's listening socket. Incoming peers are held until their handshake (plain, or
 * after MSE) arrives, then handed to `route`, which finds the torrent by info-hash.
 */
export class Listener {
  private server: net.Server | null = null;
  private readonly pending = new Set<net.Socket>();

  constructor(
    private readonly route: IncomingRoute,
    private readonly warn: (message: string) => void,
    /** Info-hashes of the torrents served, for MSE handshakes (which name them obfuscated). */
    private readonly infoHashes: () => Iterable<Buffer>,
    private readonly encryption: () => EncryptionMode = () => 'allow',
  ) {}

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
    const opening = new IncomingHandshake(this.infoHashes, this.encryption());
    const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
    const cleanup = (): void => {
      clearTimeout(timer);
      this.pending.delete(socket);
      socket.off('data', onData);
    };
    const onData = (chunk: Buffer): void => {
      const step = opening.push(chunk);
      if (step.kind === 'failed') {
        cleanup();
        this.warn(`incoming ${socket.remoteAddress}: ${step.reason}`);
        socket.destroy();
        return;
      }
      if (step.send) socket.write(step.send);
      if (step.kind === 'wait') return;
      cleanup();
      // Stop the flow until the torrent attaches its own reader.
      socket.pause();
      this.route(socket, step);
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
