import net from 'node:net';
import type {
  EncryptionMode,
  EngineTorrent,
  FilePriority,
  FileStats,
  PeerAddress,
  PeerStats,
  TorrentEvents,
  TorrentInfo,
  TorrentState,
  TorrentStats,
  TrackerStats,
} from '../api.js';
import { parseInfoDictionary, type Metainfo } from '../metainfo/index.js';
import { PeerConnection } from '../peer/peer-connection.js';
import type { PeerHandler } from '../peer/peer-handler.js';
import { describeClose, isRoutineClose, type CloseReason } from '../peer/close-reason.js';
import { Announcer, type AnnounceClient } from '../tracker/index.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { takeAll, TokenBucket } from '../util/token-bucket.js';
import type { DiskWorkers } from '../storage/disk-workers.js';
import { encode } from '../bencode/index.js';
import type { ResumeData } from '../resume/resume-data.js';
import type { StateStore } from '../resume/state-store.js';
import * as msg from '../wire/encode.js';
import { encodeExtensionHandshake, LOCAL_EXTENSIONS } from '../wire/extension-handshake.js';
import type { IncomingHello } from '../wire/handshake.js';
import { CRYPTO_RC4, type MseResult, type PeerCipher } from '../wire/mse/mse-common.js';
import { MseInitiator } from '../wire/mse/mse-initiator.js';
import { decodeMetadataMessage, encodeMetadataData, encodeMetadataReject, METADATA_PIECE_SIZE } from '../wire/ut-metadata.js';
import { MetadataFetcher } from './metadata-fetcher.js';
import { PeerCandidates } from './peer-candidates.js';
import { PeerExchange } from './pex.js';
import { errorText, MAX_QUEUED_UPLOAD_REQUESTS, Transfer, type TransferHost } from './transfer.js';

/** The DHT as a torrent uses it (the session owns the node). */
export interface TorrentDht {
  getPeers(infoHash: Uint8Array): AsyncGenerator<PeerAddress, void, undefined>;
  announce(infoHash: Uint8Array, port: number): Promise<{ peers: PeerAddress[] }>;
}

/** What a torrent needs from its session. */
export interface TorrentContext {
  readonly peerId: Buffer;
  readonly listenPort: number;
  readonly clientName: string;
  /** One read buffer shared by all outgoing sockets (reads are synchronous: never held across calls). */
  readonly readBuffer: Buffer;
  readonly maxPeers: number;
  /** How peers are dialled: see EncryptionMode. */
  readonly encryption: EncryptionMode;
  readonly dht: TorrentDht | null;
  readonly trackerClient: AnnounceClient | null;
  /** Session-wide rate limits. */
  readonly globalDownloadLimit: TokenBucket;
  readonly globalUploadLimit: TokenBucket;
  readonly disk: DiskWorkers;
  warn(message: string): void;
  /** True for an address that is this session's own listening socket (PEX and trackers may hand it back). */
  isOwnAddress?(address: PeerAddress): boolean;
}

/** How a torrent starts: from a .torrent (meta) or a magnet (hash, name, trackers, peers). */
export interface TorrentInit {
  infoHash: Buffer;
  meta: Metainfo | null;
  name: string | null;
  trackers: string[][];
  savePath: string;
  /** BEP 53 `so`: only these files are wanted (others skipped) once the metadata is known. */
  selectOnly: number[] | null;
  /** Fast-resume record from the state folder, if any. */
  resume: ResumeData | null;
  /** Where to keep the resume record (and fetched metadata); null = nothing persisted. */
  store: StateStore | null;
  /** The magnet this torrent came from, kept until the metadata is saved. */
  magnetUri: string | null;
}

const CONNECT_TIMEOUT_MS = 10_000;
/** Resume data is saved at least this often while the torrent runs (and on pause, stop, completion). */
const RESUME_SAVE_INTERVAL_MS = 30_000;
const DHT_LOOKUP_INTERVAL_MS = 5 * 60_000;

/**
 * One torrent as the outside world sees it (EngineTorrent) and as its peers see it
 * (PeerHandler). It owns connections, trackers, DHT lookups, peer exchange and the
 * metadata phase of a magnet; everything about pieces happens in its Transfer, which
 * exists once the metadata is known.
 */
