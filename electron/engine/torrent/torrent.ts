import type net from 'node:net';
import { isIPv6 } from 'node:net';
import type {
  EncryptionMode,
  EngineTorrent,
  FilePriority,
  FileStats,
  PeerAddress,
  PeerSourceSwitches,
  SourceFacts,
  PeerStats,
  TorrentEvents,
  TorrentInfo,
  TorrentState,
  TorrentStats,
  TrackerStats,
} from '../api.js';
import { parseInfoDictionaryAsync, type Metainfo } from '../metainfo/index.js';
import { PeerConnection } from '../peer/peer-connection.js';
import type { PeerHandler } from '../peer/peer-handler.js';
import { describeClose, isRoutineClose, type CloseReason } from '../peer/close-reason.js';
import { ignoredTrackersMessage, limitTrackerTiers, type AnnounceClient } from '../tracker/index.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { availableAll, takeAll, TokenBucket } from '../util/token-bucket.js';
import { limitedReadBuffer } from './limited-read.js';
import type { DiskWorkers } from '../storage/disk-workers.js';
import type { ResumeData } from '../resume/resume-data.js';
import type { StateStore } from '../resume/state-store.js';
import * as msg from '../wire/encode.js';
import { encodeExtensionHandshake, LOCAL_EXTENSIONS } from '../wire/extension-handshake.js';
import type { IncomingHello } from '../wire/handshake.js';
import type { MseResult, PeerCipher } from '../wire/mse/mse-common.js';
import { decodeMetadataMessage, METADATA_PIECE_SIZE } from '../wire/ut-metadata.js';
import { NoDataYet } from './data-handler.js';
import { moveFiles, renameFiles } from '../storage/move-files.js';
import { UNKNOWN_STAMP } from '../storage/stamp-trust.js';
import type { Storage } from '../storage/storage.js';
import { renamePlan, RenameError } from './rename-plan.js';
import { Dialer, type Connect, type DialerHost } from './dialer.js';
import { Discovery, type DiscoveryHost, type TorrentDht } from './discovery.js';
import { duplicateToClose } from './duplicate-connection.js';
import { DEFAULT_MAX_CONNECTIONS_PER_IP, overIpLimit } from './connections-per-ip.js';
import type { HalfOpenLimit } from './half-open.js';
import type { SessionConnections } from './session-connections.js';
import type { SendShares } from '../peer/send-shares.js';
import type { ReadCacheShares } from '../storage/read-cache-shares.js';
import { mayStartActivity, mustStopActivity, torrentState, type LifecycleFacts, type TorrentFault } from './lifecycle.js';
import { choiceByFileIndex, factsOfMetainfo } from './file-choice.js';
import { MagnetPhase } from './magnet-phase.js';
import { pieceLayersOf, V2Hashes, type V2HashesHost } from './v2-hashes.js';
import { hashesOfMeta, infoMatches, learnedMore, primaryWireHash, truncatedV2, type InfoHashes } from './info-hashes.js';
import { mergeTiers, torrentFileFromInfo } from './metadata-file.js';
import { replaceTracker, withoutTrackers, type TrackerEdit } from '../tracker/tier-edits.js';
import { metadataReply } from './metadata-server.js';
import { peerStats, webSeedStats } from './peer-stats.js';
import { discoveryRows } from './discovery-rows.js';
import type { DiscoveryView } from '../../../shared/contract/trackers.js';
import { webSeedSources } from '../webseed/index.js';
import { PeerExchange, pexSourceOf } from './pex.js';
import { ResumeKeeper, type Totals } from './resume-keeper.js';
import { MAX_QUEUED_UPLOAD_REQUESTS, Transfer, type TransferHost } from './transfer.js';
import { errorText } from '../../../shared/error-text.js';
import { ownInterval, type Every } from '../util/shared-intervals.js';
import { DEFAULT_TORRENT_SEEDING_LIMITS, type TorrentSeedingLimits } from '../../../shared/contract/policies.js';
import type { TorrentHealth } from '../../../shared/contract/health.js';
import type { PieceSourcesView } from '../../../shared/contract/piece-sources.js';
import type { PeerPiecesResult } from '../../../shared/contract/peer-pieces.js';
import { peerPieces } from './peer-pieces.js';
import { inFlightView } from './in-flight.js';
import type { InFlightView } from '../../../shared/contract/in-flight.js';
import type { Reachability } from '../session/reachability.js';
import { diagnose, type BannedPeer } from './health.js';
import { collectHealthFacts } from './health-facts.js';
import { interfaceAddresses } from './health-reach.js';
import { LazyMap } from '../util/lazy-collections.js';
import { RESOLVED } from '../util/resolved.js';

export type { TorrentDht } from './discovery.js';

/** What a torrent needs from its session. */
export interface TorrentContext {
  readonly peerId: Buffer;
  readonly listenPort: number;
  readonly clientName: string;
  /** One read buffer shared by all outgoing sockets (reads are synchronous: never held across calls). */
  readonly readBuffer: Buffer;
  readonly maxPeers: number;
  /** Connections one IP address may hold in this torrent (an IPv6 /64 four times as many; loopback exempt); 0 = no cap (default 2). */
  readonly maxConnectionsPerIp?: number;
  /** How peers are dialled: see EncryptionMode. */
  readonly encryption: EncryptionMode;
  readonly dht: TorrentDht | null;
  readonly trackerClient: AnnounceClient | null;
  /** Session-wide rate limits. */
  readonly globalDownloadLimit: TokenBucket;
  readonly globalUploadLimit: TokenBucket;
  readonly disk: DiskWorkers;
  /** The session-wide cap on outgoing connection attempts in progress. */
  readonly halfOpen?: HalfOpenLimit;
  /** The session-wide connection limit (see DialerHost.sessionConnections); absent: none beyond maxPeers. */
  readonly sessionConnections?: SessionConnections;
  /** The session's bound on all peers' unsent bytes, split among them (peer/send-shares.ts). */
  readonly sendShares?: SendShares;
  /** The session's read-cache budget, shared by the torrents uploading. */
  readonly readCacheShares?: ReadCacheShares;
  /** Opens outgoing TCP connections (tests substitute their own). */
  readonly connect?: Connect;
  /** Opens outgoing uTP connections (null or absent: TCP only). */
  readonly utpConnect?: Connect | null;
  warn(message: string): void;
  /** The metadata told this torrent hashes it did not know (the session indexes them). */
  hashesLearned?(torrent: Torrent): void;
  /** True for an address that is this session's own listening socket (PEX and trackers may hand it back). */
  isOwnAddress?(address: PeerAddress): boolean;
  /** The session's shared interval timers (SharedIntervals); without it a torrent has its own. */
  readonly every?: Every;
  /** Whether peers outside can reach the session (for the health diagnosis). */
  reachability?(): Reachability;
  /** Which ways of finding peers run now (the user's switches as the session allows them); absent: DHT and PEX on, LSD off. */
  readonly peerSources?: Readonly<PeerSourceSwitches>;
}

/** How a torrent starts: from a .torrent (meta) or a magnet (hash, name, trackers, peers). */
export interface TorrentInit {
  /** The key it is known by in the session (and state folder): the hash it was added with. */
  infoHash: Buffer;
  /** A magnet's btih/btmh hashes (from a .torrent they come from its metadata). */
  hashes?: InfoHashes;
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
  /** A magnet's `ws=` web seeds (used unless the torrent turns out private). */
  webSeeds?: readonly string[];
  /** Choices made when it was added (the add dialog); a resume record's own values win. */
  initial?: InitialChoices;
}

/** What the add dialog may choose for a new torrent. */
export interface InitialChoices {
  /** Per file without pad files, in metainfo order (as inspect lists them); files beyond stay normal. */
  filePriorities?: FilePriority[];
  sequential?: boolean;
  firstLastPiecesFirst?: boolean;
  category?: string | null;
  /** A magnet waits for chooseFiles() once its metadata is verified (phase `choosing`). */
  chooseFilesFirst?: boolean;
}

/** Resume data is saved at least this often while the torrent runs (and on pause, stop, completion). */
const RESUME_SAVE_INTERVAL_MS = 30_000;
/** A running torrent's periodic work comes once a second (see everySecond). */
const TICK_MS = 1000;
/** Banned peers remembered for the health diagnosis. */
const MAX_BANNED_REMEMBERED = 32;

/** What the torrent holds of its data; the handler is where the connections' piece messages go. */
type Data =
  | { readonly phase: 'magnet'; readonly handler: MagnetPhase }
  | { readonly phase: 'choosing'; readonly handler: NoDataYet; readonly meta: Metainfo }
  | { readonly phase: 'unprepared'; readonly handler: NoDataYet; readonly meta: Metainfo }
  | { readonly phase: 'transfer'; readonly handler: Transfer };

