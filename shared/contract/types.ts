/**
 * View models: what the renderer sees of the engine. Every type here is JSON-safe (no
 * Uint8Array, no Date, no undefined inside arrays) so the same objects cross Electron IPC
 * and the WebSocket unchanged. Byte arrays travel as base64 strings (see base64.ts).
 */
import {
  array,
  boolean,
  fraction,
  infoHash,
  literal,
  nonNegative,
  nonNegativeInt,
  nullable,
  number,
  object,
  optional,
  string,
  timestamp,
  tuple,
  type Shape,
  type Validator,
} from './validate.js';
import {
  altSpeedSettings,
  categories,
  categoryName,
  queueSettings,
  seedingLimits,
  torrentSeedingLimitsShape,
  watchFolderSettings,
  type AltSpeedSettings,
  type Category,
  type QueueSettings,
  type SeedingLimits,
  type WatchFolderSettings,
} from './policies.js';

// ---------------------------------------------------------------------------------------
// Pieces
// ---------------------------------------------------------------------------------------

/** Per-piece state codes (same numbers as the engine's PieceStatus). */
export const PieceState = {
  Missing: 0,
  /** Some blocks requested/received; drawn filled by `fraction`. */
  InFlight: 1,
  Verified: 2,
  /** Failed its hash check: the renderer flashes it. The next delta says what it became. */
  Failed: 3,
  /**
   * Not verified and not wanted: every file with bytes in it is set to "Do not download" (or it
   * holds only BEP 47 padding). Never requested, so not "still to come" (a piece shared with a
   * wanted file is wanted). Becomes Missing again when one of its files is wanted again.
   */
  Skipped: 4,
} as const;
export type PieceStateCode = (typeof PieceState)[keyof typeof PieceState];

/** One changed piece: [piece index, state, fraction of blocks received 0..1]. */
export type PieceChange = [index: number, state: PieceStateCode, fraction: number];

// ---------------------------------------------------------------------------------------
// Torrents
// ---------------------------------------------------------------------------------------

/** `queued`: wanted, but waiting for a free slot under the queue's active limits (see QueueSettings). */
export type TorrentState = 'metadata' | 'checking' | 'downloading' | 'seeding' | 'paused' | 'queued' | 'error';
export const TORRENT_STATES: readonly TorrentState[] = ['metadata', 'checking', 'downloading', 'seeding', 'paused', 'queued', 'error'];

/** One row of the torrent list. Sent in `snapshot`, `summaries` and `torrentAdded` events. */
export interface TorrentSummary {
  infoHash: string;
  name: string;
  state: TorrentState;
  /** Last error message when state is 'error' (or a non-fatal one), else null. */
  error: string | null;
  /**
   * Payload bytes of the wanted part (pieces of files not set to "Do not download"; a piece shared
   * with a wanted file is wanted whole): qBittorrent's "Size". 0 while a magnet fetches metadata.
   */
  size: number;
  /** Payload bytes of the whole torrent, skipped files included: qBittorrent's "Total size". */
  totalSize: number;
  /** Verified payload bytes of the wanted part (0..size). */
  completedBytes: number;
  /** completedBytes / size, 0..1 (0 when size is 0): progress over the wanted data, as qBittorrent shows it. */
  progress: number;
  /** Bytes per second. */
  downloadRate: number;
  uploadRate: number;
  /** Bytes transferred this session. */
  downloaded: number;
  uploaded: number;
  peers: number;
  seeds: number;
  /** Seconds until complete at the current rate; null when unknown/infinite or complete. */
  eta: number | null;
  pieceCount: number;
  pieceLength: number;
  verifiedPieces: number;
  hashFailures: number;
  /** ms since epoch. */
  addedAt: number;
  completedAt: number | null;
  sequential: boolean;
  /** First and last piece of each file are fetched before the rest (media previews). */
  firstLastPiecesFirst: boolean;
  /** This torrent's own limits in bytes per second, 0 = unlimited (the global limits apply as well). */
  downloadLimit: number;
  uploadLimit: number;
  /** Where the data lives on the machine running the engine (display only). */
  savePath: string;
  hasMetadata: boolean;
  /** The torrent's category (absent or null: none). See policies.ts. */
  category?: string | null;
  /** 1-based place in the queue (policies.ts QueueSettings); absent when the engine keeps no queue. */
  queuePosition?: number;
  /** Share ratio over the torrent's life: uploaded / downloaded. */
  ratio?: number;
  /** Seconds spent seeding over the torrent's life. */
  seedingSeconds?: number;
  /** This torrent's own seeding limits (TorrentSeedingLimits: -2 = the global one, -1 = none). */
  ratioLimit?: number;
  seedingTimeLimit?: number;
  /** A move of the data in progress (moveStorage): fraction done 0..1; null or absent when not moving. */
  moveProgress?: number | null;
}