export class Torrent extends TypedEmitter<TorrentEvents> implements EngineTorrent, PeerHandler, TransferHost {
  readonly infoHash: string;
  readonly infoHashBytes: Buffer;
  readonly savePath: string;
  meta: Metainfo | null;
  transfer: Transfer | null = null;
  /** The transfer whose data is being checked at start, so stats() shows the check advancing. */
  private checking: Transfer | null = null;
  private readonly peersById = new Map<string, PeerConnection>();
  private readonly connecting = new Set<string>();
  private readonly candidates = new PeerCandidates();
  private readonly dialledAddress = new WeakMap<PeerConnection, PeerAddress>();
  private readonly pex = new PeerExchange((p) => this.reachableAddress(p));
  private fetcher: MetadataFetcher | null = null;
  private announcer: Announcer | null = null;
  private trackerTiers: string[][];
  private readonly selectOnly: number[] | null;
  private stateValue: TorrentState;
  private errorMessage: string | null = null;
  private timers: NodeJS.Timeout[] = [];
  private running = false;
  private sequentialWanted = false;
  private firstLastFirst = false;
  private halting: Promise<void> = Promise.resolve();
  private completedAtValue: number | null = null;
  private readonly addedAt: number;
  private readonly fallbackName: string;
  private readonly store: StateStore | null;
  private resumeInit: ResumeData | null;
  private readonly magnetUri: string | null;
  private previousUploaded: number;
  private previousDownloaded: number;
  private saving: Promise<void> = Promise.resolve();
  private readonly ownDownloadLimit = new TokenBucket();
  private readonly ownUploadLimit = new TokenBucket();

  constructor(init: TorrentInit, private readonly ctx: TorrentContext) {
    super();
    this.infoHashBytes = init.infoHash;
    this.infoHash = init.infoHash.toString('hex');
    this.meta = init.meta;
    this.savePath = init.savePath;
    this.trackerTiers = init.trackers;
    this.selectOnly = init.selectOnly;
    this.fallbackName = init.name ?? this.infoHash;
    this.stateValue = init.meta ? 'checking' : 'metadata';
    this.store = init.store;
    this.resumeInit = init.resume;
    this.magnetUri = init.magnetUri;
    this.addedAt = init.resume?.addedAt ?? Date.now();
    this.completedAtValue = init.resume?.completedAt ?? null;
    this.sequentialWanted = init.resume?.sequential ?? false;
    this.firstLastFirst = init.resume?.firstLastPiecesFirst ?? false;
    this.ownDownloadLimit.setRate(init.resume?.downloadLimit ?? 0);
    this.ownUploadLimit.setRate(init.resume?.uploadLimit ?? 0);
    this.previousUploaded = init.resume?.uploaded ?? 0;
    this.previousDownloaded = init.resume?.downloaded ?? 0;
  }

  get pieceCount(): number {
    return this.transfer?.pieceCount ?? 0;
  }

  get state(): TorrentState {
    return this.stateValue;
  }

  get name(): string {
    return this.meta?.name ?? this.fallbackName;
  }

  /** Peers that delivered at least one good block during this session. */
  get dataPeerCount(): number {
    return this.transfer?.peersThatSentData.size ?? 0;
  }

  private get isPrivate(): boolean {
    return this.meta?.private ?? false;
  }

  // --- lifecycle ------------------------------------------------------------------------

  /** Prepares storage (when the metadata is known), then starts finding and dialling peers. */
  async start(paused = false): Promise<void> {
    if (this.meta && !(await this.attachMetadata(this.meta))) return;
    if (paused) return this.setState('paused');
    this.run();
  }

  private run(): void {
    this.running = true;
    this.transfer?.setActive(true);
    this.setState(this.currentActiveState());
    if (this.transfer?.finished && this.completedAtValue === null) this.completedAtValue = Date.now();
    this.timers.push(setInterval(() => this.tick(), 1000));
    if (this.store) this.timers.push(setInterval(() => void this.saveResume(), RESUME_SAVE_INTERVAL_MS));
    this.startAnnouncer();
    this.startDhtLookups();
    this.connectMore();
  }

  private currentActiveState(): TorrentState {
    if (!this.transfer) return 'metadata';
    return this.transfer.finished ? 'seeding' : 'downloading';
  }

  async pause(): Promise<void> {
    if (this.stateValue === 'paused') return;
    await this.halt('paused');
    this.setState('paused');
    await this.transfer?.drain();
    await this.saveResume();
  }

  async resume(): Promise<void> {
    if (this.running) return;
    if (this.stateValue === 'error') {
      this.errorMessage = null;
      // The cause may be fixed (disk space freed, folder back): prepare storage again. When the
      // data failed under a working transfer (a file truncated or deleted while seeding), what
      // is on disk is checked again rather than trusted.
      if (this.meta && !(await (this.transfer ? this.rebuildTransfer() : this.attachMetadata(this.meta)))) return;
    }
    this.run();
  }

  /** Closes every connection, says goodbye to trackers and stops timers. Data stays. */
  async stop(): Promise<void> {
    const wasPaused = this.stateValue === 'paused';
    await this.halt('torrent stopped');
    await this.transfer?.drain();
    await this.transfer?.storage.close();
    await this.saveResume(wasPaused);
  }