/**
 * One torrent as the outside world sees it (EngineTorrent) and as its peers see it
 * (PeerHandler). It owns the lifecycle (see lifecycle.ts), the connections, trackers, DHT
 * lookups and peer exchange; piece messages go to its data handler: the magnet phase
 * (MagnetPhase), nothing while storage is prepared (NoDataYet), then the Transfer.
 * Outgoing connections are the Dialer's.
 */
export class Torrent extends TypedEmitter<TorrentEvents> implements EngineTorrent, PeerHandler, TransferHost {
  /** The session's key for it: the hash it was added with, kept when the metadata tells more (see wireHash). */
  readonly infoHash: string;
  readonly infoHashBytes: Buffer;
  /** Its v1 and v2 hashes as far as known (a magnet learns the rest from the metadata). */
  private knownHashes: InfoHashes;
  /** Changed only by moveStorage(), once the data is in the new folder. */
  savePath: string;
  /** A move in progress: bytes moved and total. */
  private moving: { done: number; total: number } | null = null;
  /** Files renamed by the user: file index → path (kept in the resume record). */
  private readonly renamed = new LazyMap<number, string>();
  // --- lifecycle facts (lifecycle.ts); the state is derived from them, never stored ---
  /** The user's intent: run (true) or stay paused. */
  private wanted = true;
  private fault: TorrentFault | null = null;
  private data: Data;
  /** stop() was called (removed, or the session closes): nothing starts again. */
  private closed = false;
  /** start() was called: before it nothing runs. */
  private launched = false;
  /** Storage being prepared (a check), so a second retry waits for it instead of racing it. */
  private preparing: Promise<void> | null = null;
  /** The state last announced with a 'state' event. */
  private shownState: TorrentState;
  /** The transfer whose data is being checked, so stats() shows the check advancing. */
  private checking: Transfer | null = null;
  /** The storage of a preparation that failed (see storageToDelete); null once one succeeds. */
  private unpreparedStorage: Storage | null = null;
  /**
   * File priorities the user set while the data was checked (or about to be: phase 'unprepared'):
   * applied when the check ends (see prepare).
   */
  private readonly prioritiesWhileChecking = new LazyMap<number, FilePriority>();
  /**
   * The file priorities a recheck or a move carries from the transfer it dropped to the one it
   * builds: until that one exists, a record saved meanwhile takes them from here.
   */
  private carriedPriorities: readonly FilePriority[] | null = null;
  // --- activity: talking to trackers, the DHT and peers (follows the facts; see update()) ---
  private active = false;
  /**
   * Leaves the once-a-second round (see everySecond); null while out of it. A running torrent
   * is in it only while it has something to do: an idle one (no peer, nothing to dial, its
   * record saved) leaves, and joins again when something comes (see tickAgain).
   */
  private stopTicking: (() => void) | null = null;
  /** Seconds ticked since `activate`: every RESUME_SAVE_INTERVAL_MS of them, the resume record is brought up to date. */
  private ticks = 0;
  private readonly discovery: Discovery;
  private halting: Promise<void> = RESOLVED;
  private readonly peersById = new LazyMap<string, PeerConnection>();
  /** Made on first use (see v2Hashes): a torrent without peers needs none. */
  private v2HashesMade: V2Hashes | null = null;
  private readonly dialer: Dialer;
  /** Made on first use (see pex). */
  private pexMade: PeerExchange | null = null;
  private trackerTiers: string[][];
  /** Metadata (from peers, or a .torrent added again) is being parsed and prepared. */
  private handlingMetadata = false;
  private trackersCutWarned = false;
  /** The user edited or removed trackers: the list is theirs, the metadata's announce-list is not merged back in (resume record). */
  private trackersEdited: boolean;
  private readonly selectOnly: number[] | null;
  private sequentialWanted = false;
  private firstLastFirst = false;
  private completedAtValue: number | null = null;
  private readonly addedAt: number;
  private readonly fallbackName: string;
  private resumeInit: ResumeData | null;
  private readonly magnetUri: string | null;
  private readonly magnetWebSeeds: readonly string[];
  private previousUploaded: number;
  private previousDownloaded: number;
  private readonly resumeRecords: ResumeKeeper;
  private readonly store: StateStore | null;
  private readonly ownDownloadLimit = new TokenBucket();
  private readonly ownUploadLimit = new TokenBucket();
  /** Held back by the session's queue (a lifecycle fact, set only by the session). */
  private queued = false;
  /** Place in the session's queue, 1-based (kept in the resume record; the session owns the order). */
  queuePosition: number;
  private categoryName: string | null;
  /** Replaced, never changed in place: ownSeedingLimits hands it out uncopied. */
  private ownLimits: TorrentSeedingLimits;
  /** The add dialog's file choice (list order, pad files left out), applied when storage is first prepared. */
  private initialFilePriorities: readonly FilePriority[] | null;
  /** Added with "choose files first" and not chosen yet: the metadata waits in phase `choosing`. */
  private awaitingFileChoice: boolean;
  /** Seeding time of earlier sessions, plus the stretches of this one that ended. */
  private seedingMsBefore: number;
  /** When the current stretch of seeding began (state 'seeding'), else null. */
  private seedingSince: number | null = null;
  /** Peers banned for bad data, newest last (bounded: the health panel names them). */
  private readonly bannedPeers: BannedPeer[] = [];

  constructor(init: TorrentInit, private readonly ctx: TorrentContext) {
    super();
    this.infoHashBytes = init.infoHash;
    this.infoHash = init.infoHash.toString('hex');
    this.knownHashes = init.meta ? hashesOfMeta(init.meta) : (init.hashes ?? { v1: init.infoHash, v2: null });
    this.data = init.meta ? { phase: 'unprepared', handler: new NoDataYet(), meta: init.meta } : this.magnetPhase();
    this.savePath = init.savePath;
    this.selectOnly = init.selectOnly;
    this.fallbackName = init.name ?? this.infoHash;
    this.trackersEdited = init.resume?.trackersEdited ?? false;
    this.trackerTiers = this.limitTrackers(this.trackersEdited ? (init.resume?.trackers ?? []) : mergeTiers(init.trackers, init.resume?.trackers ?? []));
    this.store = init.store;
    this.resumeInit = init.resume;
    this.magnetUri = init.magnetUri;
    this.magnetWebSeeds = init.webSeeds ?? [];
    this.addedAt = init.resume?.addedAt ?? Date.now();
    this.completedAtValue = init.resume?.completedAt ?? null;
    this.sequentialWanted = init.resume?.sequential ?? init.initial?.sequential ?? false;
    this.firstLastFirst = init.resume?.firstLastPiecesFirst ?? init.initial?.firstLastPiecesFirst ?? false;
    this.categoryName = init.resume ? (init.resume.category ?? null) : (init.initial?.category ?? null);
    this.ownLimits = init.resume?.seedingLimits ?? { ...DEFAULT_TORRENT_SEEDING_LIMITS };
    this.seedingMsBefore = (init.resume?.seedingSeconds ?? 0) * 1000;
    this.queuePosition = init.resume?.queuePosition ?? 0;
    for (const [index, p] of init.resume?.renamedFiles ?? []) this.renamed.set(index, p);
    this.initialFilePriorities = init.resume ? null : (init.initial?.filePriorities ?? null);
    this.awaitingFileChoice = !init.meta && (init.resume ? init.resume.chooseFiles === true : init.initial?.chooseFilesFirst === true);
    this.ownDownloadLimit.setRate(init.resume?.downloadLimit ?? 0);
    this.ownUploadLimit.setRate(init.resume?.uploadLimit ?? 0);
    this.previousUploaded = init.resume?.uploaded ?? 0;
    this.previousDownloaded = init.resume?.downloaded ?? 0;
    this.resumeRecords = new ResumeKeeper(
      init.store,
      init.resume !== null,
      this.totals(),
      (m) => ctx.warn(`${this.name}: ${m}`),
      () => this.tickAgain(),
    );
    this.shownState = this.state;
    this.dialer = new Dialer(new Torrent.DialerHost(this), {
      ...(ctx.connect ? { connect: ctx.connect } : {}),
      ...(ctx.halfOpen ? { sessionHalfOpen: ctx.halfOpen } : {}),
      utpConnect: ctx.utpConnect ?? null,
    });
    this.discovery = new Discovery(new Torrent.DiscoveryHost(this));
  }

  // The Dialer's, Discovery's and V2Hashes' view of their torrent. Classes, not object literals: a torrent
  // then holds one small object per host (a reference to it; members on the prototype), where a
  // literal of closures and getters cost ~1.7 KB and ~0.8 KB per torrent (V8 keeps an object
  // literal with getters as a dictionary). Declared in Torrent to reach its private members.

