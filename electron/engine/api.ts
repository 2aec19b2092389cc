import type { Reachability } from './session/reachability.js';
import type { Metainfo } from './metainfo/index.js';
/**
 * The engine's public surface: what the Electron shell, the web host and the CLI may use.
 * Everything observable is a typed event or a snapshot method; callers never reach into
 * peers, the picker or storage directly.
 *
 * Types the UI also sees (torrent states, file priorities, encryption modes, the shape of
 * a peer, file, tracker and torrent-info row) are the contract's own (shared/contract/types.ts
 * is the source; see docs/ARCHITECTURE.md): the engine produces them, the service only
 * clamps and adds what the contract derives (progress, ETA).
 */
import type { TorrentHealth } from '../../shared/contract/health.js';
import type { PieceSourcesView } from '../../shared/contract/piece-sources.js';
import type { PeerPiecesResult } from '../../shared/contract/peer-pieces.js';
import type { InFlightView } from '../../shared/contract/in-flight.js';
import type { DiscoveryView } from '../../shared/contract/trackers.js';
import type {
  EncryptionMode,
  FilePriority,
  FileView,
  PeerView,
  TorrentInfoView,
  TorrentState,
  TrackerView,
} from '../../shared/contract/types.js';
import type { QueueMove, QueueSettings, SeedingLimits, Statistics, TorrentSeedingLimits } from '../../shared/contract/policies.js';

export type { EncryptionMode, FilePriority, TorrentState } from '../../shared/contract/types.js';
export { ENCRYPTION_MODES } from '../../shared/contract/types.js';

/** A peer endpoint. `host` is an IPv4 or IPv6 literal (or a hostname from a magnet/CLI). */
export interface PeerAddress {
  host: string;
  port: number;
}

/** Where a torrent comes from when it is added. */
/** Invalid user input (a .torrent that does not parse, a malformed magnet): one-line message. */
export class TorrentInputError extends Error {
  override readonly name = 'TorrentInputError';
}

/** What a .torrent or magnet would add (the add dialog's facts); see EngineSession.inspect. */
export interface SourceFacts {
  infoHash: string;
  name: string | null;
  /** Payload bytes (pad files left out); null for a magnet. */
  size: number | null;
  /** Files without pad files; null for a magnet. */
  fileCount: number | null;
  /** The first `maxFiles` files (pad files left out). */
  files: Array<{ path: string; size: number }>;
  trackerCount: number;
  private: boolean;
}

export type TorrentSource =
  /**
   * `parsed`: the caller's own parse of these same bytes (the CLI parses once to lock the
   * torrent's folder), which spares a second parse — and two more copies of a 5 MiB .torrent.
   */
  | { kind: 'torrent'; bytes: Uint8Array; parsed?: Metainfo }
  | { kind: 'magnet'; uri: string };

export interface AddTorrentOptions {
  /** Save directory; defaults to the session's download directory. */
  savePath?: string;
  /** Peers to dial straight away (CLI --peer, magnet x.pe). */
  peers?: PeerAddress[];
  /** Add in paused state. */
  paused?: boolean;
  /** Per file without pad files, in metainfo order (as inspect lists them); files beyond stay normal. */
  filePriorities?: FilePriority[];
  sequential?: boolean;
  firstLastPiecesFirst?: boolean;
  /** A label kept with the torrent (the service's categories); null = none. */
  category?: string | null;
  /**
   * A magnet stops once its metadata is verified, before storage is prepared, and emits
   * 'filesToChoose'; it goes on with EngineTorrent.chooseFiles (the add dialog's file tree).
   */
  chooseFilesFirst?: boolean;
}

/** Per-piece state as the UI draws it. `inFlight` carries blocks received / total. */
export const enum PieceStatus {
  Missing = 0,
  InFlight = 1,
  Verified = 2,
  Failed = 3,
  /** Missing and not wanted (only skipped files or padding in it): never requested. */
  Skipped = 4,
}

