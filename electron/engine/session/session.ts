import os from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import { TorrentInputError, type AddTorrentOptions, type EncryptionMode, type EngineSession, type EngineTorrent, type PeerAddress, type PeerSourceSwitches, type SessionEvents, type SessionOptions, type SourceFacts, type TorrentSource } from '../api.js';
import { MetainfoError, parseTorrent, parseTorrentAsync, type Metainfo } from '../metainfo/index.js';
import { BencodeError } from '../bencode/index.js';
import { MagnetError, parseMagnet } from '../magnet/magnet.js';
import { TorrentIndex } from './torrent-index.js';
import { hashesOfMagnet, hashesOfMeta, wireHashes, type InfoHashes } from '../torrent/info-hashes.js';
import { TrackerClient } from '../tracker/index.js';
import { Torrent, type TorrentContext, type TorrentInit } from '../torrent/torrent.js';
import { MAGNET_SOURCE } from '../torrent/peer-candidates.js';
import { HalfOpenLimit, SESSION_HALF_OPEN } from '../torrent/half-open.js';
import { SessionConnections } from '../torrent/session-connections.js';
import { SendShares } from '../peer/send-shares.js';
import { ReadCacheShares } from '../storage/read-cache-shares.js';
import { DEFAULT_MAX_CONNECTIONS_PER_IP } from '../torrent/connections-per-ip.js';
import { SessionDht } from './session-dht.js';
import { SessionUtp } from './session-utp.js';
import { StateStore } from '../resume/state-store.js';
import type { ResumeData } from '../resume/resume-data.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { TokenBucket } from '../util/token-bucket.js';
import { SharedIntervals } from '../util/shared-intervals.js';
import { forEachBounded } from '../util/yield.js';
import { DiskWorkers } from '../storage/disk-workers.js';
import { diskThreadsFor } from '../storage/disk-threads.js';
import type { IncomingHello } from '../wire/handshake.js';
import { connectionLimits, fairSharePerTorrent } from './connection-limits.js';
import { inspectSource } from './inspect.js';
import { Listener } from './listener.js';
import { DEFAULT_MAX_CONNECTIONS, MAX_TORRENT_FILE_BYTES } from '../../../shared/contract/index.js';
import { CLIENT_NAME, generatePeerId } from './peer-id.js';
import { SessionReach } from './session-reach.js';
import type { Reachability } from './reachability.js';
import type { QueueMove, QueueSettings, SeedingLimits, Statistics } from '../../../shared/contract/policies.js';
import { moveInQueue } from './queue-policy.js';
import { errorText } from '../../../shared/error-text.js';
import { SessionPolicy } from './session-policy.js';
import { StatisticsKeeper } from './statistics.js';

export { TorrentInputError };

const DEFAULT_MAX_PEERS = 60;
/** Outgoing sockets read into this buffer (see TorrentContext.readBuffer). */
const READ_BUFFER_BYTES = 1024 * 1024;

/**
 * One per process: the listening socket, the torrents and the settings they share.
 */
export class Session extends TypedEmitter<SessionEvents> implements EngineSession {
  private readonly torrents = new TorrentIndex<Torrent>();
  private readonly listener: Listener;
  private readonly peerId = generatePeerId();
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly trackerClient = new TrackerClient();
  private dht: SessionDht | null = null;
  private utp: SessionUtp | null = null;
  private reach: SessionReach | null = null;
  private readonly downloadLimit = new TokenBucket();
  private readonly uploadLimit = new TokenBucket();
  private readonly disk: DiskWorkers;
  /** Outgoing connection attempts in progress, across all torrents. */
  private readonly halfOpen = new HalfOpenLimit(SESSION_HALF_OPEN);
  /** "Connections in all" for the torrents' dialers (incoming ones are capped at the listener). */
  private readonly connections = new SessionConnections(
    () => this.listener.limits.maxConnections,
    () => {
      let n = this.listener.stats().pending;
      for (const t of this.torrents.values()) n += t.connectionCount;
      return n;
    },
  );
  /** All peers' unsent bytes, split among them. */
  private readonly sendShares = new SendShares();
  private readonly readCacheShares = new ReadCacheShares();
  private readonly store: StateStore | null;
  private listenPort = 0;
  private closed = false;
  private maxPeers: number;
  private maxPerIp: number;
  private encryptionMode: EncryptionMode;
  /** One timer per period for all torrents (their 1 s ticks, resume saves). */
  private readonly intervals = new SharedIntervals();
  /** Info-hashes in queue order (the queue's positions; see session-policy.ts). */
  private queueOrder: string[] = [];
  /** The torrents in queue order, made again only after the queue or the set of torrents changed (the policy asks every second). */
  private orderedTorrents: readonly Torrent[] | null = null;
  private readonly policy: SessionPolicy;
  /** The user's switches (Settings: DHT, PEX, LSD, port mapping), whatever the options allow. */
  private readonly wanted: PeerSourceSwitches;
  /** What runs: the switches as the options allow them (torrents read it through their context). */
  private sources: PeerSourceSwitches;
  /** Every torrent's 'state' listener: one function for all (a closure each was ~100 bytes per torrent). */
  private readonly scheduleOnStateChange = (): void => this.policy.schedule();