  private static readonly DialerHost = class implements DialerHost {
    constructor(private readonly torrent: Torrent) {}
    get infoHash(): Buffer {
      return this.torrent.wireHash;
    }
    get encryption(): EncryptionMode {
      return this.torrent.ctx.encryption;
    }
    get maxPeers(): number {
      return this.torrent.ctx.maxPeers;
    }
    get connectedCount(): number {
      return this.torrent.peersById.size;
    }
    /** A function made per dial (the socket calls it for each read), so no torrent keeps one. */
    get readBuffer(): () => Buffer {
      return () => this.torrent.readBufferNow();
    }
    get sessionConnections(): SessionConnections | undefined {
      return this.torrent.ctx.sessionConnections;
    }
    isActive(): boolean {
      return this.torrent.active;
    }
    wantsPeers(): boolean {
      return this.torrent.wantsPeers();
    }
    connectedAddresses(): Iterable<PeerAddress> {
      return this.torrent.connectedAddresses();
    }
    addressFull(host: string): boolean {
      return overIpLimit(host, this.torrent.connectedIps(), this.torrent.maxConnectionsPerIp);
    }
    opened(socket: net.Socket, key: string, mse: MseResult | null): PeerConnection {
      return this.torrent.openDialled(socket, key, mse);
    }
    throttleDownload(socket: net.Socket, bytes: number): boolean {
      return this.torrent.throttleDownload(socket, bytes);
    }
    warn(message: string): void {
      this.torrent.ctx.warn(message);
    }
    isOwnAddress(address: PeerAddress): boolean {
      return this.torrent.ctx.isOwnAddress?.(address) ?? false;
    }
  };

  private static readonly V2HashesHost = class implements V2HashesHost {
    constructor(private readonly torrent: Torrent) {}
    meta(): Metainfo | null {
      return this.torrent.meta;
    }
    peers(): Iterable<PeerConnection> {
      return this.torrent.peersById.values();
    }
    async readPiece(index: number): Promise<Buffer | null> {
      return (await this.torrent.transfer?.readVerifiedPiece(index)) ?? null;
    }
  };

  private static readonly DiscoveryHost = class implements DiscoveryHost {
    constructor(private readonly torrent: Torrent) {}
    get infoHash(): Buffer {
      return this.torrent.wireHash;
    }
    get peerId(): Buffer {
      return this.torrent.ctx.peerId;
    }
    get listenPort(): number {
      return this.torrent.ctx.listenPort;
    }
    get trackerClient(): AnnounceClient | null {
      return this.torrent.ctx.trackerClient;
    }
    get dht(): TorrentDht | null {
      return this.torrent.ctx.dht;
    }
    announceStats(): { uploaded: number; downloaded: number; left: number } {
      const transfer = this.torrent.transfer;
      // Without metadata we do not know what is left; 0 would claim we are a seed.
      return { uploaded: transfer?.uploadedBytes ?? 0, downloaded: transfer?.downloadedBytes ?? 0, left: transfer ? transfer.leftBytes() : METADATA_PIECE_SIZE };
    }
    secondHash(): Buffer | null {
      return this.torrent.secondWireHash;
    }
    found(peers: PeerAddress[], source: string): void {
      this.torrent.addPeers(peers, source);
    }
    warn(message: string): void {
      this.torrent.ctx.warn(message);
    }
  };

  /**
   * BEP 52 hash requests served, and a v2 magnet's piece layers fetched. Made when first needed
   * (a peer, a v2 magnet's metadata): most torrents of a big session idle without peers, and
   * its empty state was ~400 bytes each.
   */
  private get v2Hashes(): V2Hashes {
    return (this.v2HashesMade ??= new V2Hashes(new Torrent.V2HashesHost(this)));
  }

  /** Peer exchange with the connected peers; made when first needed, as v2Hashes. */
  private get pex(): PeerExchange {
    return (this.pexMade ??= new PeerExchange(
      (p) => this.reachableAddress(p),
      (peers) => this.dialer.candidates.supportsUtp(peers),
    ));
  }

  /** Its tracker tiers (a duplicate found late merges them into the torrent kept). */
  get trackerTierList(): string[][] {
    return this.trackerTiers.map((tier) => [...tier]);
  }

  /** Its v1 and v2 hashes as far as known. */
  get infoHashes(): InfoHashes {
    return this.knownHashes;
  }

  /** The hash we dial, announce and handshake with: v1 when known (v1-only peers know no other), else the truncated v2. */
  get wireHash(): Buffer {
    return primaryWireHash(this.knownHashes, this.infoHashBytes);
  }

  /** A hybrid's truncated v2 hash, announced beside the v1 one so v2-only peers find it too; else null. */
  private get secondWireHash(): Buffer | null {
    return this.knownHashes.v1 ? truncatedV2(this.knownHashes) : null;
  }

  /** The metadata, once known (from the .torrent, or fetched for a magnet). */
  get meta(): Metainfo | null {
    switch (this.data.phase) {
      case 'magnet':
        return null;
      case 'choosing':
      case 'unprepared':
        return this.data.meta;
      case 'transfer':
        return this.data.handler.meta;
    }
  }

  /** The piece side, once storage is ready. */
  get transfer(): Transfer | null {
    return this.data.phase === 'transfer' ? this.data.handler : null;
  }

  /**
   * The files a removal with the data deletes: the transfer's, or those of the last preparation
   * when it failed (the torrent in error has no transfer, and its files were left behind).
   */
  get storageToDelete(): Storage | null {
    return this.transfer?.storage ?? this.unpreparedStorage;
  }

  get pieceCount(): number {
    return this.transfer?.pieceCount ?? 0;
  }