  /** Writes the fast-resume record (atomically) to the state folder, if there is one. */
  saveResume(paused = this.stateValue === 'paused'): Promise<void> {
    const store = this.store;
    if (!store) return Promise.resolve();
    // One save at a time, in order: a slow older save must never overwrite a newer one.
    this.saving = this.saving.then(async () => {
      const record = this.transfer ? await this.transfer.resumeRecord() : { have: Buffer.alloc(0), pieceCount: 0, filePriorities: [], files: [] };
      await store.saveResume({
        ...record,
        infoHash: this.infoHash,
        savePath: this.savePath,
        uploaded: this.previousUploaded + (this.transfer?.uploadedBytes ?? 0),
        downloaded: this.previousDownloaded + (this.transfer?.downloadedBytes ?? 0),
        addedAt: this.addedAt,
        completedAt: this.completedAtValue,
        paused,
        sequential: this.sequentialWanted,
        firstLastPiecesFirst: this.firstLastFirst,
        downloadLimit: this.ownDownloadLimit.limit,
        uploadLimit: this.ownUploadLimit.limit,
        magnet: this.meta ? null : this.magnetUri,
      });
    }).catch((err: unknown) => this.ctx.warn(`${this.name}: saving resume data failed: ${errorText(err)}`));
    return this.saving;
  }