export interface TorrentStats {
  infoHash: string; // 40 lower-case hex
  name: string;
  state: TorrentState;
  error: string | null;
  size: number; // payload bytes (pad files excluded)
  pieceLength: number;
  pieceCount: number;
  verifiedPieces: number;
  /** Verified payload bytes, 0..size. */
  completedBytes: number;
  /**
   * The wanted part (pieces of files not set to "Do not download"): its payload bytes and how
   * many are verified. What the torrent list shows as Size and progress, as qBittorrent does.
   * Absent (an engine without file selection): the whole torrent is wanted.
   */
  wantedSize?: number;
  wantedCompletedBytes?: number;
  /** Payload bytes received from peers in this session (including later-discarded). */
  downloaded: number;
  uploaded: number;
  /** Bytes per second, smoothed. */
  downloadRate: number;
  uploadRate: number;
  peers: number;
  seeds: number;
  hashFailures: number;
  /** Pieces hashed from disk at start (re-check), and pieces trusted from resume data without hashing. */
  checkedPieces?: number;
  resumedPieces?: number;
  savePath: string;
  addedAt: number; // ms since epoch
  completedAt: number | null;
  sequential: boolean;
  /** Each file's first and last piece are fetched first. */
  firstLastPiecesFirst: boolean;
  /** Optional: engines without queueing, categories or seeding limits leave them out. */
  category?: string | null;
  /** 1-based place in the session's queue. */
  queuePosition?: number;
  seedingSeconds?: number;
  /** Payload bytes over the torrent's life (earlier sessions included). */
  allTimeDownloaded?: number;
  allTimeUploaded?: number;
  seedingLimits?: TorrentSeedingLimits;
  /** A move of the data in progress: fraction done; null or absent when not moving. */
  moveProgress?: number | null;
}

/** One connected peer: the contract's PeerView (its `flags` letters are documented there). */
export type PeerStats = PeerView;

/** One file of the torrent: the contract's FileView without the derived `progress`. */
export type FileStats = Omit<FileView, 'progress'>;

/** One tracker: the contract's TrackerView (`nextAnnounce` optional: null or absent when unknown). */
export type TrackerStats = TrackerView;

/** Events a Torrent emits. Rates of `block`/`piece` events can be very high: consumers throttle. */
export interface TorrentEvents {
  /** A block arrived: piece `index` now has `received` of `total` blocks. */
  block: (index: number, received: number, total: number) => void;
  /** A piece passed (true) or failed (false) its hash check. */
  piece: (index: number, ok: boolean) => void;
  state: (state: TorrentState) => void;
  /** Every piece verified and written. */
  done: () => void;
  error: (message: string) => void;
  /** Metadata arrived for a magnet; the torrent now has pieces and files. */
  metadata: () => void;
  /** A magnet added with chooseFilesFirst has its metadata and waits for chooseFiles (see fileChoice). */
  filesToChoose: () => void;
}

export interface SessionEvents {
  added: (infoHash: string) => void;
  removed: (infoHash: string) => void;
  /** A non-fatal problem worth logging (bad peer, bad tracker reply...). */
  warning: (message: string) => void;
  /** Port mapping or incoming connections changed (see Session.reachability()). */
  reachability: (reachability: Reachability) => void;
}

