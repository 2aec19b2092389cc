import type { Reachability } from './session/reachability.js';
/**
 * The engine's public surface: what the Electron shell, the web host and the CLI may use.
 * Everything observable is a typed event or a snapshot method; callers never reach into
 * peers, the picker or storage directly.
 */

/** A peer endpoint. `host` is an IPv4 or IPv6 literal (or a hostname from a magnet/CLI). */
export interface PeerAddress {
  host: string;
  port: number;
}

/** Where a torrent comes from when it is added. */
export type TorrentSource =
  | { kind: 'torrent'; bytes: Uint8Array }
  | { kind: 'magnet'; uri: string };

export interface AddTorrentOptions {
  /** Save directory; defaults to the session's download directory. */
  savePath?: string;
  /** Peers to dial straight away (CLI --peer, magnet x.pe). */
  peers?: PeerAddress[];
  /** Add in paused state. */
  paused?: boolean;
}

export type TorrentState =
  | 'metadata' // magnet: fetching the info dictionary
  | 'checking' // hashing existing data
  | 'downloading'
  | 'seeding'
  | 'paused'
  | 'error';

/** Per-piece state as the UI draws it. `inFlight` carries blocks received / total. */
export const enum PieceStatus {
  Missing = 0,
  InFlight = 1,
  Verified = 2,
  Failed = 3,
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
}

export interface PeerStats {
  id: string; // stable per connection
  address: string; // "ip:port" or "[ipv6]:port"
  client: string; // from peer id / extension handshake `v`
  incoming: boolean;
  /** qBittorrent-style flags, e.g. "D U I E X". */
  flags: string;
  downloadRate: number;
  uploadRate: number;
  downloaded: number;
  uploaded: number;
  /** Fraction of pieces the peer has, 0..1. */
  progress: number;
}

export interface FileStats {
  index: number;
  path: string; // relative, '/'-separated, sanitized
  size: number;
  completedBytes: number;
  priority: FilePriority;
  pad: boolean;
}

/** 0 = skip (never requested), 1 = normal, 2 = high. */
export type FilePriority = 0 | 1 | 2;

export interface TrackerStats {
  url: string;
  tier: number;
  status: 'idle' | 'announcing' | 'working' | 'error';
  message: string | null;
  lastAnnounce: number | null;
  peers: number;
  seeders: number | null;
  leechers: number | null;
}

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
}

export interface SessionEvents {
  added: (infoHash: string) => void;
  removed: (infoHash: string) => void;
  /** A non-fatal problem worth logging (bad peer, bad tracker reply...). */
  warning: (message: string) => void;
  /** Port mapping or incoming connections changed (see Session.reachability()). */
  reachability: (reachability: Reachability) => void;
}

/**
 * Peer connection encryption (MSE/PE), as in qBittorrent's preferences.
 * allow: accept encrypted and plain peers; dial plain, then MSE if the peer hangs up (default).
 * require: MSE with RC4 both ways; plain handshakes are refused.
 * disable: plain BitTorrent only; MSE handshakes are refused.
 */
export type EncryptionMode = 'allow' | 'require' | 'disable';
export const ENCRYPTION_MODES: readonly EncryptionMode[] = ['allow', 'require', 'disable'];

export interface SessionOptions {
  /** Default save directory for new torrents. */
  downloadDir: string;
  /** Listening port: 0 = any free port; default 6881 or the next free one. */
  port?: number;
  /** When `port` is taken, use one of the next nine or any free port (a saved preference, not a demand). */
  portFallback?: boolean;
  /** Bind address for the listening socket (default 0.0.0.0). */
  listenHost?: string;
  /** Max connected peers per torrent. */
  maxPeersPerTorrent?: number;
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
}

/** Static facts about a torrent, for the Info tab and `tessera info`. */
export interface TorrentInfo {
  infoHash: string;
  name: string;
  size: number;
  pieceLength: number;
  pieceCount: number;
  lastPieceLength: number;
  comment: string | null;
  createdBy: string | null;
  creationDate: number | null; // seconds since epoch
  private: boolean;
  /** Magnet without metadata yet: false (pieces/files are empty). */
  hasMetadata: boolean;
}


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
  pause(): Promise<void>;
  resume(): Promise<void>;
  setFilePriority(fileIndex: number, priority: FilePriority): void;
  setSequential(on: boolean): void;
  /** Fetch each file's first and last piece first (media previews). */
  setFirstLastPiecesFirst?(on: boolean): void;
  /** Forget verified pieces and hash the data on disk again. */
  recheck?(): Promise<void>;
  /** This torrent's own limits in bytes per second; 0 = unlimited. */
  setRateLimits?(limits: { download?: number; upload?: number }): void;
  rateLimits?(): { download: number; upload: number };
  addPeers(peers: PeerAddress[]): void;
  on<K extends keyof TorrentEvents>(event: K, listener: TorrentEvents[K]): this;
  off<K extends keyof TorrentEvents>(event: K, listener: TorrentEvents[K]): this;
}

/** One per process: the listening socket, the torrents, global settings. */
export interface EngineSession {
  /** The actual listening port. */
  readonly port: number;
  /** Throws TorrentInputError (with a one-line message) for invalid .torrent bytes or magnets. */
  add(source: TorrentSource, options?: AddTorrentOptions): Promise<EngineTorrent>;
  get(infoHash: string): EngineTorrent | undefined;
  list(): EngineTorrent[];
  remove(infoHash: string, options: { deleteData: boolean }): Promise<void>;
  /** Session-wide limits in bytes per second; 0 = unlimited (the default). */
  setRateLimits?(limits: { download?: number; upload?: number }): void;
  rateLimits?(): { download: number; upload: number };
  /** Applies to connections made from now on. */
  setMaxPeersPerTorrent?(max: number): void;
  /** Applies to connections made from now on. */
  setEncryption?(mode: EncryptionMode): void;
  readonly encryption?: EncryptionMode;
  close(): Promise<void>;
  on<K extends keyof SessionEvents>(event: K, listener: SessionEvents[K]): this;
  off<K extends keyof SessionEvents>(event: K, listener: SessionEvents[K]): this;
}