  /** Resolves once every halt so far has told the trackers (so stop() after fatal() waits too). */
  private halt(detail: string): Promise<void> {
    this.running = false;
    this.transfer?.setActive(false);
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const peer of [...this.peersById.values()]) peer.close({ kind: 'torrent-stopped', detail });
    const announcer = this.announcer;
    this.announcer = null;
    if (announcer) {
      const stopped = announcer
        .stop()
        .catch(() => undefined)
        .then(() => announcer.destroy());
      this.halting = Promise.all([this.halting, stopped]).then(() => undefined);
    }
    return this.halting;
  }

  fatal(message: string): void {
    this.errorMessage = message;
    void this.halt(message);
    this.setState('error');
    this.emit('error', message);
    this.ctx.warn(`${this.name}: ${message}`);
  }

  private setState(state: TorrentState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit('state', state);
  }

  // --- metadata ---------------------------------------------------------------------------

  /**
   * Creates the transfer for known metadata and checks existing data. False on a storage error.
   * @param priorities file priorities to keep (a recheck): set before the check, which reads
   *                   skipped files' shares from the part file.
   */
  private async attachMetadata(meta: Metainfo, priorities: readonly FilePriority[] | null = null): Promise<boolean> {
    this.meta = meta;
    const transfer = new Transfer(meta, this.savePath, this);
    if (priorities) {
      priorities.forEach((p, i) => transfer.setFilePriority(i, p));
    } else if (this.selectOnly) {
      const wanted = new Set(this.selectOnly);
      meta.files.forEach((_, i) => wanted.has(i) || transfer.setFilePriority(i, 0));
    }
    transfer.picker.sequential = this.sequentialWanted;
    transfer.setFirstLastPiecesFirst(this.firstLastFirst);
    try {
      this.checking = transfer;
      await transfer.prepare(() => this.setState('checking'), this.resumeInit);
      this.resumeInit = null;
    } catch (err) {
      this.fatal(`cannot use the save folder: ${errorText(err)}`);
      return false;
    } finally {
      this.checking = null;
    }
    this.transfer = transfer;
    if (this.trackerTiers.length === 0 || meta.announce.length > 0) this.trackerTiers = mergeTiers(meta.announce, this.trackerTiers);
    return true;
  }

  private async metadataArrived(info: Buffer): Promise<void> {
    let meta: Metainfo;
    try {
      meta = parseInfoDictionary(info);
    } catch (err) {
      return this.fatal(`the metadata peers sent is not a valid torrent: ${errorText(err)}`);
    }
    this.fetcher = null;
    if (!(await this.attachMetadata(meta))) return;
    await this.store?.saveTorrent(this.infoHash, torrentFileFromInfo(info, this.trackerTiers)).catch((err: unknown) =>
      this.ctx.warn(`${this.name}: saving metadata failed: ${errorText(err)}`),
    );
    this.emit('metadata');
    const transfer = this.transfer!;
    transfer.setActive(this.running);
    for (const peer of [...this.peersById.values()]) transfer.adoptPeer(peer);
    this.setState(this.running ? this.currentActiveState() : this.stateValue);
    if (transfer.finished) this.finished();
  }

  // --- trackers and DHT --------------------------------------------------------------------

  private startAnnouncer(): void {
    if (this.announcer || this.trackerTiers.length === 0) return;
    const announcer = new Announcer(
      {
        infoHash: this.infoHashBytes,
        peerId: this.ctx.peerId,
        port: this.ctx.listenPort,
        getStats: () => ({
          uploaded: this.transfer?.uploadedBytes ?? 0,
          downloaded: this.transfer?.downloadedBytes ?? 0,
          // Without metadata we do not know what is left; 0 would claim we are a seed.
          left: this.transfer ? this.transfer.leftBytes() : METADATA_PIECE_SIZE,
        }),
      },
      { tiers: this.trackerTiers, ...(this.ctx.trackerClient ? { client: this.ctx.trackerClient } : {}) },
    );
    announcer.on('peers', (peers) => this.addPeers(peers));
    announcer.on('warning', (url, message) => this.ctx.warn(`tracker ${url}: ${message}`));
    this.announcer = announcer;
    announcer.start();
    if (this.transfer?.finished) announcer.completed();
  }

  private startDhtLookups(): void {
    const dht = this.ctx.dht;
    if (!dht || this.isPrivate) return;
    // First: stream peers as the lookup finds them (a magnet wants its first peer soon), then
    // announce. Later rounds only announce: announce runs the same get_peers lookup itself.
    const first = async (): Promise<void> => {
      for await (const peer of dht.getPeers(this.infoHashBytes)) {
        if (!this.running) return;
        this.addPeers([peer]);
      }
      await announce();
    };
    const announce = async (): Promise<void> => {
      if (!this.running) return;
      const result = await dht.announce(this.infoHashBytes, this.ctx.listenPort);
      if (this.running) this.addPeers(result.peers);
    };
    const report = (err: unknown): void => this.ctx.warn(`DHT lookup: ${errorText(err)}`);
    first().catch(report);
    this.timers.push(setInterval(() => announce().catch(report), DHT_LOOKUP_INTERVAL_MS));
  }

  // --- peers: connecting ------------------------------------------------------------------

  addPeers(peers: PeerAddress[]): void {
    let added = false;
    // libtorrent's PEX lists the recipient too, and trackers or the DHT may: never dial ourselves.
    for (const p of peers) if (!this.ctx.isOwnAddress?.(p)) added = this.candidates.add(p) || added;
    if (added) this.connectMore();
  }

  private get connectionCount(): number {
    return this.peersById.size + this.connecting.size;
  }

  private connectMore(): void {
    if (!this.running) return;
    if (this.transfer?.finished && this.stateValue === 'seeding' && this.peersById.size > 0) return;
    // Peers connected already (e.g. they dialled us and told their listen port): not again.
    const connected = new Set<string>();
    for (const peer of this.peersById.values()) {
      const address = this.reachableAddress(peer);
      if (address) connected.add(PeerCandidates.key(address));
    }
    const toDial: PeerAddress[] = [];
    for (const address of this.candidates.ready(Date.now())) {
      if (this.connectionCount + toDial.length >= this.ctx.maxPeers) break;
      if (!connected.has(PeerCandidates.key(address))) toDial.push(address);
    }
    for (const address of toDial) this.dial(address);
  }

  private dial(address: PeerAddress): void {
    const key = PeerCandidates.key(address);
    this.candidates.markConnecting(address);
    this.connecting.add(key);
    let peer: PeerConnection | null = null;
    let mse = this.mseFor(address);
    const socket: net.Socket = net.connect({
      host: address.host,
      port: address.port,
      onread: {
        buffer: this.ctx.readBuffer,
        callback: (n: number, buf: Uint8Array): boolean => {
          const chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
          if (mse) {
            this.continueMse(socket, mse, chunk, (result) => {
              mse = null;
              handOver(result);
            });
          } else peer?.receive(chunk);
          return this.throttleDownload(socket, n);
        },
      },
    });
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error('connect timeout')));
    // Until a PeerConnection owns the socket, a failure is accounted for here, once.
    let settled = false;
    const onEarlyError = (err: Error): void => {
      if (settled) return;
      settled = true;
      this.connecting.delete(key);
      // An MSE dial that fails under 'allow' goes back to plain (PeerCandidates counts the failure).
      if (mse && this.ctx.encryption === 'allow') this.candidates.handshakeRefused(address);
      else this.candidates.markDisconnected(address, true);
      this.ctx.warn(`${key}: ${err.message}`);
    };
    const onEarlyClose = (): void => onEarlyError(new Error(mse ? 'closed during the MSE handshake' : 'closed before connecting'));
    const handOver = (result: MseResult | null): void => {
      settled = true;
      this.connecting.delete(key);
      socket.off('error', onEarlyError);
      socket.off('close', onEarlyClose);
      socket.setTimeout(0);
      peer = this.openDialled(socket, key, address, result);
    };
    socket.on('error', onEarlyError);
    socket.on('close', onEarlyClose);
    socket.once('connect', () => {
      if (!this.running) {
        settled = true;
        this.connecting.delete(key);
        socket.destroy();
        this.candidates.markDisconnected(address, false);
        return;
      }
      // The MSE handshake must finish within the connect timeout, which keeps running.
      if (mse) socket.write(mse.hello());
      else handOver(null);
    });
  }

  /** The MSE handshake to open a dial with, if any (see EncryptionMode and PeerCandidates). */
  private mseFor(address: PeerAddress): MseInitiator | null {
    const mode = this.ctx.encryption;
    if (mode === 'require') return new MseInitiator(this.infoHashBytes, CRYPTO_RC4);
    // 'allow': peers that hung up on a plain handshake are dialled with MSE.
    if (mode === 'allow' && this.candidates.wantsEncryption(address)) return new MseInitiator(this.infoHashBytes);
    return null;
  }

  /** Feeds an outgoing MSE handshake; on success `opened` gets its result, on failure the socket closes. */
  private continueMse(socket: net.Socket, mse: MseInitiator, chunk: Buffer, opened: (result: MseResult) => void): void {
    const step = mse.push(chunk);
    if (step.kind === 'failed') {
      socket.destroy(new Error(step.reason));
      return;
    }
    if (step.send) socket.write(step.send);
    if (step.kind === 'done') opened(step.result);
  }

  /** The TCP connection (and MSE handshake, if any) to a dialled peer is up: start BitTorrent. */
  private openDialled(socket: net.Socket, key: string, address: PeerAddress, mse: MseResult | null): PeerConnection {
    const peer = this.createPeer(socket, key, false, mse ? { cipher: mse.cipher, encrypted: true } : undefined);
    this.dialledAddress.set(peer, address);
    peer.start();
    if (mse && mse.payload.length > 0) peer.receiveDecrypted(mse.payload);
    return peer;
  }

  /** A peer dialled us and its handshake named this torrent (the session routed it here). */
  acceptIncoming(socket: net.Socket, hello: IncomingHello): void {
    if (!this.running || this.peersById.size >= this.ctx.maxPeers) {
      socket.destroy();
      return;
    }
    const host = socket.remoteAddress ?? '?';
    const address = host.includes(':') ? `[${host}]:${socket.remotePort ?? 0}` : `${host}:${socket.remotePort ?? 0}`;
    const peer = this.createPeer(socket, address, true, hello);
    socket.on('data', (chunk: Buffer) => {
      peer.receive(chunk);
      if (!this.throttleDownload(socket, chunk.length)) socket.pause();
    });
    peer.start(hello.handshake, hello.leftover);
  }

  private createPeer(socket: net.Socket, address: string, incoming: boolean, mse?: { cipher: PeerCipher | null; encrypted: boolean }): PeerConnection {
    return new PeerConnection(socket, this, {
      infoHash: this.infoHashBytes,
      ourPeerId: this.ctx.peerId,
      incoming,
      address,
      opening: (p) => this.sendOpening(p),
      cipher: mse?.cipher ?? null,
      encrypted: mse?.encrypted ?? false,
    });
  }

  private sendOpening(peer: PeerConnection): void {
    if (peer.supportsExtensions) {
      const hs = encodeExtensionHandshake({
        listenPort: this.ctx.listenPort,
        client: this.ctx.clientName,
        reqq: MAX_QUEUED_UPLOAD_REQUESTS,
        ...(this.meta ? { metadataSize: this.meta.infoBytes.length } : {}),
        uploadOnly: this.transfer?.finished ?? false,
        pex: !this.isPrivate,
      });
      peer.send(msg.extended(0, hs));
    }
    if (this.transfer) this.transfer.sendHave(peer);
    else if (peer.supportsFast) peer.send(msg.haveNone());
  }

  /** Where other peers can reach this one: the address we dialled, or its IP + advertised listen port. */
  private reachableAddress(peer: PeerConnection): PeerAddress | null {
    const dialled = this.dialledAddress.get(peer);
    if (dialled) return dialled;
    const port = peer.extensions?.listenPort;
    const host = peer.address.startsWith('[') ? peer.address.slice(1, peer.address.lastIndexOf(']')) : peer.address.split(':')[0];
    return port && host ? { host, port } : null;
  }

  /**
   * Download rate limit: after reading `bytes`, pause the socket for as long as the buckets
   * say (TCP flow control then slows the sender). Returns false when the socket was paused.
   */
  private throttleDownload(socket: net.Socket, bytes: number): boolean {
    const wait = takeAll(this.downloadLimits, bytes);
    if (wait === 0) return true;
    socket.pause();
    setTimeout(() => socket.destroyed || socket.resume(), wait).unref();
    return false;
  }

  private get downloadLimits(): TokenBucket[] {
    return [this.ownDownloadLimit, this.ctx.globalDownloadLimit];
  }

  get disk(): DiskWorkers {
    return this.ctx.disk;
  }

  get uploadLimits(): TokenBucket[] {
    return [this.ownUploadLimit, this.ctx.globalUploadLimit];
  }

  /** Per-torrent limits in bytes per second; 0 = unlimited. */
  setRateLimits(limits: { download?: number; upload?: number }): void {
    if (limits.download !== undefined) this.ownDownloadLimit.setRate(limits.download);
    if (limits.upload !== undefined) this.ownUploadLimit.setRate(limits.upload);
    void this.saveResume();
  }

  rateLimits(): { download: number; upload: number } {
    return { download: this.ownDownloadLimit.limit, upload: this.ownUploadLimit.limit };
  }

  connectedPeers(): Iterable<PeerConnection> {
    return this.peersById.values();
  }

  // --- PeerHandler ------------------------------------------------------------------------

  peerReady(peer: PeerConnection): void {
    for (const other of this.peersById.values()) {
      if (other.remotePeerId && peer.remotePeerId && other.remotePeerId.equals(peer.remotePeerId)) {
        peer.close({ kind: 'duplicate' });
        return;
      }
    }
    this.peersById.set(peer.id, peer);
  }

  peerBitfield(peer: PeerConnection): void {
    this.transfer?.peerBitfield(peer);
  }

  peerHave(peer: PeerConnection, index: number): void {
    this.transfer?.peerHave(peer, index);
  }

  peerChoked(peer: PeerConnection): void {
    this.transfer?.peerChoked(peer);
  }

  peerUnchoked(peer: PeerConnection): void {
    this.transfer?.peerUnchoked(peer);
  }

  peerInterest(peer: PeerConnection, interested: boolean): void {
    this.transfer?.peerInterest(peer, interested);
  }

  blockStart(peer: PeerConnection, index: number, begin: number, length: number): boolean {
    if (this.transfer) return this.transfer.blockStart(peer, index, begin, length);
    peer.violation('sent a piece before we could have requested one');
    return false;
  }

  blockData(peer: PeerConnection, bytes: Buffer, offsetInBlock: number): void {
    this.transfer?.blockData(peer, bytes, offsetInBlock);
  }

  blockEnd(peer: PeerConnection): void {
    this.transfer?.blockEnd(peer);
  }

  peerRequest(peer: PeerConnection, index: number, begin: number, length: number): void {
    if (this.transfer) this.transfer.peerRequest(peer, index, begin, length);
    else if (peer.supportsFast) peer.send(msg.rejectRequest(index, begin, length));
  }

  peerCancel(peer: PeerConnection, index: number, begin: number, _length: number): void {
    this.transfer?.peerCancel(peer, index, begin);
  }

  peerReject(peer: PeerConnection, index: number, begin: number, _length: number): void {
    this.transfer?.peerReject(peer, index, begin);
  }

  peerAllowedFast(_peer: PeerConnection, _index: number): void {}

  peerSuggest(_peer: PeerConnection, _index: number): void {}

  peerExtensionHandshake(peer: PeerConnection): void {
    if (!this.meta) {
      this.fetcher ??= new MetadataFetcher(this.infoHashBytes, (info) => void this.metadataArrived(info));
      this.fetcher.peerReady(peer);
    }
    if (!this.isPrivate) this.pex.sendTo(peer, this.peersById.values());
  }

  peerExtended(peer: PeerConnection, localId: number, payload: Buffer): void {
    if (localId === LOCAL_EXTENSIONS.ut_metadata) return this.onMetadataMessage(peer, payload);
    if (localId === LOCAL_EXTENSIONS.ut_pex && !this.isPrivate) this.addPeers(this.pex.receive(peer, payload));
  }

  private onMetadataMessage(peer: PeerConnection, payload: Buffer): void {
    const message = decodeMetadataMessage(payload);
    if (typeof message === 'string') return peer.close({ kind: 'bad-metadata', detail: `bad ut_metadata message: ${message}` });
    if (message.type !== 'request') return this.fetcher?.onMessage(peer, message);
    const remoteId = peer.extensions?.ids.get('ut_metadata');
    if (!remoteId) return;
    const info = this.meta?.infoBytes;
    const start = message.piece * METADATA_PIECE_SIZE;
    if (!info || start >= info.length) return peer.send(msg.extended(remoteId, encodeMetadataReject(message.piece)));
    const data = info.subarray(start, Math.min(info.length, start + METADATA_PIECE_SIZE));
    peer.send(msg.extended(remoteId, encodeMetadataData(message.piece, info.length, data)));
  }

  peerClosed(peer: PeerConnection, reason: CloseReason): void {
    const known = this.peersById.delete(peer.id);
    if (known) this.transfer?.peerGone(peer);
    this.fetcher?.peerGone(peer);
    const address = this.dialledAddress.get(peer);
    const hungUp = reason.kind === 'remote-closed';
    // An address that turned out to be us (e.g. our public address, handed back by a peer) is never dialled again.
    if (address && (peer.violated || reason.kind === 'self')) this.candidates.ban(address);
    // Hung up on our plain handshake without answering: it may require encryption.
    else if (address && !peer.remote && !peer.encrypted && this.ctx.encryption === 'allow' && hungUp) {
      this.candidates.handshakeRefused(address);
    }
    else if (address) this.candidates.markDisconnected(address, !known || (peer.blocksReceived === 0 && !hungUp));
    if (known && !isRoutineClose(reason)) this.ctx.warn(`${peer.address}: ${describeClose(reason)}`);
    if (this.running) setTimeout(() => this.connectMore(), 100).unref();
  }

  // --- TransferHost -------------------------------------------------------------------------

  blockArrived(index: number, received: number, total: number): void {
    this.emit('block', index, received, total);
  }

  pieceChecked(index: number, ok: boolean): void {
    this.emit('piece', index, ok);
  }

  finished(): void {
    // A file replaced on disk since it was written to lost what was verified in it: check again instead.
    const replaced = this.transfer?.storage.replacedFiles() ?? [];
    if (replaced.length > 0) return void this.recheckReplaced(replaced);
    this.completedAtValue = Date.now();
    if (this.running) this.setState('seeding');
    this.announcer?.completed();
    void this.transfer?.storage
      .close()
      .then(() => this.saveResume())
      .finally(() => this.emit('done'));
  }

  /** Files renamed over or deleted while downloading (Storage.replacedFiles): hash what is on disk, fetch what is missing. */
  private async recheckReplaced(files: number[]): Promise<void> {
    this.ctx.warn(`${this.name}: ${files.map((i) => this.meta?.files[i]?.path).join(', ')} changed on disk while downloading; checking the data again`);
    await Promise.resolve(); // out of the transfer's call stack that declared it finished
    await this.recheck();
    if (!this.transfer?.finished || this.stateValue === 'error') return;
    // The check just hashed what is on disk: all there. Not asked again (a file system whose
    // inode numbers drift would otherwise recheck forever).
    this.transfer.storage.replacedFiles();
    this.finished();
  }

  ban(peer: PeerConnection): void {
    const address = this.reachableAddress(peer);
    if (address) this.candidates.ban(address);
    this.ctx.warn(`${peer.address}: banned after ${peer.hashFailures} pieces failed their hash check`);
    peer.close({ kind: 'banned', detail: 'sent data that failed the hash check' });
  }

  warn(message: string): void {
    this.ctx.warn(message);
  }

  // --- periodic ---------------------------------------------------------------------------

  private tick(): void {
    this.transfer?.tick();
    this.fetcher?.tick();
    this.sendPex();
    this.connectMore();
  }

  private sendPex(): void {
    if (this.isPrivate) return;
    const now = Date.now();
    for (const peer of this.peersById.values()) if (this.pex.due(peer, now)) this.pex.sendTo(peer, this.peersById.values());
  }

  // --- snapshots (EngineTorrent) ------------------------------------------------------------

  info(): TorrentInfo {
    const m = this.meta;
    return {
      infoHash: this.infoHash,
      name: this.name,
      size: m?.payloadLength ?? 0,
      pieceLength: m?.pieceLength ?? 0,
      pieceCount: m?.pieceCount ?? 0,
      lastPieceLength: m?.lastPieceLength ?? 0,
      comment: m?.comment ?? null,
      createdBy: m?.createdBy ?? null,
      creationDate: m?.creationDate ?? null,
      private: m?.private ?? false,
      hasMetadata: m !== null,
    };
  }

  stats(): TorrentStats {
    let seeds = 0;
    for (const p of this.peersById.values()) if (p.isSeed) seeds++;
    const t = this.transfer ?? this.checking;
    return {
      infoHash: this.infoHash,
      name: this.name,
      state: this.stateValue,
      error: this.errorMessage,
      size: this.meta?.payloadLength ?? 0,
      pieceLength: this.meta?.pieceLength ?? 0,
      pieceCount: this.meta?.pieceCount ?? 0,
      verifiedPieces: t?.picker.have.count ?? 0,
      completedBytes: t?.completedBytes() ?? 0,
      downloaded: t?.downloadedBytes ?? 0,
      uploaded: t?.uploadedBytes ?? 0,
      downloadRate: t?.downloadMeter.rate() ?? 0,
      uploadRate: t?.uploadMeter.rate() ?? 0,
      peers: this.peersById.size,
      seeds,
      hashFailures: t?.hashFailures ?? 0,
      checkedPieces: t?.checkedPieces ?? 0,
      resumedPieces: t?.resumedPieces ?? 0,
      savePath: this.savePath,
      addedAt: this.addedAt,
      completedAt: this.completedAtValue,
      sequential: this.sequentialWanted,
      firstLastPiecesFirst: this.firstLastFirst,
    };
  }

  pieceStatus(): Uint8Array {
    return this.transfer?.pieceStatus() ?? new Uint8Array(0);
  }

  inFlight(): Array<[number, number, number]> {
    return this.transfer?.inFlight() ?? [];
  }

  availability(): Uint16Array {
    return this.transfer?.availability() ?? new Uint16Array(0);
  }

  peers(): PeerStats[] {
    const pieceCount = Math.max(1, this.pieceCount);
    return [...this.peersById.values()].map((p) => ({
      id: p.id,
      address: p.address,
      client: p.client,
      incoming: p.incoming,
      flags: peerFlags(p),
      downloadRate: p.downloadMeter.rate(),
      uploadRate: p.uploadMeter.rate(),
      downloaded: p.downloadMeter.totalBytes,
      uploaded: p.uploadMeter.totalBytes,
      progress: p.isSeed ? 1 : p.bitfield ? p.bitfield.count / pieceCount : 0,
    }));
  }

  files(): FileStats[] {
    return this.transfer?.files() ?? [];
  }

  trackers(): TrackerStats[] {
    if (this.announcer) return this.announcer.trackers();
    return this.trackerTiers.flatMap((tier, i) =>
      tier.map((url) => ({ url, tier: i, status: 'idle' as const, message: null, lastAnnounce: null, peers: 0, seeders: null, leechers: null })),
    );
  }

  setFilePriority(fileIndex: number, priority: FilePriority): void {
    const t = this.transfer;
    if (!t) return;
    const wasFinished = t.finished;
    t.setFilePriority(fileIndex, priority);
    if (!wasFinished && t.finished) this.finished();
    else if (wasFinished && !t.finished && this.stateValue === 'seeding') this.setState('downloading');
  }

  /** Forgets what is verified and hashes the data on disk again (the user's "Force recheck"). */
  async recheck(): Promise<void> {
    if (!this.meta) return;
    const wasRunning = this.running;
    if (!(await this.rebuildTransfer())) return;
    if (wasRunning) this.run();
    else this.setState('paused');
    if (this.transfer!.finished && this.completedAtValue === null) this.completedAtValue = Date.now();
    await this.saveResume();
  }

  /** Stops, drops the transfer and builds it again from the data on disk, keeping file priorities. */
  private async rebuildTransfer(): Promise<boolean> {
    const meta = this.meta;
    if (!meta) return false;
    const priorities = this.transfer ? meta.files.map((_, i) => this.transfer!.filePriority(i)) : null;
    await this.halt('re-checking');
    await this.transfer?.drain();
    await this.transfer?.storage.close();
    this.transfer = null;
    this.resumeInit = null;
    return this.attachMetadata(meta, priorities);
  }

  /** Fetch the first and last piece of each file first, so media players can start. */
  setFirstLastPiecesFirst(on: boolean): void {
    this.firstLastFirst = on;
    this.transfer?.setFirstLastPiecesFirst(on);
    void this.saveResume();
  }

  setSequential(on: boolean): void {
    this.sequentialWanted = on;
    if (this.transfer) this.transfer.picker.sequential = on;
    void this.saveResume();
  }
}

