import path from 'node:path';
import type net from 'node:net';
import type { AddTorrentOptions, EngineSession, EngineTorrent, PeerAddress, SessionEvents, SessionOptions, TorrentSource } from '../api.js';
import { MetainfoError, parseTorrent, type Metainfo } from '../metainfo/index.js';
import { BencodeError } from '../bencode/index.js';
import { MagnetError, parseMagnet } from '../magnet/magnet.js';
import { TrackerClient } from '../tracker/index.js';
import { Torrent, type TorrentContext, type TorrentInit } from '../torrent/torrent.js';
import { SessionDht } from './session-dht.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { Handshake } from '../wire/handshake.js';
import { Listener } from './listener.js';
import { CLIENT_NAME, generatePeerId } from './peer-id.js';

/** Invalid user input (a .torrent that does not parse, a malformed magnet): one-line message. */
export class TorrentInputError extends Error {
  override readonly name = 'TorrentInputError';
}

const DEFAULT_MAX_PEERS = 60;
/** Outgoing sockets read into this buffer (see TorrentContext.readBuffer). */
const READ_BUFFER_BYTES = 1024 * 1024;

/**
 * One per process: the listening socket, the torrents and the settings they share.
 */
export class Session extends TypedEmitter<SessionEvents> implements EngineSession {
  private readonly torrents = new Map<string, Torrent>();
  private readonly listener: Listener;
  private readonly peerId = generatePeerId();
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly trackerClient = new TrackerClient();
  private dht: SessionDht | null = null;
  private listenPort = 0;
  private closed = false;

  constructor(private readonly options: SessionOptions) {
    super();
    this.listener = new Listener((socket, hs, leftover) => this.routeIncoming(socket, hs, leftover), (m) => this.warn(m));
  }

  get port(): number {
    return this.listenPort;
  }

  async listen(): Promise<void> {
    this.listenPort = await this.listener.listen(this.options.port, this.options.listenHost);
    if (this.options.dht !== false) {
      this.dht = await SessionDht.start(this.options, this.listenPort, (m) => this.warn(m));
    }
  }

  private context(): TorrentContext {
    return {
      peerId: this.peerId,
      listenPort: this.listenPort,
      clientName: CLIENT_NAME,
      readBuffer: this.readBuffer,
      maxPeers: this.options.maxPeersPerTorrent ?? DEFAULT_MAX_PEERS,
      dht: this.dht,
      trackerClient: this.trackerClient,
      warn: (m) => this.warn(m),
    };
  }

  async add(source: TorrentSource, options: AddTorrentOptions = {}): Promise<EngineTorrent> {
    if (this.closed) throw new Error('session is closed');
    const savePath = path.resolve(options.savePath ?? this.options.downloadDir);
    const init = source.kind === 'magnet' ? initFromMagnet(source.uri, savePath) : initFromTorrent(source.bytes, savePath);
    const peers = [...init.peers, ...(options.peers ?? [])];
    const existing = this.torrents.get(init.infoHash.toString('hex'));
    if (existing) {
      existing.addPeers(peers);
      return existing;
    }
    const torrent = new Torrent(init, this.context());
    this.torrents.set(torrent.infoHash, torrent);
    this.emit('added', torrent.infoHash);
    await torrent.start(options.paused ?? false);
    torrent.addPeers(peers);
    return torrent;
  }

  get(infoHash: string): EngineTorrent | undefined {
    return this.torrents.get(infoHash.toLowerCase());
  }

  list(): EngineTorrent[] {
    return [...this.torrents.values()];
  }

  async remove(infoHash: string, options: { deleteData: boolean }): Promise<void> {
    const torrent = this.torrents.get(infoHash.toLowerCase());
    if (!torrent) return;
    this.torrents.delete(torrent.infoHash);
    await torrent.stop();
    if (options.deleteData) await torrent.transfer?.storage.deleteFiles();
    this.emit('removed', torrent.infoHash);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener.close();
    await Promise.all([...this.torrents.values()].map((t) => t.stop()));
    this.trackerClient.close();
    await this.dht?.close();
  }

  private routeIncoming(socket: net.Socket, handshake: Handshake, leftover: Buffer): void {
    const torrent = this.torrents.get(handshake.infoHash.toString('hex'));
    if (!torrent) {
      socket.destroy();
      return;
    }
    torrent.acceptIncoming(socket, handshake, leftover);
  }

  private warn(message: string): void {
    this.emit('warning', message);
  }
}

function initFromTorrent(bytes: Uint8Array, savePath: string): TorrentInit & { peers: [] } {
  const meta = parseTorrentInput(bytes);
  return { infoHash: meta.infoHash, meta, name: meta.name, trackers: meta.announce, savePath, selectOnly: null, peers: [] };
}

function initFromMagnet(uri: string, savePath: string): TorrentInit & { peers: PeerAddress[] } {
  let magnet;
  try {
    magnet = parseMagnet(uri);
  } catch (err) {
    if (err instanceof MagnetError) throw new TorrentInputError(err.message);
    throw err;
  }
  return {
    infoHash: magnet.infoHash,
    meta: null,
    name: magnet.name,
    // Each magnet `tr` is its own tier, as libtorrent and qBittorrent treat them.
    trackers: magnet.trackers.map((url) => [url]),
    savePath,
    selectOnly: magnet.selectOnly,
    peers: magnet.peers,
  };
}

/** Parses .torrent bytes, turning every parse failure into a one-line TorrentInputError. */
export function parseTorrentInput(bytes: Uint8Array): Metainfo {
  try {
    return parseTorrent(bytes);
  } catch (err) {
    if (err instanceof MetainfoError || err instanceof BencodeError) throw new TorrentInputError(err.message);
    throw err;
  }
}

export async function createSession(options: SessionOptions): Promise<EngineSession & Session> {
  const session = new Session(options);
  await session.listen();
  return session;
}