/**
 * What changed in one torrent's summary since the previous summary event: its info-hash and
 * only the fields whose values differ (a whole summary is a change too).
 */
export type TorrentSummaryChange = Pick<TorrentSummary, 'infoHash'> & Partial<Omit<TorrentSummary, 'infoHash'>>;

/** Totals for the status bar. */
export interface SessionSummary {
  downloadRate: number;
  uploadRate: number;
  peers: number;
  /** The engine's listening port (actual, not the configured one). */
  listenPort: number;
  /** The global limits in effect in the engine, bytes per second; 0 = unlimited. */
  downloadLimit: number;
  uploadLimit: number;
  /** Whether peers can reach us: the port is mapped on the router or incoming connections came (absent: unknown). */
  connectable?: boolean;
  /** The same in one line for a person (port mapping, incoming connections). */
  reachability?: string;
}

/** Static facts for the Info tab. */
export interface TorrentInfoView {
  infoHash: string;
  name: string;
  size: number;
  pieceLength: number;
  pieceCount: number;
  lastPieceLength: number;
  comment: string | null;
  createdBy: string | null;
  /** Seconds since epoch. */
  creationDate: number | null;
  private: boolean;
  hasMetadata: boolean;
  savePath: string;
}

/**
 * The letters a PeerView's `flags` may hold, as qBittorrent uses them, and what each means.
 * The engine emits exactly these; the renderer's legend is made from this table.
 */
export const PEER_FLAGS = {
  D: 'downloading from it',
  d: 'we want its pieces but it chokes us',
  U: 'uploading to it',
  u: 'it wants our pieces but we choke it',
  I: 'incoming connection',
  H: 'peer from DHT',
  X: 'peer from PEX',
  L: 'peer from LSD (local peer discovery)',
  E: 'encrypted traffic (MSE with RC4)',
  e: 'encrypted handshake (MSE), plain traffic',
  S: 'snubbed: sent nothing for a while',
  P: 'µTP connection (uTP, BEP 29)',
} as const;
export type PeerFlag = keyof typeof PEER_FLAGS;

export interface PeerView {
  id: string;
  /** "ip:port" or "[ipv6]:port"; for a web seed (client "Web seed" or "HTTP seed"), its URL. */
  address: string;
  client: string;
  incoming: boolean;
  /** qBittorrent-style letters separated by spaces, each one of PEER_FLAGS (the one place they are explained). */
  flags: string;
  downloadRate: number;
  uploadRate: number;
  downloaded: number;
  uploaded: number;
  /** Fraction of pieces the peer has, 0..1. */
  progress: number;
}

/** 0 = skip (never downloaded), 1 = normal, 2 = high. */
export type FilePriority = 0 | 1 | 2;

export interface FileView {
  index: number;
  /** Relative, '/'-separated, sanitized. */
  path: string;
  size: number;
  completedBytes: number;
  /** completedBytes / size (1 for empty files). */
  progress: number;
  priority: FilePriority;
  /** BEP 47 padding file: hide it in the UI. */
  pad: boolean;
}

export type TrackerStatus = 'idle' | 'announcing' | 'working' | 'error';

export interface TrackerView {
  url: string;
  tier: number;
  status: TrackerStatus;
  message: string | null;
  /** ms since epoch. */
  lastAnnounce: number | null;
  /** ms since epoch of the next scheduled announce; absent/null when unknown or idle. */
  nextAnnounce?: number | null;
  peers: number;
  seeders: number | null;
  leechers: number | null;
}

// ---------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------

/**
 * Peer connection encryption (MSE/PE), qBittorrent's three choices:
 * allow — encrypted and plain peers (the default); require — encrypted peers only;
 * disable — plain peers only.
 */
export type EncryptionMode = 'allow' | 'require' | 'disable';
export const ENCRYPTION_MODES: readonly EncryptionMode[] = ['allow', 'require', 'disable'];