  /** Derived from the lifecycle facts (see lifecycle.ts). */
  get state(): TorrentState {
    return torrentState(this.facts());
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

  /** The session has a DHT and the user has it switched on (Settings → Privacy). */
  private get dhtRunning(): boolean {
    return this.ctx.dht !== null && this.ctx.dht.enabled !== false;
  }

  /** DHT lookups and announces: not for a private torrent (BEP 27), nor while the DHT is off. */
  private get dhtOn(): boolean {
    return !this.isPrivate && this.dhtRunning;
  }

  /**
   * Peer exchange: not for a private torrent, nor while the user has PEX off. Then, as libtorrent
   * does with disable_pex, nothing is sent and what a peer sends is dropped unread; a connection
   * made meanwhile is not offered ut_pex at all (its extension handshake leaves it out).
   */
  private get pexOn(): boolean {
    return !this.isPrivate && (this.ctx.peerSources?.pex ?? true);
  }

  /** The session switched the DHT or PEX on or off (Settings): a running torrent follows at once. */
  peerSourcesChanged(): void {
    if (this.active) this.discovery.setDht(this.dhtOn);
  }

  // --- lifecycle ------------------------------------------------------------------------

  private facts(): LifecycleFacts {
    return { wanted: this.wanted, fault: this.fault, phase: this.data.phase, finished: this.transfer?.finished ?? false, queued: this.queued };
  }

  /** The session's queue holds this torrent back (true) or lets it run. */
  setQueued(queued: boolean): void {
    if (this.queued === queued) return;
    this.queued = queued;
    this.update();
  }

  /** Whether the session's queue holds it back. */
  get isQueued(): boolean {
    return this.queued;
  }

  /** Wanted, without a fault, storage ready or a magnet: a candidate for a slot in the queue. */
  get wantsToRun(): boolean {
    return this.wanted && !this.fault && !this.closed && this.data.phase !== 'unprepared';
  }

  /** Payload rates now (bytes per second). */
  rates(): { downloadRate: number; uploadRate: number } {
    const t = this.transfer;
    return { downloadRate: t?.downloadMeter.rate() ?? 0, uploadRate: t?.uploadMeter.rate() ?? 0 };
  }

  completedBytes(): number {
    return this.transfer?.completedBytes() ?? 0;
  }

  /** Every wanted piece verified: it would seed (counted against the upload slots). */
  get isFinished(): boolean {
    return this.transfer?.finished ?? false;
  }

  /**
   * Brings the activity in line with the facts and announces a changed state. Called after
   * every change of a fact; the only place that starts or stops the activity (except a
   * re-check, which stops it on purpose while the data is hashed again).
   */
  private update(): void {
    const facts = this.facts();
    if (this.active && (this.closed || mustStopActivity(facts))) {
      void this.halt(this.closed ? 'torrent stopped' : (facts.fault?.message ?? 'paused'));
    } else if (!this.active && this.launched && !this.closed && mayStartActivity(facts)) {
      this.activate();
    }
    const state = torrentState(facts);
    if (state !== this.shownState) {
      this.countSeedingTime(state);
      this.shownState = state;
      this.emit('state', state);
    }
  }

  /** Prepares storage (when the metadata is known), then starts finding and dialling peers unless paused. */
  async start(paused = false): Promise<void> {
    this.wanted = !paused;
    this.launched = true;
    const meta = this.meta;
    if (meta && !this.transfer && this.data.phase !== 'choosing') await this.prepare(meta);
    else this.update();
  }

  async pause(): Promise<void> {
    if (!this.wanted) return;
    this.wanted = false;
    this.update();
    await this.halting;
    await this.transfer?.drain();
    await this.saveResume();
  }

  /**
   * Runs again. After a fault this is the retry: the fault is cleared and what failed is
   * done again — storage prepared (the folder may be back, disk space freed), the data
   * re-checked when it failed under a working transfer, the metadata fetched again.
   */
  async resume(): Promise<void> {
    if (this.closed || (this.wanted && !this.fault)) return;
    if (!this.wanted) this.resumeRecords.markChanged();
    this.wanted = true;
    const retry = this.fault !== null;
    this.fault = null;
    if (!retry) return this.update();
    if (this.preparing) return this.preparing;
    const meta = this.meta;
    if (this.data.phase === 'magnet') this.data = this.magnetPhase();
    else if (meta && this.transfer) return this.rebuild(meta);
    else if (meta && this.data.phase !== 'choosing') return this.prepare(meta);
    this.update();
  }

  /** Closes every connection, says goodbye to trackers and stops timers. Data stays. */
  async stop(): Promise<void> {
    const paused = !this.wanted;
    this.closed = true;
    this.update();
    await this.halting;
    await this.preparing;
    await this.transfer?.drain();
    await this.transfer?.storage.close();
    // Only when the record on disk is out of date: closing 10,000 idle torrents must not
    // rewrite (and fsync) 10,000 records.
    if (this.resumeRecords.outOfDate(this.totals())) await this.saveResume(paused);
    else await this.resumeRecords.saved();
  }

  fatal(message: string): void {
    // A failing disk fails every batch in flight, each reporting it: one fault (the first
    // cause), so the user hears of it once (one 'error' event, one notification), not per piece.
    if (this.fault) return;
    this.setFault({ kind: 'storage', message });
  }

  private setFault(fault: TorrentFault): void {
    this.fault = fault;
    this.update();
    this.emit('error', fault.message);
    this.ctx.warn(`${this.name}: ${fault.message}`);
  }

  private activate(): void {
    this.active = true;
    this.data.handler.setActive(true);
    this.ticks = 0;
    this.tickAgain();
    this.discovery.start(this.trackerTiers, { finished: this.transfer?.finished ?? false, dht: this.dhtOn });
    this.dialer.connectMore();
  }

  /** Stops the activity. Resolves once every halt so far has told the trackers (so stop() after a fault waits too). */
  private halt(detail: string): Promise<void> {
    this.active = false;
    this.data.handler.setActive(false);
    this.stopTicking?.();
    this.stopTicking = null;
    this.dialer.abort();
    for (const peer of [...this.peersById.values()]) peer.close({ kind: 'torrent-stopped', detail });
    this.halting = this.discovery.stop();
    return this.halting;
  }

  /** Seeding time accrues while the shown state is 'seeding'. */
  private countSeedingTime(next: TorrentState, now = Date.now()): void {
    if (this.seedingSince !== null && next !== 'seeding') {
      this.seedingMsBefore += now - this.seedingSince;
      this.seedingSince = null;
      this.resumeRecords.markChanged();
    } else if (this.seedingSince === null && next === 'seeding') {
      this.seedingSince = now;
    }
  }

  /** Seconds spent seeding over the torrent's life. */
  seedingSeconds(now = Date.now()): number {
    return Math.floor((this.seedingMsBefore + (this.seedingSince === null ? 0 : now - this.seedingSince)) / 1000);
  }

  /** Bytes moved over the torrent's life (earlier sessions included). */
  allTimeTotals(): Totals {
    return this.totals();
  }

  get category(): string | null {
    return this.categoryName;
  }

  setCategory(category: string | null): void {
    if (this.categoryName === category) return;
    this.categoryName = category;
    void this.saveResume();
  }

  /** Its own limits, not copied (the session's policy looks at 1,000 torrents a second). */
  get ownSeedingLimits(): Readonly<TorrentSeedingLimits> {
    return this.ownLimits;
  }

  seedingLimits(): TorrentSeedingLimits {
    return { ...this.ownLimits };
  }

  setSeedingLimits(limits: TorrentSeedingLimits): void {
    this.ownLimits = { ...limits };
    void this.saveResume();
  }

  /** Bytes moved over the torrent's life (earlier sessions, earlier transfers before a re-check, this one). */
  private totals(): Totals {
    const transfer = this.transfer;
    return { uploaded: this.previousUploaded + (transfer?.uploadedBytes ?? 0), downloaded: this.previousDownloaded + (transfer?.downloadedBytes ?? 0) };
  }

  /** Writes the fast-resume record (atomically) to the state folder, if there is one. */
  saveResume(paused = !this.wanted): Promise<void> {
    return this.resumeRecords.save(this.totals(), async () => {
      const transfer = this.transfer;
      // While storage is prepared, the record it started from is still the truth about the disk.
      const init = this.resumeInit;
      const meta = this.meta;
      const record = transfer
        ? await transfer.resumeRecord()
        : init
          ? { have: init.have, pieceCount: init.pieceCount, filePriorities: this.withPendingPriorities(init.filePriorities), files: init.files, pieceLog: init.pieceLog ?? null }
          : meta && this.data.phase === 'unprepared'
            ? this.recordWhileUnprepared(meta)
            : { have: Buffer.alloc(0), pieceCount: 0, filePriorities: [], files: [] };
      return {
        ...record,
        ...this.totals(),
        infoHash: this.infoHash,
        savePath: this.savePath,
        addedAt: this.addedAt,
        completedAt: this.completedAtValue,
        paused,
        sequential: this.sequentialWanted,
        firstLastPiecesFirst: this.firstLastFirst,
        downloadLimit: this.ownDownloadLimit.limit,
        uploadLimit: this.ownUploadLimit.limit,
        // Until the files are chosen the .torrent is not kept: a restart starts from the magnet and asks again.
        magnet: this.meta && this.data.phase !== 'choosing' ? null : this.magnetUri,
        chooseFiles: this.awaitingFileChoice,
        category: this.categoryName,
        seedingLimits: this.ownLimits,
        seedingSeconds: this.seedingSeconds(),
        queuePosition: this.queuePosition,
        trackers: this.trackerTiers,
        trackersEdited: this.trackersEdited,
        renamedFiles: [...this.renamed],
      };
    });
  }

  // --- storage and metadata ---------------------------------------------------------------

  /**
   * Creates the transfer for known metadata and checks existing data; on success the
   * transfer becomes the data handler, on a storage error the torrent faults. The file
   * priorities a recheck or a move carries (`carriedPriorities`) are set before the check, which
   * reads skipped files' shares from the part file; they are let go once it is prepared.
   */
  private prepare(meta: Metainfo): Promise<void> {
    const run = async (): Promise<void> => {
      this.data = { phase: 'unprepared', handler: new NoDataYet(), meta };
      this.update();
      const transfer = new Transfer(this.withRenames(meta), this.savePath, this);
      transfer.addWebSeeds(webSeedSources(meta, this.magnetWebSeeds));
      this.startingPriorities(meta, this.carriedPriorities).forEach((p, i) => p !== 1 && transfer.setFilePriority(i, p));
      transfer.picker.sequential = this.sequentialWanted;
      transfer.setFirstLastPiecesFirst(this.firstLastFirst);
      try {
        this.checking = transfer;
        await transfer.prepare(() => undefined, this.resumeInit, () => this.closed);
        this.unpreparedStorage = null;
        this.resumeInit = null;
        if (this.prioritiesWhileChecking.size > 0) this.resumeRecords.markChanged();
        for (const [i, p] of this.prioritiesWhileChecking) transfer.setFilePriority(i, p);
        this.prioritiesWhileChecking.clear();
      } catch (err) {
        await transfer.storage.close().catch(() => undefined);
        this.unpreparedStorage = transfer.storage;
        this.resumeInit ??= this.uncheckedRecord(meta, transfer);
        return this.setFault({ kind: 'storage', message: `cannot use the save folder: ${errorText(err)}` });
      } finally {
        this.checking = null;
      }
      if (this.closed) {
        // Stopped while checking: the transfer stays (never active) so that stop() records what
        // it knows (the file priorities above all: without it the record had none, and a
        // restart downloaded every skipped file) and a removal with the data deletes its files.
        this.data = { phase: 'transfer', handler: transfer };
        return void (await transfer.storage.close());
      }
      // A magnet learns the metadata's trackers; a list the user edited stays as they left it.
      if (!this.trackersEdited && (this.trackerTiers.length === 0 || meta.announce.length > 0)) this.trackerTiers = this.limitTrackers(mergeTiers(meta.announce, this.trackerTiers));
      this.data = { phase: 'transfer', handler: transfer };
      transfer.setActive(this.active);
      // Peers that stayed connected while a magnet's storage was prepared.
      for (const peer of [...this.peersById.values()]) transfer.adoptPeer(peer);
      if (transfer.finished && this.completedAtValue === null) {
        this.completedAtValue = Date.now();
        this.resumeRecords.markChanged();
      }
      this.update();
    };
    const preparing = run().finally(() => {
      this.carriedPriorities = null;
      if (this.preparing === preparing) this.preparing = null;
    });
    this.preparing = preparing;
    return preparing;
  }

  /**
   * Moves the data to `target` (qBittorrent's "Set location"): the activity stops, the files
   * move (see storage/move-files.ts), the transfer is built again there from the resume record
   * (no re-check when the files kept size and mtime), and the torrent runs again as before.
   * A failure leaves the data and the torrent where they were, and rejects.
   */
  async moveStorage(target: string): Promise<void> {
    if (this.closed || this.moving) throw new Error(this.moving ? 'a move is already in progress' : 'the torrent was removed');
    if (this.preparing) await this.preparing;
    const transfer = this.transfer;
    const meta = this.meta;
    if (!transfer || !meta) {
      // Nothing on disk yet (a magnet, or storage that failed): only the folder changes.
      this.savePath = target;
      await this.saveResume();
      return;
    }
    this.moving = { done: 0, total: 0 };
    const paths = [...meta.files.filter((f) => !f.pad).map((f) => f.path), `.${this.infoHash}.parts`];
    try {
      await this.relocate(meta, transfer, async () => {
        try {
          await moveFiles({ from: this.savePath, to: target, paths, progress: (done, total) => (this.moving = { done, total }) });
          this.savePath = target;
        } finally {
          this.moving = null;
        }
      });
    } finally {
      this.moving = null;
    }
  }

  /**
   * Renames a file or a folder (every file below it) on disk and in the torrent, as
   * qBittorrent's "Rename…": the same stop, rename, rebuild-from-the-record steps as a move;
   * a failure leaves every name as it was, and rejects.
   */
  async renamePath(from: string, newName: string): Promise<void> {
    if (this.closed || this.moving) throw new Error(this.moving ? 'a move is in progress' : 'the torrent was removed');
    if (this.preparing) await this.preparing;
    const transfer = this.transfer;
    const meta = this.meta;
    if (!transfer || !meta) throw new RenameError('The files can be renamed once the metadata is known and the data is ready');
    const plan = renamePlan(meta.files.map((f) => f.path), from, newName);
    await this.relocate(meta, transfer, async () => {
      const pairs = [...plan].filter(([i]) => !meta.files[i]!.pad).map(([i, to]) => ({ from: meta.files[i]!.path, to }));
      await renameFiles({ root: this.savePath, pairs });
      for (const [i, p] of plan) this.renamed.set(i, p);
    });
  }

  private withRenames(meta: Metainfo): Metainfo {
    if (this.renamed.size === 0) return meta;
    return { ...meta, files: meta.files.map((f, i) => (this.renamed.has(i) ? { ...f, path: this.renamed.get(i)! } : f)) };
  }

  /** Stops the transfer, runs `change` on the files (which may reject), and rebuilds the transfer from the resume record either way. */
  private async relocate(meta: Metainfo, transfer: Transfer, change: () => Promise<void>): Promise<void> {
    this.carriedPriorities = meta.files.map((_, i) => transfer.filePriority(i));
    this.previousUploaded += transfer.uploadedBytes;
    this.previousDownloaded += transfer.downloadedBytes;
    this.data = { phase: 'unprepared', handler: new NoDataYet(), meta };
    await this.halt('moving the data');
    await transfer.drain();
    const record = await transfer.resumeRecord();
    await transfer.storage.close();
    let failure: unknown = null;
    try {
      await change();
    } catch (err) {
      failure = err;
    }
    this.resumeInit = this.initFrom(record);
    await this.prepare(meta);
    await this.saveResume();
    if (failure) throw failure;
  }

  /** A record to prepare storage from (and to save while it is prepared), with this torrent's settings. */
  private initFrom(record: Pick<ResumeData, 'have' | 'pieceCount' | 'filePriorities' | 'files' | 'pieceLog'>): ResumeData {
    return { ...record, ...this.totals(), infoHash: this.infoHash, savePath: this.savePath, addedAt: this.addedAt, completedAt: this.completedAtValue,
      paused: !this.wanted, sequential: this.sequentialWanted, firstLastPiecesFirst: this.firstLastFirst, downloadLimit: this.ownDownloadLimit.limit,
      uploadLimit: this.ownUploadLimit.limit, magnet: null };
  }

  /**
   * The record a check that failed leaves when it did not start from one (a recheck): the file
   * priorities (those set during the check too), nothing verified, no file vouched for. Without
   * it the record had no priorities, and the retry or the next start wanted every skipped file.
   */
  private uncheckedRecord(meta: Metainfo, transfer: Transfer): ResumeData {
    const record = this.recordWhileUnprepared(meta, transfer);
    this.prioritiesWhileChecking.clear();
    return this.initFrom(record);
  }

  /**
   * What a record saved during a recheck (or between a move's steps) says: the file priorities
   * the torrent keeps, nothing verified, no file vouched for (a restart checks everything, as
   * the recheck would have). It wrote no priorities at all: a crash then downloaded every
   * skipped file.
   */
  private recordWhileUnprepared(meta: Metainfo, checking = this.checking): Pick<ResumeData, 'have' | 'pieceCount' | 'filePriorities' | 'files'> {
    // Before the check's transfer exists (a new torrent between its add and its check, a
    // recheck draining the old one): what that transfer will start from.
    const starting = checking ? null : this.startingPriorities(meta, this.carriedPriorities);
    const filePriorities = meta.files.map((_, i) => this.prioritiesWhileChecking.get(i) ?? checking?.filePriority(i) ?? starting?.[i] ?? 1);
    return { have: Buffer.alloc(Math.ceil(meta.pieceCount / 8)), pieceCount: meta.pieceCount, filePriorities, files: meta.files.map(() => ({ ...UNKNOWN_STAMP })) };
  }

  /**
   * The file priorities a new transfer starts from: those a recheck or a move carries, else the
   * magnet's `so=` selection, else the add dialog's choice (a new torrent); 1 for the rest.
   */
  private startingPriorities(meta: Metainfo, carried: readonly FilePriority[] | null): FilePriority[] {
    if (carried) return meta.files.map((_, i) => carried[i] ?? 1);
    if (this.selectOnly) {
      const wanted = new Set(this.selectOnly);
      return meta.files.map((_, i) => (wanted.has(i) ? 1 : 0));
    }
    const out = meta.files.map((): FilePriority => 1);
    if (this.initialFilePriorities && !this.resumeInit) for (const [i, p] of choiceByFileIndex(meta, this.initialFilePriorities)) out[i] = p;
    return out;
  }

  /** `priorities` with those set while the data was checked (or its storage failed) over them. */
  private withPendingPriorities(priorities: readonly FilePriority[]): FilePriority[] {
    return priorities.map((p, i) => this.prioritiesWhileChecking.get(i) ?? p);
  }

  /** Fraction of a move done, or null when not moving. */
  get moveProgress(): number | null {
    if (!this.moving) return null;
    return this.moving.total > 0 ? this.moving.done / this.moving.total : 0;
  }

  /** Stops, drops the transfer and builds it again from the data on disk, keeping file priorities. */
  private async rebuild(meta: Metainfo): Promise<void> {
    const transfer = this.transfer;
    this.carriedPriorities = transfer ? meta.files.map((_, i) => transfer.filePriority(i)) : null;
    // The bytes this transfer moved stay in the totals.
    this.previousUploaded += transfer?.uploadedBytes ?? 0;
    this.previousDownloaded += transfer?.downloadedBytes ?? 0;
    // Unprepared first, so nothing restarts the activity while the old transfer drains.
    this.data = { phase: 'unprepared', handler: new NoDataYet(), meta };
    await this.halt('re-checking');
    await transfer?.drain();
    await transfer?.storage.close();
    this.resumeInit = null;
    await this.prepare(meta);
  }

  private magnetPhase(): Data {
    return { phase: 'magnet', handler: new MagnetPhase(this.knownHashes, (info) => void this.metadataArrived(info)) };
  }

  /**
   * The .torrent of this torrent was added while it waited for its metadata (a duplicate add):
   * its info dict and piece layers are taken as if the peers had sent them. False when the
   * metadata is known or being handled already, or the .torrent is another torrent.
   */
  adoptMetadata(meta: Metainfo): boolean {
    if (this.data.phase !== 'magnet' || this.handlingMetadata || !infoMatches(this.knownHashes, meta.infoBytes)) return false;
    void this.metadataArrived(meta.infoBytes, meta);
    return true;
  }

  private async metadataArrived(info: Buffer, parsed?: Metainfo): Promise<void> {
    if (this.data.phase !== 'magnet' || this.handlingMetadata) return;
    this.handlingMetadata = true;
    try {
      await this.metadataKnown(info, parsed);
    } finally {
      this.handlingMetadata = false;
    }
  }

  private async metadataKnown(info: Buffer, parsed?: Metainfo): Promise<void> {
    let meta: Metainfo;
    try {
      // In chunks: metadata of 100,000 files must not stall every other torrent and the UI.
      // `info` was assembled for this alone (metadata-fetcher.ts): it becomes the Metainfo's infoBytes, not a copy.
      meta = parsed ?? (await parseInfoDictionaryAsync(info, { unchanging: true }));
    } catch (err) {
      return this.setFault({ kind: 'metadata', message: `the metadata peers sent is not a valid torrent: ${errorText(err)}` });
    }
    // Stopped, or already handled, while the parse waited for its turns.
    if (this.data.phase !== 'magnet' || this.closed) return;
    this.learnHashes(hashesOfMeta(meta));
    if (this.closed) return;
    if (V2Hashes.missingLayers(meta)) {
      // BEP 52: a v2 magnet's pieces can be checked only once the peers gave the piece layers.
      await this.v2Hashes.fetchLayers(meta);
      if (this.data.phase !== 'magnet' || this.closed) return;
    }
    if (this.awaitingFileChoice) {
      // No storage before the choice: no file is created and no piece requested. The peers
      // stay (activity goes on), so the download starts at once when the user has chosen.
      this.data = { phase: 'choosing', handler: new NoDataYet(), meta };
      this.update();
      this.emit('filesToChoose');
      return;
    }
    await this.metadataReady(meta);
  }

  /** The files this magnet waits to have chosen (the add dialog's list), or null when it waits for nothing. */
  fileChoice(maxFiles: number): SourceFacts | null {
    return this.data.phase === 'choosing' ? factsOfMetainfo(this.data.meta, maxFiles) : null;
  }

  /**
   * The user's file choice for a magnet added with "choose files first" (list order, pad files
   * left out; files beyond stay normal). The priorities are set on the transfer before storage
   * is prepared, so a skipped file is never created and none of its pieces requested.
   */
  async chooseFiles(priorities: readonly FilePriority[]): Promise<void> {
    if (this.data.phase !== 'choosing') throw new Error(this.meta ? 'the files were chosen already' : 'the metadata has not arrived yet');
    if (this.closed) throw new Error('the torrent was removed');
    const meta = this.data.meta;
    this.initialFilePriorities = [...priorities];
    this.awaitingFileChoice = false;
    // A restarted magnet's record has no pieces; the choice, not that record, decides the priorities.
    if (this.resumeInit && this.resumeInit.pieceCount !== meta.pieceCount) this.resumeInit = null;
    await this.metadataReady(meta);
  }

  /** The verified metadata becomes the transfer: storage prepared, the .torrent kept, 'metadata' emitted. */
  private async metadataReady(meta: Metainfo): Promise<void> {
    await this.prepare(meta);
    const transfer = this.transfer;
    if (!transfer) return;
    const info = meta.infoBytes;
    // The magnet's ws= web seeds are kept as url-list (none for a private torrent: see webSeedSources).
    const webSeeds = webSeedSources(transfer.meta, this.magnetWebSeeds).map((w) => w.url);
    const file = torrentFileFromInfo(info, this.trackerTiers, { pieceLayers: pieceLayersOf(meta), webSeeds });
    await this.store?.saveTorrent(this.infoHash, file).catch((err: unknown) =>
      this.ctx.warn(`${this.name}: saving metadata failed: ${errorText(err)}`),
    );
    this.resumeRecords.markChanged(); // the record holds the metadata's pieces now, not the magnet
    this.emit('metadata');
    if (transfer.finished) this.finished();
  }

  /**
   * The metadata told the hashes a magnet did not (a btmh-only magnet of a hybrid learns its
   * v1 hash, a btih-only one its v2 hash), as libtorrent's set_metadata: the session indexes
   * them (and drops a magnet it now knows is this torrent), and the trackers and the DHT hear
   * of every hash from now on.
   */
  private learnHashes(hashes: InfoHashes): void {
    if (!learnedMore(this.knownHashes, hashes)) return;
    this.knownHashes = hashes;
    this.ctx.hashesLearned?.(this);
    if (this.active && !this.closed) {
      void this.discovery.stop();
      this.discovery.start(this.trackerTiers, { finished: false, dht: this.dhtOn });
    }
  }

  /** Keeps at most MAX_TRACKERS_PER_TORRENT trackers (a stranger's list can hold thousands); warns once per torrent if any were dropped. */
  private limitTrackers(tiers: string[][]): string[][] {
    const limited = limitTrackerTiers(tiers);
    if (limited.ignored > 0 && !this.trackersCutWarned) {
      this.trackersCutWarned = true;
      this.ctx.warn(`${this.name}: ${ignoredTrackersMessage(limited.ignored)}`);
    }
    return limited.tiers;
  }

  // --- peers: connecting ------------------------------------------------------------------

  /** Learns peers to dial; `source` names a PEX peer, a tracker or the DHT, whose share of the candidates is capped. */
  addPeers(peers: PeerAddress[], source: string | null = null): void {
    this.dialer.add(peers, source);
    if (this.dialer.candidates.size > 0) this.tickAgain();
  }

  /**
   * Adds trackers not yet known (a duplicate add merges them, as qBittorrent does). A running
   * torrent announces to the whole list from now on; the list is kept in the resume record.
   */
  addTrackers(tiers: string[][]): void {
    const merged = this.limitTrackers(mergeTiers(this.trackerTiers, tiers));
    if (merged.flat().length === this.trackerTiers.flat().length) return;
    this.useTrackers(merged);
  }

  /** Replaces a tracker's URL in its tier (the Trackers tab's "Edit"); kept in the resume record. */
  editTracker(url: string, newUrl: string): TrackerEdit['kind'] {
    const edit = replaceTracker(this.trackerTiers, url, newUrl);
    if (edit.kind !== 'edited') return edit.kind;
    if (newUrl === url) return 'edited';
    this.trackersEdited = true;
    this.useTrackers(edit.tiers);
    return 'edited';
  }

  /** Removes the trackers listed (all may go: peers then come from the DHT and PEX unless private); returns how many it had. */
  removeTrackers(urls: readonly string[]): number {
    const { tiers, removed } = withoutTrackers(this.trackerTiers, urls);
    if (removed === 0) return 0;
    this.trackersEdited = true;
    this.useTrackers(tiers);
    return removed;
  }

  /** "Force reannounce": a running torrent asks its trackers and the DHT for peers now; a paused one does nothing. */
  reannounce(): void {
    if (this.active) this.discovery.reannounce();
  }

  /** A running torrent announces to the new list from now on (the old one hears `stopped`); the list is kept in the resume record. */
  private useTrackers(tiers: string[][]): void {
    this.trackerTiers = tiers;
    if (this.active) this.discovery.setTrackers(this.trackerTiers, this.transfer?.finished ?? false);
    void this.saveResume();
  }

  /** Whether to dial more: running, and not a seed that has peers already. */
  private wantsPeers(): boolean {
    return this.active && !(this.transfer?.finished && this.peersById.size > 0);
  }

  private *connectedAddresses(): Generator<PeerAddress> {
    for (const peer of this.peersById.values()) {
      const address = this.reachableAddress(peer);
      if (address) yield address;
    }
  }

  /** The TCP connection (and MSE handshake, if any) to a dialled peer is up: a connection for it (the dialer starts it). */
  private openDialled(socket: net.Socket, key: string, mse: MseResult | null): PeerConnection {
    return this.createPeer(socket, key, false, mse ? { cipher: mse.cipher, encrypted: true } : undefined);
  }

  /** A peer dialled us and its handshake named this torrent (the session routed it here). */
  acceptIncoming(socket: net.Socket, hello: IncomingHello): void {
    if (!this.active || this.peersById.size >= this.ctx.maxPeers) {
      socket.destroy();
      return;
    }
    const host = socket.remoteAddress ?? '?';
    const address = host.includes(':') ? `[${host}]:${socket.remotePort ?? 0}` : `${host}:${socket.remotePort ?? 0}`;
    // A hybrid is reached by its v1 or its v2 hash: answer with the one the peer used.
    const peer = this.createPeer(socket, address, true, hello, hello.handshake.infoHash);
    socket.on('data', (chunk: Buffer) => {
      peer.receive(chunk);
      if (!this.throttleDownload(socket, chunk.length)) socket.pause();
    });
    peer.start(hello.handshake, hello.leftover);
  }

  private createPeer(
    socket: net.Socket,
    address: string,
    incoming: boolean,
    mse?: { cipher: PeerCipher | null; encrypted: boolean },
    wireHash: Buffer = this.wireHash,
  ): PeerConnection {
    const second = this.secondWireHash;
    return new PeerConnection(socket, this, {
      infoHash: wireHash,
      // Under the v1 hash of a hybrid: the BEP 52 upgrade bit, and the peer may answer under the v2 hash.
      ...(second && !wireHash.equals(second) ? { v2: second } : {}),
      ourPeerId: this.ctx.peerId,
      incoming,
      address,
      opening: (p) => this.sendOpening(p),
      cipher: mse?.cipher ?? null,
      encrypted: mse?.encrypted ?? false,
      ...(this.ctx.sendShares ? { sendShares: this.ctx.sendShares } : {}),
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
        pex: this.pexOn,
      });
      peer.send(msg.extended(0, hs));
    }
    this.data.handler.sendHave(peer);
    // BEP 5: a peer whose handshake has the DHT bit is told where our node listens, after the
    // bitfield as libtorrent sends it, so it can add us to its routing table.
    const dhtPort = peer.supportsDht && this.dhtOn ? this.ctx.dht?.portFor?.(isIPv6(peer.ip) ? 6 : 4) : null;
    if (dhtPort) peer.send(msg.port(dhtPort));
  }