export interface SessionOptions {
  /** Default save directory for new torrents. */
  downloadDir: string;
  /** Listening port: 0 = any free port; default 6881 or the next free one. */
  port?: number;
  /** When `port` is taken, use one of the next nine or any free port (a saved preference, not a demand). */
  portFallback?: boolean;
  /** Bind address for the listening socket (default: every address, IPv4 and IPv6 on one port; "0.0.0.0" = IPv4 only). */
  listenHost?: string;
  /** Max connected peers per torrent. */
  maxPeersPerTorrent?: number;
  /** Connections one address may hold in one torrent (loopback exempt); 0 = no cap; default DEFAULT_MAX_CONNECTIONS_PER_IP. */
  maxConnectionsPerIp?: number;
  /** Peer connections of the whole session at most (default DEFAULT_MAX_CONNECTIONS, 500); half the open-file limit caps it. */
  maxConnections?: number;
  /** Run a DHT node (default true). */
  dht?: boolean;
  /** DHT bootstrap nodes as host:port (default: the well-known public routers). */
  dhtBootstrap?: string[];
  /** UDP port of the DHT node (default: the listening port, or any free one if taken). */
  dhtPort?: number;
  /** One DHT routing-table node per IP and per /24 (/64) per bucket, as libtorrent (default true; tests on 127.0.0.1 turn it off). */
  dhtRestrictRoutingIps?: boolean;
  /** State folder: torrents, fast-resume records, the DHT node list. None = nothing persisted. */
  stateDir?: string;
  /** Start the torrents recorded in the state folder (default true; the CLI starts only its own). */
  restore?: boolean;
  /** Default 'allow'. */
  encryption?: EncryptionMode;
  /** Session-wide limits in bytes per second from the start (before restored torrents run); 0 = unlimited. */
  downloadLimit?: number;
  uploadLimit?: number;
  /** Map the listening port on the router with UPnP IGD, NAT-PMP or PCP (default false; the hosts turn it on, see reachSettings). */
  portMapping?: boolean;
  /** BEP 14 Local Service Discovery on the LAN multicast groups (default false; the hosts turn it on). Never for private torrents. */
  lsd?: boolean;
  /**
   * The user's switches at start (Settings: DHT, PEX, LSD, port mapping; absent = on), before
   * any torrent is restored. `dht`, `lsd` and `portMapping` above say whether each may run at all
   * (the host's flags and environment): a switch turns on only what they allow.
   */
  peerSources?: Partial<PeerSourceSwitches>;
  /** uTP (BEP 29): dial it first and accept it, on the UDP port of the listening port number (default true, unless TESSERA_UTP=0). */
  utp?: boolean;
  /**
   * Write aligned stretches of verified pieces past the OS page cache (O_DIRECT) where the file
   * system allows, like qBittorrent's "disable OS cache" (default true, unless TESSERA_DIRECT_IO=0):
   * cheaper than filling the page cache, and a download does not push other files out of memory.
   */
  directWrites?: boolean;
}

/** The ways of finding peers and being found that the user switches on and off while running. */
export interface PeerSourceSwitches {
  dht: boolean;
  /** Peer exchange (ut_pex) with the peers of public torrents. */
  pex: boolean;
  lsd: boolean;
  portMapping: boolean;
}

/** Static facts about a torrent, for the Info tab and `tessera info`: the contract's TorrentInfoView without `savePath` (in TorrentStats). */
export type TorrentInfo = Omit<TorrentInfoView, 'savePath'>;


/** One torrent inside a session. Snapshot methods are cheap and return fresh copies. */
export interface EngineTorrent {
  readonly infoHash: string;
  info(): TorrentInfo;
  stats(): TorrentStats;
  /** One PieceStatus byte per piece. */
  pieceStatus(): Uint8Array;
  /** Blocks received so far for each in-flight piece: [pieceIndex, received, total][]. */
  inFlight(): Array<[number, number, number]>;
  /** How many connected peers have each piece. */
  availability(): Uint16Array;
  peers(): PeerStats[];
  files(): FileStats[];
  trackers(): TrackerStats[];
  /** Why it is slow or stuck, ranked (torrent/health.ts); absent in engines that cannot say. */
  health?(): TorrentHealth;
  /** The Trackers tab's DHT, PeX and LSD rows: each one's status and the connected peers it named. */
  discoveryRows?(): DiscoveryView;
  /** Who sent each verified piece and when, from a cursor (torrent/piece-sources.ts); absent in engines that do not log it. */
  pieceSources?(from: number, sourcesFrom: number, generation?: number, limit?: number): PieceSourcesView | null;
  /** Each connected peer's pieces; bitfields only for peers whose count differs from `known` (torrent/peer-pieces.ts). */
  peerPieces?(known: ReadonlyMap<string, number>): PeerPiecesResult | null;
  /** The pieces being downloaded now, block by block (torrent/in-flight.ts). */
  inFlightPieces?(): InFlightView | null;
  /** The torrent as a .torrent file (info dict verbatim, trackers, piece layers, web seeds); null while a magnet has no metadata. */
  torrentFile?(): Buffer | null;
  /** While a magnet added with chooseFilesFirst waits for its file choice: the files to choose from; else null. */
  fileChoice?(maxFiles: number): SourceFacts | null;
  /** The file choice (per file without pad files, in fileChoice's order; files beyond stay normal); then storage is prepared and the download starts. */
  chooseFiles?(priorities: readonly FilePriority[]): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  setFilePriority(fileIndex: number, priority: FilePriority): void;
  setSequential(on: boolean): void;
  /** Fetch each file's first and last piece first (media previews). */
  setFirstLastPiecesFirst(on: boolean): void;
  /** Forget verified pieces and hash the data on disk again. */
  recheck(): Promise<void>;
  /** This torrent's own limits in bytes per second; 0 = unlimited. Kept in its resume record. */
  setRateLimits(limits: { download?: number; upload?: number }): void;
  rateLimits(): { download: number; upload: number };
  addPeers(peers: PeerAddress[]): void;
  /** Trackers to add (a duplicate add merges its trackers, as qBittorrent does); known URLs are skipped. */
  addTrackers(tiers: string[][]): void;
  /** Replaces a tracker's URL in its tier; 'not-found' when it has no such tracker, 'duplicate' when it has `newUrl` already. Kept in the resume record. */
  editTracker(url: string, newUrl: string): 'edited' | 'not-found' | 'duplicate';
  /** Removes the trackers listed that it has (every one may go); returns how many. Kept in the resume record. */
  removeTrackers(urls: readonly string[]): number;
  /** "Force reannounce": running, it announces to its trackers and the DHT now; paused, nothing. */
  reannounce(): void;
  /** A label kept in the resume record. */
  setCategory(category: string | null): void;
  /** Own seeding limits (-2 = the session's, -1 = none); kept in the resume record. */
  setSeedingLimits(limits: TorrentSeedingLimits): void;
  /** Moves the data to another folder (see storage/move-files.ts); on failure the data stays and this rejects. */
  moveStorage(target: string): Promise<void>;
  /** Renames a file or folder (its path as files() lists it) to `newName` (no separators); on failure nothing changes and this rejects. */
  renamePath(from: string, newName: string): Promise<void>;
  on<K extends keyof TorrentEvents>(event: K, listener: TorrentEvents[K]): this;
  off<K extends keyof TorrentEvents>(event: K, listener: TorrentEvents[K]): this;
}

