import os from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import { TorrentInputError, type AddTorrentOptions, type EncryptionMode, type EngineSession, type EngineTorrent, type PeerAddress, type SessionEvents, type SessionOptions, type SourceFacts, type TorrentSource } from '../api.js';
import { MetainfoError, parseTorrent, parseTorrentAsync, type Metainfo } from '../metainfo/index.js';
import { BencodeError } from '../bencode/index.js';
import { MagnetError, parseMagnet } from '../magnet/magnet.js';
import { TrackerClient } from '../tracker/index.js';
import { Torrent, type TorrentContext, type TorrentInit } from '../torrent/torrent.js';
import { HalfOpenLimit, SESSION_HALF_OPEN } from '../torrent/half-open.js';
import { SessionDht } from './session-dht.js';
import { StateStore } from '../resume/state-store.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { TokenBucket } from '../util/token-bucket.js';
import { DiskWorkers } from '../storage/disk-workers.js';
import type { IncomingHello } from '../wire/handshake.js';
import { fairSharePerTorrent } from './connection-limits.js';
import { inspectSource } from './inspect.js';
import { Listener } from './listener.js';
import { MAX_TORRENT_FILE_BYTES } from '../../../shared/contract/index.js';
import { CLIENT_NAME, generatePeerId } from './peer-id.js';
import { SessionReach } from './session-reach.js';
import type { Reachability } from './reachability.js';