  /** BEP 5 PORT: the peer's DHT node, offered to ours (pinged, kept if it answers); not for a private torrent. */
  peerDhtPort(peer: PeerConnection, port: number): void {
    if (this.dhtOn) this.ctx.dht?.nodeOffered?.({ host: peer.ip, port });
  }

  /** Where other peers can reach this one: the address we dialled, or its IP + advertised listen port. */
  private reachableAddress(peer: PeerConnection): PeerAddress | null {
    const dialled = this.dialer.addressOf(peer);
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

  /** The buffer an outgoing TCP socket reads into next (see limitedReadBuffer). */
  private readBufferNow(): Buffer {
    return limitedReadBuffer(this.ctx.readBuffer, availableAll(this.downloadLimits));
  }

  /** Download rate limits for web seed bytes: ms to pause reading after `bytes`. */
  downloadWait(bytes: number): number {
    return takeAll(this.downloadLimits, bytes);
  }

  private get downloadLimits(): TokenBucket[] {
    return [this.ownDownloadLimit, this.ctx.globalDownloadLimit];
  }

  get disk(): DiskWorkers {
    return this.ctx.disk;
  }

  get readCacheShares(): ReadCacheShares | undefined {
    return this.ctx.readCacheShares;
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

  /** Connections this torrent holds or is opening: the session counts them against its limit. */
  get connectionCount(): number {
    return this.peersById.size + this.dialer.halfOpen;
  }

  private get maxConnectionsPerIp(): number {
    return this.ctx.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP;
  }

  private *connectedIps(): Iterable<string> {
    for (const peer of this.peersById.values()) yield peer.ip;
  }

  // --- PeerHandler: connection events here, piece messages to the data handler -------------

  peerReady(peer: PeerConnection): void {
    this.dialer.handshakeDone(peer);
    for (const other of this.peersById.values()) {
      if (other.remotePeerId && peer.remotePeerId && other.remotePeerId.equals(peer.remotePeerId)) {
        // The peer closes one of the two as well: the same one, by libtorrent's rule.
        if (duplicateToClose(this.ctx.peerId, peer.remotePeerId, !peer.incoming) === 'new') {
          peer.close({ kind: 'duplicate' });
          return;
        }
        other.close({ kind: 'duplicate' });
        break;
      }
    }
    // One address may not take every slot: the newcomer over the limit goes (as libtorrent does).
    if (overIpLimit(peer.ip, this.connectedIps(), this.maxConnectionsPerIp)) {
      peer.close({ kind: 'duplicate', detail: `more than ${this.maxConnectionsPerIp} connections from one address` });
      return;
    }
    this.peersById.set(peer.id, peer);
    this.tickAgain();
  }

  peerBitfield(peer: PeerConnection): void {
    this.data.handler.peerBitfield(peer);
  }

  peerHave(peer: PeerConnection, index: number): void {
    this.data.handler.peerHave(peer, index);
  }

  peerChoked(peer: PeerConnection): void {
    this.data.handler.peerChoked(peer);
  }

  peerUnchoked(peer: PeerConnection): void {
    this.data.handler.peerUnchoked(peer);
  }

  peerInterest(peer: PeerConnection, interested: boolean): void {
    this.data.handler.peerInterest(peer, interested);
  }

  blockStart(peer: PeerConnection, index: number, begin: number, length: number): boolean {
    return this.data.handler.blockStart(peer, index, begin, length);
  }

  blockData(peer: PeerConnection, bytes: Buffer, offsetInBlock: number): void {
    this.data.handler.blockData(peer, bytes, offsetInBlock);
  }

  blockEnd(peer: PeerConnection): void {
    this.data.handler.blockEnd(peer);
  }

  peerRequest(peer: PeerConnection, index: number, begin: number, length: number): void {
    this.data.handler.peerRequest(peer, index, begin, length);
  }

  peerCancel(peer: PeerConnection, index: number, begin: number, _length: number): void {
    this.data.handler.peerCancel(peer, index, begin);
  }

  peerReject(peer: PeerConnection, index: number, begin: number, _length: number): void {
    this.data.handler.peerReject(peer, index, begin);
  }

  peerAllowedFast(_peer: PeerConnection, _index: number): void {}

  peerSuggest(_peer: PeerConnection, _index: number): void {}

  peerExtensionHandshake(peer: PeerConnection): void {
    if (this.data.phase === 'magnet') this.data.handler.peerExtensionHandshake(peer);
    if (this.pexOn) this.pex.sendTo(peer, this.peersById.values());
  }

  peerExtended(peer: PeerConnection, localId: number, payload: Buffer): void {
    if (localId === LOCAL_EXTENSIONS.ut_metadata) return this.onMetadataMessage(peer, payload);
    if (localId === LOCAL_EXTENSIONS.ut_pex && this.pexOn) this.addPeers(this.pex.receive(peer, payload), pexSourceOf(peer));
  }

  private onMetadataMessage(peer: PeerConnection, payload: Buffer): void {
    const message = decodeMetadataMessage(payload);
    if (typeof message === 'string') return peer.close({ kind: 'bad-metadata', detail: `bad ut_metadata message: ${message}` });
    if (message.type !== 'request') {
      if (this.data.phase === 'magnet') this.data.handler.metadataMessage(peer, message);
      return;
    }
    const remoteId = peer.extensions?.ids.get('ut_metadata');
    if (!remoteId) return;
    const reply = metadataReply(this.meta?.infoBytes ?? null, message.piece, peer.unsentBytes, peer.sendShare);
    if (reply) peer.send(msg.extended(remoteId, reply));
  }

  peerHashMessage(peer: PeerConnection, id: number, payload: Buffer): void {
    this.v2Hashes.message(peer, id, payload);
  }

  peerClosed(peer: PeerConnection, reason: CloseReason): void {
    this.v2Hashes.peerGone(peer);
    const known = this.peersById.delete(peer.id);
    if (known) this.data.handler.peerGone(peer);
    this.dialer.peerClosed(peer, reason, known);
    if (known && !isRoutineClose(reason)) this.ctx.warn(`${peer.address}: ${describeClose(reason)}`);
    if (this.active) setTimeout(() => this.dialer.connectMore(), 100).unref();
  }

  // --- TransferHost -------------------------------------------------------------------------

  blockArrived(index: number, received: number, total: number): void {
    this.tickAgain();
    this.emit('block', index, received, total);
  }

  pieceChecked(index: number, ok: boolean): void {
    if (ok) this.resumeRecords.markChanged();
    this.emit('piece', index, ok);
  }

  finished(): void {
    // A file replaced on disk since it was written to lost what was verified in it: check again instead.
    const replaced = this.transfer?.storage.replacedFiles() ?? [];
    if (replaced.length > 0) return void this.recheckReplaced(replaced);
    this.completedAtValue = Date.now();
    this.resumeRecords.markChanged();
    this.update();
    this.discovery.completed();
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
    if (!this.transfer?.finished || this.state === 'error') return;
    // The check just hashed what is on disk: all there. Not asked again (a file system whose
    // inode numbers drift would otherwise recheck forever).
    this.transfer.storage.replacedFiles();
    this.finished();
  }

  ban(peer: PeerConnection): void {
    const address = this.reachableAddress(peer);
    if (address) this.dialer.ban(address);
    this.bannedPeers.push({ address: peer.address, failures: peer.hashFailures });
    if (this.bannedPeers.length > MAX_BANNED_REMEMBERED) this.bannedPeers.shift();
    this.ctx.warn(`${peer.address}: banned after ${peer.hashFailures} pieces failed their hash check`);
    peer.close({ kind: 'banned', detail: 'sent data that failed the hash check' });
  }

  warn(message: string): void {
    this.ctx.warn(message);
  }

  // --- periodic ---------------------------------------------------------------------------

  /**
   * Joins the once-a-second round if running and not in it: at activation, and when an idle
   * torrent that left it gets something to do — a peer (peerReady), an address to dial
   * (addPeers), a block (blockArrived: a web seed's, without peers), or a fact its resume
   * record holds changed (the ResumeKeeper calls this).
   */
  private tickAgain(): void {
    if (!this.active || this.stopTicking) return;
    this.stopTicking = (this.ctx.every ?? ownInterval)(TICK_MS, () => this.everySecond());
  }

  private everySecond(): void {
    this.ticks++;
    // The periodic save, counted in ticks rather than on a timer of its own.
    if (this.resumeRecords.enabled && this.ticks % (RESUME_SAVE_INTERVAL_MS / TICK_MS) === 0 && this.resumeRecords.outOfDate(this.totals())) void this.saveResume();
    if (this.peersById.size > 0 || this.dialer.halfOpen > 0 || this.dialer.candidates.size > 0) return this.tick();
    // No peer and nobody to dial (an idle seed, most of 10,000 torrents): nothing to do each
    // second. Once the record is saved (the change that came last waits for its periodic save
    // as before) it leaves the round, as libtorrent ticks only the torrents that want it: with
    // 10,000 idle torrents the round was 10,000 calls a second, and their periodic checks came
    // all in the same second.
    if (this.resumeRecords.enabled && this.resumeRecords.outOfDate(this.totals())) return;
    this.stopTicking?.();
    this.stopTicking = null;
  }

  private tick(): void {
    this.data.handler.tick();
    this.v2Hashes.tick();
    this.sendPex();
    this.dialer.connectMore();
  }

  private sendPex(): void {
    if (!this.pexOn) return;
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
    const wanted = t?.wantedBytes() ?? { size: this.meta?.payloadLength ?? 0, done: 0 };
    return {
      infoHash: this.infoHash,
      name: this.name,
      state: this.state,
      error: this.fault?.message ?? null,
      size: this.meta?.payloadLength ?? 0,
      pieceLength: this.meta?.pieceLength ?? 0,
      pieceCount: this.meta?.pieceCount ?? 0,
      verifiedPieces: t?.picker.have.count ?? 0,
      completedBytes: t?.completedBytes() ?? 0,
      wantedSize: wanted.size,
      wantedCompletedBytes: wanted.done,
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
      category: this.categoryName,
      queuePosition: this.queuePosition,
      seedingSeconds: this.seedingSeconds(),
      moveProgress: this.moveProgress,
      allTimeDownloaded: this.totals().downloaded,
      allTimeUploaded: this.totals().uploaded,
      seedingLimits: this.seedingLimits(),
    };
  }

  pieceStatus(): Uint8Array {
    // While checking, the pieces found good so far: the mosaic fills as the check goes, where it
    // went blank until the end of a recheck (minutes, on a large torrent). Files skipped meanwhile
    // show as Skipped at once, not as Missing until the check ends and the picker learns of them.
    if (this.transfer) return this.transfer.pieceStatus();
    return this.checking?.pieceStatus(this.prioritiesWhileChecking) ?? new Uint8Array(0);
  }

  inFlight(): Array<[number, number, number]> {
    return this.transfer?.inFlight() ?? [];
  }

  availability(): Uint16Array {
    return this.transfer?.availability() ?? new Uint16Array(0);
  }

  peers(): PeerStats[] {
    const peers = [...this.peersById.values()].map((p) => peerStats(p, this.pieceCount, this.dialer.originsOf(p)));
    return [...peers, ...(this.transfer?.webSeedList ?? []).map(webSeedStats)];
  }

  /** The Trackers tab's DHT, PeX and LSD rows (discovery-rows.ts). */
  discoveryRows(): DiscoveryView {
    const on = this.ctx.peerSources ?? { pex: true, lsd: false };
    const peers = [...this.peersById.values()].map((p) => ({ isSeed: p.isSeed, origins: this.dialer.originsOf(p) }));
    return discoveryRows(this.isPrivate, { dht: this.dhtRunning, pex: on.pex, lsd: on.lsd }, peers);
  }


  files(): FileStats[] {
    if (this.transfer) return this.transfer.files();
    // While checking (minutes, for a large torrent) the files are shown, with the priorities the
    // user gave them meanwhile, as qBittorrent does.
    const files = this.checking?.files() ?? [];
    return files.map((f, i) => (this.prioritiesWhileChecking.has(i) ? { ...f, priority: this.prioritiesWhileChecking.get(i)! } : f));
  }

  /** The piece-source log of the current transfer (null before the metadata and storage are ready). */
  pieceSources(from: number, sourcesFrom: number, generation?: number, limit?: number): PieceSourcesView | null {
    return this.transfer?.sources.query(from, sourcesFrom, generation, limit) ?? null;
  }

  /** Each connected peer's pieces (null before the metadata and storage are ready). */
  peerPieces(known: ReadonlyMap<string, number>): PeerPiecesResult | null {
    const t = this.transfer;
    if (!t) return null;
    const picker = t.picker;
    return peerPieces(this.peersById.values(), { pieceCount: picker.pieceCount, has: (i) => picker.have.has(i), isWanted: (i) => picker.isWanted(i) }, known);
  }

  /** The pieces being downloaded now, block by block (null before storage is ready). */
  torrentFile(): Buffer | null {
    const meta = this.meta;
    if (!meta) return null;
    const webSeeds = webSeedSources(meta, this.magnetWebSeeds).map((w) => w.url);
    return torrentFileFromInfo(meta.infoBytes, this.trackerTiers, { pieceLayers: pieceLayersOf(meta), webSeeds });
  }

  inFlightPieces(): InFlightView | null {
    const t = this.transfer;
    return t ? inFlightView(t.picker.inFlight.values(), this.peersById.values(), Date.now()) : null;
  }

  /** Why it is slow or stuck, ranked (health.ts). */
  health(): TorrentHealth {
    const facts = collectHealthFacts({
      stats: this.stats(),
      hasMetadata: this.meta !== null,
      private: this.isPrivate,
      transfer: this.transfer,
      peers: this.peersById.values(),
      trackers: this.trackers(),
      knownPeers: this.dialer.candidates.size,
      connecting: this.dialer.halfOpen,
      dhtNodes: this.dhtRunning ? (this.ctx.dht?.nodeCount?.() ?? null) : null,
      ownDownloadLimit: this.ownDownloadLimit.limit,
      globalDownloadLimit: this.ctx.globalDownloadLimit.limit,
      banned: this.bannedPeers,
      reachability: this.ctx.reachability?.() ?? null,
      localAddresses: interfaceAddresses(),
    });
    return { infoHash: this.infoHash, causes: diagnose(facts) };
  }

  trackers(): TrackerStats[] {
    return (
      this.discovery.trackers() ??
      this.trackerTiers.flatMap((tier, i) =>
        tier.map((url) => ({ url, tier: i, status: 'idle' as const, message: null, lastAnnounce: null, peers: 0, seeders: null, leechers: null })),
      )
    );
  }

  setFilePriority(fileIndex: number, priority: FilePriority): void {
    const t = this.transfer;
    if (!t) {
      // Checking: kept for when the check ends (it reads skipped files' bytes from the part
      // file, which a change now would move under it). Dropped before, it was lost silently.
      // 'unprepared' covers the check and the steps before it — a recheck or a move draining
      // the old transfer, whose priorities it has already read, before the new one exists: a
      // priority set then is kept the same way (prepare applies them all once it is checked).
      const file = this.data.phase === 'unprepared' ? this.data.meta.files[fileIndex] : undefined;
      if (file && !file.pad) this.prioritiesWhileChecking.set(fileIndex, priority);
      return;
    }
    const wasFinished = t.finished;
    t.setFilePriority(fileIndex, priority);
    this.resumeRecords.markChanged();
    if (!wasFinished && t.finished) this.finished();
    else if (wasFinished && !t.finished) this.update();
  }

  /** Forgets what is verified and hashes the data on disk again (the user's "Force recheck"). */
  async recheck(): Promise<void> {
    const meta = this.meta;
    // Waiting for the file choice there is nothing on disk to check (and preparing now would skip the choice).
    if (!meta || this.closed || this.data.phase === 'choosing') return;
    if (this.preparing) await this.preparing;
    // Hashing the data again is a retry too: a fault it fixes must not stay.
    this.fault = null;
    await this.rebuild(meta);
    await this.saveResume();
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