/**
 * Rate limits cross the contract in bytes per second (like every rate here, and like
 * qBittorrent's Web API); 0 = unlimited. The UI shows and edits them in KiB/s.
 * The largest accepted value, 100 GiB/s, is above any real link.
 */
export const MAX_RATE_LIMIT = 100 * 1024 * 1024 * 1024;
export const MAX_PEERS_PER_TORRENT = 10_000;
/** Connections one address may hold in one torrent when the setting is absent (why 2: engine/torrent/connections-per-ip.ts). */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 2;
/** The most `maxConnectionsPerIp` may be (0 = no cap). */
export const MAX_CONNECTIONS_PER_IP = 1_000;
/** The session's connections when the setting is absent: qBittorrent's global maximum (why: engine/session/connection-limits.ts). */
export const DEFAULT_MAX_CONNECTIONS = 500;
/** The most `maxConnections` may be (the engine also stays under half the open-file limit). */
export const MAX_CONNECTIONS = 65_535;

export interface Settings {
  /** Default save folder (display only: change it with the `chooseDownloadDir` command). */
  downloadDir: string;
  /** Configured listening port (0 = any free port). Applies on next start. */
  listenPort: number;
  /** Max connected peers per torrent (1..MAX_PEERS_PER_TORRENT). Applies at once, to running torrents too. */
  maxPeersPerTorrent: number;
  /**
   * Connections one IP address may hold in one torrent (an IPv6 /64 four times as many;
   * loopback exempt); 0 = no cap. Absent = 2 (see engine/torrent/connections-per-ip.ts). Applies to new connections.
   */
  maxConnectionsPerIp?: number;
  /**
   * Peer connections of all torrents together (1..MAX_CONNECTIONS; the engine also stays under
   * half the open-file limit). Absent = DEFAULT_MAX_CONNECTIONS. Applies to new connections.
   */
  maxConnections?: number;
  /** Native notification when a torrent completes (Electron). */
  notifyOnComplete: boolean;
  /** Global download limit, bytes per second; 0 = unlimited. Applies at once. */
  downloadLimit: number;
  /** Global upload limit, bytes per second; 0 = unlimited. Applies at once. */
  uploadLimit: number;
  /** Applies to peer connections made from now on. */
  encryption: EncryptionMode;
  /** Show the add dialog (an offer to confirm) before adding a .torrent or magnet; false = "don't ask again". */
  confirmAdd: boolean;
  /** Absent in a settings file from before it existed: the DEFAULT_… of policies.ts applies. */
  queueing?: QueueSettings;
  seedingLimits?: SeedingLimits;
  categories?: Category[];
  altSpeed?: AltSpeedSettings;
  watchFolder?: WatchFolderSettings;
  /** Desktop app: closing the window hides it in the tray (the engine keeps running); absent = false. */
  closeToTray?: boolean;
  /** Desktop app: minimising hides the window in the tray; absent = false. */
  minimizeToTray?: boolean;
  /** Desktop app: start Tessera when the user logs in; absent = false. */
  startOnLogin?: boolean;
  /**
   * Ways of finding peers (qBittorrent's Settings → BitTorrent → Privacy, and Connection's
   * "Use UPnP / NAT-PMP port forwarding"); absent = on, as before they existed. Each applies at
   * once to every torrent (private torrents never use DHT, PEX or LSD); the host's own switches
   * (`--no-dht`, TESSERA_LSD=0, TESSERA_PORT_MAPPING=0, …) keep one off whatever these say.
   */
  dht?: boolean;
  /** Peer exchange (BEP 11, ut_pex) with the peers of public torrents. */
  pex?: boolean;
  /** Local Service Discovery (BEP 14) on the LAN's multicast groups. */
  lsd?: boolean;
  /** Map the listening port on the router (UPnP IGD, NAT-PMP, PCP); off removes the mappings. */
  portMapping?: boolean;
}

/** What `setSettings` may change. The renderer never names a path. */
export interface SettingsPatch {
  listenPort?: number;
  maxPeersPerTorrent?: number;
  maxConnectionsPerIp?: number;
  maxConnections?: number;
  notifyOnComplete?: boolean;
  downloadLimit?: number;
  uploadLimit?: number;
  encryption?: EncryptionMode;
  confirmAdd?: boolean;
  queueing?: QueueSettings;
  seedingLimits?: SeedingLimits;
  categories?: Category[];
  altSpeed?: AltSpeedSettings;
  watchFolder?: WatchFolderSettings;
  closeToTray?: boolean;
  minimizeToTray?: boolean;
  startOnLogin?: boolean;
  dht?: boolean;
  pex?: boolean;
  lsd?: boolean;
  portMapping?: boolean;
}