export { TorrentInputError };

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
  private reach: SessionReach | null = null;
  private readonly downloadLimit = new TokenBucket();
  private readonly uploadLimit = new TokenBucket();
  private readonly disk = new DiskWorkers(2);
  /** Outgoing connection attempts in progress, across all torrents. */
  private readonly halfOpen = new HalfOpenLimit(SESSION_HALF_OPEN);
  private readonly store: StateStore | null;
  private listenPort = 0;
  private closed = false;
  private maxPeers: number;
  private encryptionMode: EncryptionMode;

  constructor(private readonly options: SessionOptions) {
    super();
    this.store = options.stateDir ? new StateStore(options.stateDir) : null;
    this.maxPeers = options.maxPeersPerTorrent ?? DEFAULT_MAX_PEERS;
    this.encryptionMode = options.encryption ?? 'allow';
    this.setRateLimits({ download: options.downloadLimit, upload: options.uploadLimit });
    this.listener = new Listener(
      (socket, hello) => this.routeIncoming(socket, hello),
      (m) => this.warn(m),
      () => [...this.torrents.values()].map((t) => t.infoHashBytes),
      () => this.encryptionMode,
    );
  }

  /** Session-wide limits in bytes per second; 0 = unlimited (the default). */
  setRateLimits(limits: { download?: number; upload?: number }): void {
    if (limits.download !== undefined) this.downloadLimit.setRate(limits.download);
    if (limits.upload !== undefined) this.uploadLimit.setRate(limits.upload);
  }

  rateLimits(): { download: number; upload: number } {
    return { download: this.downloadLimit.limit, upload: this.uploadLimit.limit };
  }

  setMaxPeersPerTorrent(max: number): void {
    this.maxPeers = Math.max(1, Math.floor(max));
  }

  setEncryption(mode: EncryptionMode): void {
    this.encryptionMode = mode;
  }

  get encryption(): EncryptionMode {
    return this.encryptionMode;
  }

  get port(): number {
    return this.listenPort;
  }

  async listen(): Promise<void> {
    this.listenPort = await this.listener.listen(this.options.port, this.options.listenHost, this.options.portFallback ?? false);
    if (this.options.dht !== false) {
      this.dht = await SessionDht.start(this.options, this.listenPort, (m) => this.warn(m));
    }
    this.reach = await SessionReach.start(this.options, this.listenPort, {
      torrents: () => this.torrents.values(),
      warn: (m) => this.warn(m),
      changed: () => this.emit('reachability', this.reachability()),
    });
  }

  /** Port mapping, incoming connections, LSD: whether peers outside can reach us. */
  reachability(): Reachability {
    return SessionReach.describe(this.reach, this.listenPort);
  }

  private context(): TorrentContext {
    // Getters: a settings change reaches torrents already running.
    const maxPeers = (): number => this.peersPerTorrent();
    const encryption = (): EncryptionMode => this.encryptionMode;
    return {
      get maxPeers() {
        return maxPeers();
      },
      get encryption() {
        return encryption();
      },
      peerId: this.peerId,
      listenPort: this.listenPort,
      clientName: CLIENT_NAME,
      readBuffer: this.readBuffer,
      dht: this.dht,
      trackerClient: this.trackerClient,
      globalDownloadLimit: this.downloadLimit,
      globalUploadLimit: this.uploadLimit,
      disk: this.disk,
      halfOpen: this.halfOpen,
      reachability: () => this.reachability(),
      warn: (m) => this.warn(m),
      isOwnAddress: (address) => this.isOwnAddress(address),
    };
  }

  private fairShare = { at: -Infinity, value: 0 };

  /**
   * Peers one torrent may hold: the setting, but no more than its share of the session-wide
   * connection limit (half the open-file limit) among the torrents that hold connections, so
   * all torrents together stay within it. Recounted at most once a second.
   */
  private peersPerTorrent(): number {
    const now = Date.now();
    if (now - this.fairShare.at >= 1000) {
      let active = 0;
      for (const t of this.torrents.values()) if (t.state !== 'paused' && t.state !== 'error') active++;
      this.fairShare = { at: now, value: fairSharePerTorrent(this.listener.limits.maxConnections, active) };
    }
    return Math.min(this.maxPeers, this.fairShare.value);
  }

  /** Our listening socket's address: the listen port on the listen host, or on any local address when listening on all. */
  private isOwnAddress(address: PeerAddress): boolean {
    if (address.port !== this.listenPort) return false;
    const host = this.options.listenHost;
    if (host && host !== '0.0.0.0' && host !== '::') return address.host === host;
    return isLocalAddress(address.host);
  }

  inspect(source: TorrentSource, maxFiles: number): Promise<SourceFacts> {
    return inspectSource(source, maxFiles);
  }

  async add(source: TorrentSource, options: AddTorrentOptions = {}): Promise<EngineTorrent> {
    if (this.closed) throw new Error('session is closed');
    const savePath = path.resolve(options.savePath ?? this.options.downloadDir);
    const parsed = source.kind === 'magnet' ? initFromMagnet(source.uri, savePath) : await initFromTorrent(source.bytes, savePath);
    if (this.closed) throw new Error('session is closed');
    const peers = [...parsed.peers, ...(options.peers ?? [])];
    const existing = this.torrents.get(parsed.infoHash.toString('hex'));
    if (existing) {
      existing.addPeers(peers);
      return existing;
    }
    const infoHash = parsed.infoHash.toString('hex');
    const stored = this.store ? await this.store.load(infoHash) : null;
    // Resume data counts only for the same download folder; elsewhere it is a new download.
    const resume = stored?.resume && stored.resume.savePath === savePath ? stored.resume : null;
    if (this.store && source.kind === 'torrent') await this.store.saveTorrent(infoHash, source.bytes);
    const torrent = await this.startTorrent(
      { ...parsed, resume, store: this.store, magnetUri: source.kind === 'magnet' ? source.uri : null },
      options.paused ?? false,
    );
    torrent.addPeers(peers);
    if (!resume) void torrent.saveResume();
    return torrent;
  }

  private async startTorrent(init: TorrentInit, paused: boolean): Promise<Torrent> {
    const torrent = new Torrent(init, this.context());
    this.torrents.set(torrent.infoHash, torrent);
    this.emit('added', torrent.infoHash);
    await torrent.start(paused);
    this.reach?.torrentStarted(torrent);
    return torrent;
  }

  /** Starts every torrent recorded in the state folder, as it was (paused ones stay paused). */
  async restore(): Promise<void> {
    const store = this.store;
    if (!store) return;
    for (const infoHash of await store.list()) {
      if (this.torrents.has(infoHash)) continue;
      const stored = await store.load(infoHash);
      try {
        const savePath = stored.resume?.savePath ?? path.resolve(this.options.downloadDir);
        const parsed = stored.torrent
          ? await initFromTorrent(stored.torrent, savePath)
          : stored.resume?.magnet
            ? initFromMagnet(stored.resume.magnet, savePath)
            : null;
        if (!parsed || parsed.infoHash.toString('hex') !== infoHash) {
          this.warn(`state folder: ${infoHash} has no usable .torrent or magnet; skipped`);
          continue;
        }
        const torrent = await this.startTorrent(
          { ...parsed, resume: stored.resume, store, magnetUri: stored.resume?.magnet ?? null },
          stored.resume?.paused ?? false,
        );
        torrent.addPeers(parsed.peers);
      } catch (err) {
        this.warn(`state folder: ${infoHash}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
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
    await this.store?.remove(torrent.infoHash);
    if (options.deleteData) await torrent.transfer?.storage.deleteFiles();
    this.emit('removed', torrent.infoHash);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener.close();
    await this.reach?.close();
    await Promise.all([...this.torrents.values()].map((t) => t.stop()));
    this.trackerClient.close();
    await this.dht?.close();
    await this.disk.close();
  }

  private routeIncoming(socket: net.Socket, hello: IncomingHello): void {
    const torrent = this.torrents.get(hello.handshake.infoHash.toString('hex'));
    if (!torrent) {
      socket.destroy();
      return;
    }
    torrent.acceptIncoming(socket, hello);
    this.reach?.incomingAccepted();
  }

  private warn(message: string): void {
    this.emit('warning', message);
  }
}

type ParsedSource = Omit<TorrentInit, 'resume' | 'store' | 'magnetUri'> & { peers: PeerAddress[] };

/** Parsed in chunks: a .torrent of 100,000 files must not hold the event loop for seconds. */
async function initFromTorrent(bytes: Uint8Array, savePath: string): Promise<ParsedSource> {
  const meta = await parseTorrentInputAsync(bytes);
  return { infoHash: meta.infoHash, meta, name: meta.name, trackers: meta.announce, savePath, selectOnly: null, peers: [] };
}

function initFromMagnet(uri: string, savePath: string): ParsedSource {
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
    // The contract's documented limit (16 MiB), above libtorrent's 10 MB default.
    return parseTorrent(bytes, { maxSize: MAX_TORRENT_FILE_BYTES });
  } catch (err) {
    throw asInputError(err);
  }
}

/** {@link parseTorrentInput} in chunks, with turns of the event loop between them. */
export async function parseTorrentInputAsync(bytes: Uint8Array): Promise<Metainfo> {
  try {
    return await parseTorrentAsync(bytes, { maxSize: MAX_TORRENT_FILE_BYTES });
  } catch (err) {
    throw asInputError(err);
  }
}

function asInputError(err: unknown): unknown {
  return err instanceof MetainfoError || err instanceof BencodeError ? new TorrentInputError(err.message) : err;
}

export async function createSession(options: SessionOptions): Promise<EngineSession & Session> {
  const session = new Session(options);
  await session.listen();
  if (options.restore ?? true) await session.restore();
  return session;
}

let localAddresses: { at: number; set: Set<string> } | null = null;

/** Loopback, unspecified, or an address of one of this machine's interfaces (cached for a minute). */
export function isLocalAddress(host: string): boolean {
  const h = host.toLowerCase().replace(/^::ffff:/, '');
  if (/^127\./.test(h) || h === '::1' || h === '0.0.0.0' || h === '::') return true;
  const now = Date.now();
  if (!localAddresses || now - localAddresses.at > 60_000) {
    const set = new Set<string>();
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) set.add(a.address.toLowerCase());
    localAddresses = { at: now, set };
  }
  return localAddresses.set.has(h);
}