/** One per process: the listening socket, the torrents, global settings. */
export interface EngineSession {
  /** The actual listening port. */
  readonly port: number;
  /** Throws TorrentInputError (with a one-line message) for invalid .torrent bytes or magnets. */
  add(source: TorrentSource, options?: AddTorrentOptions): Promise<EngineTorrent>;
  /** Parses `source` exactly as `add` would, adding nothing. Throws TorrentInputError. */
  inspect(source: TorrentSource, maxFiles: number): Promise<SourceFacts>;
  get(infoHash: string): EngineTorrent | undefined;
  list(): EngineTorrent[];
  remove(infoHash: string, options: { deleteData: boolean }): Promise<void>;
  /** Session-wide limits in bytes per second; 0 = unlimited (the default). */
  setRateLimits(limits: { download?: number; upload?: number }): void;
  rateLimits(): { download: number; upload: number };
  /** Applies to connections made from now on. */
  setMaxPeersPerTorrent(max: number): void;
  /** Connections one address may hold in one torrent; 0 = no cap. Applies to connections made from now on. */
  setMaxConnectionsPerIp(max: number): void;
  /** The session's connections at most; applies to new connections (none is closed). */
  setMaxConnections(max: number): void;
  /** Applies to connections made from now on. */
  setEncryption(mode: EncryptionMode): void;
  readonly encryption: EncryptionMode;
  /** Queueing limits (session/queue-policy.ts); applies at once. */
  setQueueSettings(settings: QueueSettings): void;
  /** Moves torrents in the queue (kept in their resume records). */
  moveInQueue(infoHashes: string[], to: QueueMove): void;
  /** Global seeding limits and what happens at them (session/seeding-limits.ts). */
  setSeedingLimits(limits: SeedingLimits): void;
  /** Bytes moved this session and all time (all time kept in the state folder). */
  statistics(): Statistics;
  /** Whether peers can reach us (port mapping, incoming connections); absent in sessions that cannot tell. */
  reachability?(): Reachability;
  /**
   * Turns DHT, PEX, LSD and port mapping on or off now, for every torrent (fields left out
   * keep their value). One the session options keep off (the host's flags, environment) stays
   * off. Resolves once sockets are open or closed and mappings removed.
   */
  setPeerSources?(switches: Partial<PeerSourceSwitches>): Promise<void>;
  /** Which of them run now: the user's switches and what the session options allow, together. */
  peerSources?(): PeerSourceSwitches;
  close(): Promise<void>;
  on<K extends keyof SessionEvents>(event: K, listener: SessionEvents[K]): this;
  off<K extends keyof SessionEvents>(event: K, listener: SessionEvents[K]): this;
}