/** What the other end can do; sent in the snapshot so the UI can hide what does not apply. */
export interface Capabilities {
  transport: 'electron' | 'web';
  /** `chooseDownloadDir` opens a native folder dialog. */
  chooseDownloadDir: boolean;
  /** `openFolder` opens the OS file manager. */
  openFolder: boolean;
}

// ---------------------------------------------------------------------------------------
// Validators
// ---------------------------------------------------------------------------------------

/** Longest names, free texts (errors, comments) and paths the views carry, in UTF-16 units (views.ts clips to them). */
export const MAX_NAME_CHARS = 4096;
export const MAX_TEXT_CHARS = 64 * 1024;
export const MAX_PATH_CHARS = 16 * 1024;
/** A tracker's URL; a peer's id and address; a peer's client name. */
export const MAX_URL_CHARS = 8192;
export const MAX_PEER_ID_CHARS = 256;
export const MAX_CLIENT_CHARS = 1024;
const NAME_MAX = MAX_NAME_CHARS;
const TEXT_MAX = MAX_TEXT_CHARS;
const PATH_MAX = MAX_PATH_CHARS;

export const torrentState: Validator<TorrentState> = literal(...TORRENT_STATES);
export const pieceStateCode: Validator<PieceStateCode> = literal(0, 1, 2, 3);
export const filePriority: Validator<FilePriority> = literal(0, 1, 2);
export const portNumber: Validator<number> = number({ integer: true, min: 0, max: 65535 });
/** A rate limit in bytes per second: an integer from 0 (unlimited) to MAX_RATE_LIMIT. */
export const rateLimit: Validator<number> = number({ integer: true, min: 0, max: MAX_RATE_LIMIT });
export const maxPeersPerTorrent: Validator<number> = number({ integer: true, min: 1, max: MAX_PEERS_PER_TORRENT });
export const maxConnectionsPerIp: Validator<number> = number({ integer: true, min: 0, max: MAX_CONNECTIONS_PER_IP });
export const maxConnections: Validator<number> = number({ integer: true, min: 1, max: MAX_CONNECTIONS });
export const encryptionMode: Validator<EncryptionMode> = literal(...ENCRYPTION_MODES);

export const pieceChange: Validator<PieceChange> = tuple<PieceChange>(nonNegativeInt, pieceStateCode, fraction);

const torrentSummaryShape: Shape<TorrentSummary> = {
  infoHash,
  name: string({ max: NAME_MAX }),
  state: torrentState,
  error: nullable(string({ max: TEXT_MAX })),
  size: nonNegativeInt,
  totalSize: nonNegativeInt,
  completedBytes: nonNegativeInt,
  progress: fraction,
  downloadRate: nonNegative,
  uploadRate: nonNegative,
  downloaded: nonNegativeInt,
  uploaded: nonNegativeInt,
  peers: nonNegativeInt,
  seeds: nonNegativeInt,
  eta: nullable(nonNegative),
  pieceCount: nonNegativeInt,
  pieceLength: nonNegativeInt,
  verifiedPieces: nonNegativeInt,
  hashFailures: nonNegativeInt,
  addedAt: timestamp,
  completedAt: nullable(timestamp),
  sequential: boolean,
  firstLastPiecesFirst: boolean,
  downloadLimit: rateLimit,
  uploadLimit: rateLimit,
  savePath: string({ max: PATH_MAX }),
  hasMetadata: boolean,
  category: optional(nullable(categoryName)),
  queuePosition: optional(nonNegativeInt),
  ratio: optional(nonNegative),
  seedingSeconds: optional(nonNegativeInt),
  ratioLimit: optional(torrentSeedingLimitsShape.ratio),
  seedingTimeLimit: optional(torrentSeedingLimitsShape.minutes),
  moveProgress: optional(nullable(fraction)),
};
export const torrentSummary: Validator<TorrentSummary> = object<TorrentSummary>(torrentSummaryShape);