  constructor(private readonly options: SessionOptions) {
    super();
    this.wanted = { dht: true, pex: true, lsd: true, portMapping: true, ...pickSwitches(options.peerSources ?? {}) };
    this.sources = this.runningSources();
    this.store = options.stateDir ? new StateStore(options.stateDir) : null;
    this.disk = new DiskWorkers(diskThreadsFor(), options.directWrites ?? process.env.TESSERA_DIRECT_IO !== '0');
    this.maxPeers = options.maxPeersPerTorrent ?? DEFAULT_MAX_PEERS;
    this.maxPerIp = Math.max(0, Math.floor(options.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP));
    this.encryptionMode = options.encryption ?? 'allow';
    this.setRateLimits({ download: options.downloadLimit, upload: options.uploadLimit });
    this.policy = new SessionPolicy(
      {
        ordered: () => (this.orderedTorrents ??= this.queueOrder.map((h) => this.torrents.get(h)).filter((t): t is Torrent => t !== undefined)),
        remove: (infoHash) => this.remove(infoHash, { deleteData: false }),
        warn: (m) => this.warn(m),
      },
      StatisticsKeeper.forStateDir(options.stateDir),
    );
    this.listener = new Listener(
      (socket, hello) => this.routeIncoming(socket, hello),
      (m) => this.warn(m),
      (req2) => this.torrents.wireHashByReq2(req2),
      () => this.encryptionMode,
      connectionLimits(undefined, options.maxConnections ?? DEFAULT_MAX_CONNECTIONS),
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

  setMaxConnectionsPerIp(max: number): void {
    this.maxPerIp = Math.max(0, Math.floor(max));
  }

  /** The session's connections at most (qBittorrent's global maximum); the open-file limit caps it. */
  setMaxConnections(max: number): void {
    this.listener.setMaxConnections(max);
    this.fairShare.at = -Infinity;
    this.connections.recount();
  }

  setEncryption(mode: EncryptionMode): void {
    this.encryptionMode = mode;
  }

  get encryption(): EncryptionMode {
    return this.encryptionMode;
  }

  setQueueSettings(settings: QueueSettings): void {
    const wasEnabled = this.policy.queue.enabled;
    // Turning the queue on holds every torrent back until the policy lets it in (no start-then-stop).
    if (settings.enabled && !wasEnabled) for (const t of this.torrents.values()) t.setQueued(true);
    this.policy.setQueueSettings(settings);
  }

  moveInQueue(infoHashes: string[], to: QueueMove): void {
    this.orderedTorrents = null;
    this.queueOrder = moveInQueue(this.queueOrder, infoHashes.map((h) => h.toLowerCase()), to);
    this.renumberQueue();
    this.policy.applyQueue();
  }

  setSeedingLimits(limits: SeedingLimits): void {
    this.policy.setSeedingLimits(limits);
  }

  statistics(): Statistics {
    return this.policy.statistics.snapshot();
  }

  /** Positions follow the order; a torrent whose position changed keeps it in its resume record. */
  private renumberQueue(): void {
    this.queueOrder.forEach((h, i) => {
      const t = this.torrents.get(h);
      if (!t || t.queuePosition === i + 1) return;
      t.queuePosition = i + 1;
      void t.saveResume();
    });
  }

  get port(): number {
    return this.listenPort;
  }

  /** The address families the listening port is open on: [4, 6] unless IPv6 is missing or a listen host was given. */
  get listenFamilies(): Array<4 | 6> {
    return this.listener.families;
  }

  async listen(): Promise<void> {
    this.listenPort = await this.listener.listen(this.options.port, this.options.listenHost, this.options.portFallback ?? false);
    if (this.options.dht !== false) {
      // Bound even when switched off, so uTP shares its socket and switching on needs no new port.
      this.dht = await SessionDht.start(this.options, this.listenPort, (m) => this.warn(m), this.wanted.dht);
    }
    // Incoming uTP connections take the TCP path: the listener's limits, handshake and routing.
    this.utp = await SessionUtp.start(this.options, this.listenPort, this.dht, (socket) => this.listener.adopt(socket as unknown as net.Socket), (m) => this.warn(m));
    await this.policy.statistics.load();
    this.policy.start();
    this.sources = this.runningSources();
    this.reach = await SessionReach.start(
      this.options,
      this.listenPort,
      {
        torrents: () => this.torrents.values(),
        warn: (m) => this.warn(m),
        changed: () => this.emit('reachability', this.reachability()),
      },
      this.sources,
    );
  }

  /** The user's switches as the options (the host's flags, environment) allow them. */
  private runningSources(): PeerSourceSwitches {
    const w = this.wanted;
    return { dht: w.dht && this.dht !== null, pex: w.pex, lsd: w.lsd && this.options.lsd === true, portMapping: w.portMapping && this.options.portMapping === true };
  }

  /**
   * Settings → Privacy and Connection, at once: DHT off silences the nodes and ends every
   * torrent's lookups and announces (on again: they bootstrap and announce), PEX off stops it
   * for every torrent (torrent.ts pexOn), LSD off closes the multicast sockets, port mapping off
   * removes the router's mappings. What the options keep off stays off.
   */
  async setPeerSources(switches: Partial<PeerSourceSwitches>): Promise<void> {
    if (this.closed) return;
    Object.assign(this.wanted, pickSwitches(switches));
    const before = this.sources;
    this.sources = this.runningSources();
    this.dht?.setEnabled(this.wanted.dht);
    if (before.dht !== this.sources.dht || before.pex !== this.sources.pex) for (const t of this.torrents.values()) t.peerSourcesChanged();
    await this.reach?.set({ lsd: this.sources.lsd, portMapping: this.sources.portMapping });
  }

  peerSources(): PeerSourceSwitches {
    return { ...this.sources };
  }

  /** Port mapping, incoming connections, LSD: whether peers outside can reach us. */
  reachability(): Reachability {
    return SessionReach.describe(this.reach, this.listenPort, this.options.listenHost);
  }

  /**
   * What every torrent is given: one object for all of them (as long as what it captured is
   * still what the session has), not one of ~25 properties and 6 closures per torrent — V8
   * keeps such an object in dictionary mode, ~2 KB each, 20 MB at 10,000 torrents.
   */
  private context(): TorrentContext {
    const shared = this.sharedContext;
    if (shared && shared.listenPort === this.listenPort && shared.dht === this.dht && shared.utp === this.utp) return shared.ctx;
    const ctx = this.makeContext();
    this.sharedContext = { ctx, listenPort: this.listenPort, dht: this.dht, utp: this.utp };
    return ctx;
  }

  private sharedContext: { ctx: TorrentContext; listenPort: number; dht: SessionDht | null; utp: SessionUtp | null } | null = null;

  private makeContext(): TorrentContext {
    // Getters: a settings change reaches torrents already running.
    const maxPeers = (): number => this.peersPerTorrent();
    const encryption = (): EncryptionMode => this.encryptionMode;
    const maxPerIp = (): number => this.maxPerIp;
    const sources = (): PeerSourceSwitches => this.sources;
    return {
      get peerSources() {
        return sources();
      },
      get maxPeers() {
        return maxPeers();
      },
      get maxConnectionsPerIp() {
        return maxPerIp();
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
      sessionConnections: this.connections,
      sendShares: this.sendShares,
      readCacheShares: this.readCacheShares,
      utpConnect: this.utp?.connect ?? null,
      reachability: () => this.reachability(),
      warn: (m) => this.warn(m),
      hashesLearned: (t) => this.hashesLearned(t),
      isOwnAddress: (address) => this.isOwnAddress(address),
      every: this.intervals.every,
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
    const parsed = source.kind === 'magnet' ? initFromMagnet(source.uri, savePath) : await initFromTorrent(source.bytes, savePath, source.parsed);
    if (this.closed) throw new Error('session is closed');
    for (const why of parsed.ignored ?? []) this.warn(`magnet ${parsed.infoHash.toString('hex')}: ${why}; that item was ignored`);
    // The user's peers are trusted; a magnet's x.pe holds a share of the candidates like any other source.
    const addPeers = (t: Torrent): void => {
      t.addPeers(parsed.peers, MAGNET_SOURCE);
      t.addPeers(options.peers ?? []);
    };
    // The same torrent by another of its hashes (a v1 magnet, a v2 magnet, the .torrent) is a duplicate too.
    const existing = this.torrents.same(parsed.infoHash.toString('hex'), parsed.hashes);
    if (existing) {
      // A magnet still waiting for its metadata takes it (and the piece layers) from the .torrent.
      if (parsed.meta && !existing.meta) existing.adoptMetadata(parsed.meta);
      addPeers(existing);
      existing.addTrackers(parsed.trackers);
      return existing;
    }
    const infoHash = parsed.infoHash.toString('hex');
    const stored = await this.storedResume(infoHash, parsed.hashes);
    // Resume data counts only for the same download folder; elsewhere it is a new download.
    const resume = stored.resume && stored.resume.savePath === savePath ? stored.resume : null;
    if (this.store && source.kind === 'torrent') await this.keepTorrentFile(infoHash, source.bytes);
    const initial = {
      ...(options.filePriorities ? { filePriorities: options.filePriorities } : {}),
      ...(options.sequential !== undefined ? { sequential: options.sequential } : {}),
      ...(options.firstLastPiecesFirst !== undefined ? { firstLastPiecesFirst: options.firstLastPiecesFirst } : {}),
      ...(options.category !== undefined ? { category: options.category } : {}),
      ...(options.chooseFilesFirst ? { chooseFilesFirst: true } : {}),
    };
    const torrent = await this.startTorrent(
      { ...parsed, resume, store: this.store, magnetUri: source.kind === 'magnet' ? source.uri : null, initial },
      options.paused ?? false,
    );
    addPeers(torrent);
    if (!resume) void torrent.saveResume();
    else this.renumberQueue();
    if (resume && stored.formerKey !== null) void this.rekeyRecord(torrent, stored.formerKey);
    return torrent;
  }

  /**
   * This torrent's resume record: under `infoHash`, or under another of its hashes. A hybrid
   * added by its v2 magnet is kept under its truncated v2 hash, and the same torrent added
   * later from its .torrent (say by `tessera download` with the same state folder) is keyed by
   * its v1 hash: without this look-up it hashed everything again and left two records, which
   * a restart then ran as two torrents on the same files.
   */
  private async storedResume(infoHash: string, hashes: InfoHashes): Promise<{ resume: ResumeData | null; formerKey: string | null }> {
    if (!this.store) return { resume: null, formerKey: null };
    const own = await this.store.load(infoHash);
    if (own.resume) return { resume: own.resume, formerKey: null };
    for (const key of wireHashes(hashes).map((h) => h.toString('hex'))) {
      if (key === infoHash) continue;
      const other = await this.store.load(key);
      if (other.resume) return { resume: { ...other.resume, infoHash }, formerKey: key };
    }
    return { resume: null, formerKey: null };
  }

  /** Moves a record found under another hash to the torrent's own, removing the old one once the new one is written. */
  private async rekeyRecord(torrent: Torrent, formerKey: string): Promise<void> {
    const store = this.store;
    if (!store || this.torrents.has(formerKey)) return;
    await torrent.saveResume();
    if ((await store.load(torrent.infoHash)).resume) await store.remove(formerKey).catch(() => undefined);
  }

  private async startTorrent(init: TorrentInit, paused: boolean): Promise<Torrent> {
    const { torrent, started } = this.registerTorrent(init, paused);
    await started;
    return torrent;
  }

  /** Puts the torrent in the list (now) and starts it (`started`). */
  private registerTorrent(init: TorrentInit, paused: boolean): { torrent: Torrent; started: Promise<void> } {
    const torrent = new Torrent(init, this.context());
    this.torrents.set(torrent.infoHash, torrent);
    this.orderedTorrents = null;
    this.queueOrder.push(torrent.infoHash);
    // A restored torrent keeps its recorded position until restore() has sorted the queue.
    if (!init.resume) torrent.queuePosition = this.queueOrder.length;
    // With the queue on, a new torrent waits for the policy's verdict instead of starting and being stopped.
    if (this.policy.queue.enabled) torrent.setQueued(true);
    torrent.on('state', this.scheduleOnStateChange);
    this.emit('added', torrent.infoHash);
    this.policy.schedule();
    const started = torrent.start(paused).then(() => this.reach?.torrentStarted(torrent));
    return { torrent, started };
  }

  /**
   * Starts every torrent recorded in the state folder, as it was (paused ones stay paused).
   * Several at a time (reading records, parsing, checking files are mostly waiting on the
   * disk: 10,000 one after another took 13 s), registered in the folder's order whatever
   * order they load in.
   */
  async restore(): Promise<void> {
    const store = this.store;
    if (!store) return;
    const recorded = new Map<string, number>();
    const infoHashes = await store.list();
    // registered[i] settles once torrent i is in the list (or skipped): torrent i + 1 waits for it.
    const registered: Array<Promise<void>> = [];
    const done: Array<() => void> = [];
    for (let i = 0; i < infoHashes.length; i++) registered.push(new Promise<void>((resolve) => done.push(resolve)));
    await forEachBounded(infoHashes.length, RESTORE_CONCURRENCY, async (i) => {
      const infoHash = infoHashes[i]!;
      let starting: Promise<void> | null = null;
      try {
        const init = this.torrents.has(infoHash) ? null : await this.restorable(store, infoHash);
        if (i > 0) await registered[i - 1];
        // Two records of one torrent (under two of its hashes, left by an older version): the first runs.
        const twin = init && !this.torrents.has(infoHash) ? this.torrents.same(infoHash, init.hashes) : undefined;
        if (twin) this.warn(`state folder: ${infoHash} is the same torrent as ${twin.infoHash}; skipped`);
        if (init && !twin && !this.closed && !this.torrents.has(infoHash)) {
          recorded.set(infoHash, init.init.resume?.queuePosition || Number.MAX_SAFE_INTEGER);
          const { torrent, started } = this.registerTorrent(init.init, init.paused);
          torrent.addPeers(init.peers, MAGNET_SOURCE);
          starting = started;
        }
      } catch (err) {
        this.warn(`state folder: ${infoHash}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        done[i]!();
      }
      try {
        await starting;
      } catch (err) {
        this.warn(`state folder: ${infoHash}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    // The queue as it was: by recorded position (stable: torrents without one keep their place at the end).
    const at = (h: string): number => recorded.get(h) ?? Number.MAX_SAFE_INTEGER;
    this.orderedTorrents = null;
    this.queueOrder = this.queueOrder.map((h, i) => ({ h, i })).sort((a, b) => at(a.h) - at(b.h) || a.i - b.i).map((e) => e.h);
    this.renumberQueue();
    this.policy.applyQueue();
  }

  /** What restoring one torrent of the state folder needs, or null (and a warning) when it cannot be. */
  private async restorable(store: StateStore, infoHash: string): Promise<{ init: TorrentInit; hashes: InfoHashes; paused: boolean; peers: PeerAddress[] } | null> {
    const stored = await store.load(infoHash);
    const savePath = stored.resume?.savePath ?? path.resolve(this.options.downloadDir);
    const parsed = stored.torrent
      ? await initFromTorrent(stored.torrent, savePath)
      : stored.resume?.magnet
        ? initFromMagnet(stored.resume.magnet, savePath)
        : null;
    // Kept under the hash it was added with: a v2 magnet's metadata may have told a v1 hash since.
    const key = Buffer.from(infoHash, 'hex');
    if (!parsed || !(parsed.infoHash.equals(key) || wireHashes(parsed.hashes).some((h) => h.equals(key)))) {
      this.warn(`state folder: ${infoHash} has no usable .torrent or magnet; skipped`);
      return null;
    }
    return {
      init: { ...parsed, infoHash: key, resume: stored.resume, store, magnetUri: stored.resume?.magnet ?? null },
      hashes: parsed.hashes,
      paused: stored.resume?.paused ?? false,
      peers: parsed.peers,
    };
  }

  get(infoHash: string): EngineTorrent | undefined {
    const key = infoHash.toLowerCase();
    return this.torrents.get(key) ?? (/^[0-9a-f]{40}$/.test(key) ? this.torrents.byWireHash(Buffer.from(key, 'hex')) : undefined);
  }

  list(): EngineTorrent[] {
    return [...this.torrents.values()];
  }

  async remove(infoHash: string, options: { deleteData: boolean }): Promise<void> {
    const torrent = this.torrents.get(infoHash.toLowerCase());
    if (!torrent) return;
    this.torrents.delete(torrent.infoHash);
    this.orderedTorrents = null;
    this.queueOrder = this.queueOrder.filter((h) => h !== torrent.infoHash);
    this.policy.forget(torrent);
    this.renumberQueue();
    await torrent.stop();
    await this.store?.remove(torrent.infoHash);
    if (options.deleteData) await torrent.storageToDelete?.deleteFiles();
    this.emit('removed', torrent.infoHash);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener.close();
    await this.utp?.close();
    await this.policy.stop();
    await this.reach?.close();
    await Promise.all([...this.torrents.values()].map((t) => t.stop()));
    this.trackerClient.close();
    await this.dht?.close();
    await this.disk.close();
    this.intervals.close();
  }

  private routeIncoming(socket: net.Socket, hello: IncomingHello): void {
    const torrent = this.torrents.byWireHash(hello.handshake.infoHash);
    if (!torrent) {
      socket.destroy();
      return;
    }
    torrent.acceptIncoming(socket, hello);
    this.reach?.incomingAccepted();
  }

  /**
   * A magnet's metadata told it its other hash: a second magnet of the same torrent, added by
   * that hash, is now known to be a duplicate. libtorrent fails both (torrent_conflict_alert);
   * here the one without metadata goes, its trackers merged into the one that has it.
   */
  private hashesLearned(torrent: Torrent): void {
    this.torrents.reindex(torrent);
    const other = this.torrents.same(torrent.infoHash, torrent.infoHashes, torrent);
    if (!other || this.torrents.get(torrent.infoHash) !== torrent) return;
    const [keep, drop] = other.meta ? [other, torrent] : [torrent, other];
    keep.addTrackers(drop.trackerTierList);
    this.warn(`${keep.name}: the magnet ${drop.infoHash} is the same torrent; it was removed`);
    void this.remove(drop.infoHash, { deleteData: false });
  }

  /**
   * Keeps a copy of the .torrent in the state folder, for restarts. A state folder that cannot
   * take it (full, read-only) costs only that: the torrent is added and runs, with a warning,
   * as qBittorrent does; it is not restored after a restart.
   */
  private async keepTorrentFile(infoHash: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.store?.saveTorrent(infoHash, bytes);
    } catch (err) {
      this.warn(`cannot keep a copy of torrent ${infoHash} in the state folder ${this.store?.root ?? ''} (${errorText(err)}): it will not be restored after a restart`);
    }
  }

  private warn(message: string): void {
    this.emit('warning', message);
  }
}

/** Only the four switches, each a boolean (a caller's object may carry more). */
function pickSwitches(switches: Partial<PeerSourceSwitches>): Partial<PeerSourceSwitches> {
  const out: Partial<PeerSourceSwitches> = {};
  for (const key of ['dht', 'pex', 'lsd', 'portMapping'] as const) if (typeof switches[key] === 'boolean') out[key] = switches[key];
  return out;
}

type ParsedSource = Omit<TorrentInit, 'resume' | 'store' | 'magnetUri' | 'hashes'> & { peers: PeerAddress[]; hashes: InfoHashes; ignored?: string[] };

/** Parsed in chunks: a .torrent of 100,000 files must not hold the event loop for seconds. */
async function initFromTorrent(bytes: Uint8Array, savePath: string, parsed?: Metainfo): Promise<ParsedSource> {
  const meta = parsed ?? (await parseTorrentInputAsync(bytes));
  return { infoHash: meta.infoHash, hashes: hashesOfMeta(meta), meta, name: meta.name, trackers: meta.announce, savePath, selectOnly: null, peers: [] };
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
    hashes: hashesOfMagnet(magnet.infoHash, magnet.infoHashV2),
    meta: null,
    name: magnet.name,
    // Each magnet `tr` is its own tier, as libtorrent and qBittorrent treat them.
    trackers: magnet.trackers.map((url) => [url]),
    ignored: magnet.ignored,
    savePath,
    selectOnly: magnet.selectOnly,
    peers: magnet.peers,
    webSeeds: magnet.webSeeds,
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

/** Torrents of the state folder being loaded and started at once (restore). */
const RESTORE_CONCURRENCY = 16;

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