/** A .torrent holding fetched metadata: announce-list plus the info dict's original bytes. */
function torrentFileFromInfo(info: Buffer, tiers: string[][]): Buffer {
  // Keys must be sorted: 'announce-list' < 'info'. The info dict is spliced in verbatim.
  const head = tiers.length > 0 ? encode({ 'announce-list': tiers }).subarray(1, -1) : Buffer.alloc(0);
  return Buffer.concat([Buffer.from('d'), head, Buffer.from('4:info'), info, Buffer.from('e')]);
}

/** Announce tiers from the .torrent first, then any extra (magnet `tr`) not already listed. */
function mergeTiers(primary: string[][], extra: string[][]): string[][] {
  const seen = new Set(primary.flat());
  const rest = extra.map((tier) => tier.filter((url) => !seen.has(url))).filter((tier) => tier.length > 0);
  return [...primary.map((t) => [...t]), ...rest];
}

function peerFlags(p: PeerConnection): string {
  const flags: string[] = [];
  if (p.amInterested && !p.peerChoking) flags.push('D');
  else if (p.amInterested) flags.push('d');
  if (p.peerInterested && !p.amChoking) flags.push('U');
  else if (p.peerInterested) flags.push('u');
  if (p.incoming) flags.push('I');
  // qBittorrent's letters: E = RC4-encrypted traffic, e = encrypted (MSE) handshake only.
  if (p.rc4) flags.push('E');
  else if (p.encrypted) flags.push('e');
  if (p.snubbed) flags.push('S');
  return flags.join(' ');
}