/** A TorrentSummaryChange: the info-hash, and any of the other fields (each valid as in a summary). */
export const torrentSummaryChange: Validator<TorrentSummaryChange> = object<TorrentSummaryChange>(
  Object.fromEntries(
    Object.entries(torrentSummaryShape).map(([key, validator]) => [key, key === 'infoHash' ? validator : optional(validator as Validator<unknown>)]),
  ) as Shape<TorrentSummaryChange>,
);

export const sessionSummary: Validator<SessionSummary> = object<SessionSummary>({
  downloadRate: nonNegative,
  uploadRate: nonNegative,
  peers: nonNegativeInt,
  listenPort: portNumber,
  downloadLimit: rateLimit,
  uploadLimit: rateLimit,
  connectable: optional(boolean),
  reachability: optional(string({ max: 1024 })),
});

export const torrentInfoView: Validator<TorrentInfoView> = object<TorrentInfoView>({
  infoHash,
  name: string({ max: NAME_MAX }),
  size: nonNegativeInt,
  pieceLength: nonNegativeInt,
  pieceCount: nonNegativeInt,
  lastPieceLength: nonNegativeInt,
  comment: nullable(string({ max: TEXT_MAX })),
  createdBy: nullable(string({ max: TEXT_MAX })),
  creationDate: nullable(number({ integer: true })),
  private: boolean,
  hasMetadata: boolean,
  savePath: string({ max: PATH_MAX }),
});

export const peerView: Validator<PeerView> = object<PeerView>({
  id: string({ max: MAX_PEER_ID_CHARS }),
  address: string({ max: MAX_PEER_ID_CHARS }),
  client: string({ max: MAX_CLIENT_CHARS }),
  incoming: boolean,
  flags: string({ max: 64 }),
  downloadRate: nonNegative,
  uploadRate: nonNegative,
  downloaded: nonNegativeInt,
  uploaded: nonNegativeInt,
  progress: fraction,
});

export const fileView: Validator<FileView> = object<FileView>({
  index: nonNegativeInt,
  path: string({ max: PATH_MAX }),
  size: nonNegativeInt,
  completedBytes: nonNegativeInt,
  progress: fraction,
  priority: filePriority,
  pad: boolean,
});

export const trackerView: Validator<TrackerView> = object<TrackerView>({
  url: string({ max: MAX_URL_CHARS }),
  tier: nonNegativeInt,
  status: literal('idle', 'announcing', 'working', 'error'),
  message: nullable(string({ max: TEXT_MAX })),
  lastAnnounce: nullable(timestamp),
  nextAnnounce: optional(nullable(timestamp)),
  peers: nonNegativeInt,
  seeders: nullable(nonNegativeInt),
  leechers: nullable(nonNegativeInt),
});

export const settings: Validator<Settings> = object<Settings>({
  downloadDir: string({ max: PATH_MAX }),
  listenPort: portNumber,
  maxPeersPerTorrent,
  maxConnectionsPerIp: optional(maxConnectionsPerIp),
  maxConnections: optional(maxConnections),
  notifyOnComplete: boolean,
  downloadLimit: rateLimit,
  uploadLimit: rateLimit,
  encryption: encryptionMode,
  confirmAdd: boolean,
  queueing: optional(queueSettings),
  seedingLimits: optional(seedingLimits),
  categories: optional(categories),
  altSpeed: optional(altSpeedSettings),
  watchFolder: optional(watchFolderSettings),
  closeToTray: optional(boolean),
  minimizeToTray: optional(boolean),
  startOnLogin: optional(boolean),
  dht: optional(boolean),
  pex: optional(boolean),
  lsd: optional(boolean),
  portMapping: optional(boolean),
});

export const capabilities: Validator<Capabilities> = object<Capabilities>({
  transport: literal('electron', 'web'),
  chooseDownloadDir: boolean,
  openFolder: boolean,
});

/** Array limits used by list validators. */
export const LIMITS = {
  torrents: 100_000,
  peers: 10_000,
  files: 1_000_000,
  trackers: 10_000,
  /** Pieces in one torrent (the engine rejects more). */
  pieces: 4_000_000,
} as const;

export const torrentSummaries: Validator<TorrentSummary[]> = array(torrentSummary, { max: LIMITS.torrents });
export const torrentSummaryChanges: Validator<TorrentSummaryChange[]> = array(torrentSummaryChange, { max: LIMITS.torrents });
