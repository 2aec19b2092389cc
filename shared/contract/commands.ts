/**
 * Commands: renderer → main, request/response. One entry per command with its payload and
 * result types, plus a validator for each (payloads are validated by the service, results by
 * the client). Add a command here and TypeScript points at every place that must handle it.
 */
import {
  array,
  base64,
  boolean,
  discriminated,
  literal,
  infoHash,
  isPlainObject,
  nonNegativeInt,
  nullValue,
  nullable,
  object,
  optional,
  string,
  ValidationError,
  type Validator,
} from './validate.js';
import { filePriorityRuns } from './file-priority-runs.js';
import {
  LIMITS,
  encryptionMode,
  fileView,
  filePriority,
  maxConnections,
  maxConnectionsPerIp,
  maxPeersPerTorrent,
  peerView,
  portNumber,
  rateLimit,
  settings,
  torrentInfoView,
  trackerView,
  type FilePriority,
  type FileView,
  type PeerView,
  type Settings,
  type SettingsPatch,
  type TorrentInfoView,
  type TrackerView,
} from './types.js';
import {
  altSpeedSettings,
  categories,
  categoryName,
  queueMove,
  queueSettings,
  relativeFolder,
  seedingLimits,
  statistics,
  torrentSeedingLimitsShape,
  watchFolderSettings,
  type QueueMove,
  type Statistics,
  type TorrentSeedingLimits,
} from './policies.js';
import { addOffer, answerAddOfferPayload, type AddOffer, type AnswerAddOfferPayload } from './add-offer.js';
import { torrentHealth, type TorrentHealth } from './health.js';
import { inFlightReply, type InFlightReply } from './in-flight.js';
import { peerPiecesQuery, peerPiecesResult, type PeerPiecesQuery, type PeerPiecesResult } from './peer-pieces.js';
import { pieceSourcesQuery, pieceSourcesView, type PieceSourcesQuery, type PieceSourcesView } from './piece-sources.js';
import {
  cancelCreateTorrentPayload,
  chooseCreateSourcePayload,
  chooseCreateSourceResult,
  createTorrentPayload,
  createTorrentStarted,
  type CancelCreateTorrentPayload,
  type ChooseCreateSourcePayload,
  type ChooseCreateSourceResult,
  type CreateTorrentPayload,
  type CreateTorrentStarted,
} from './create-torrent.js';
import {
  addTrackersPayload,
  discoveryView,
  editTrackerPayload,
  reannouncePayload,
  removeTrackersPayload,
  type AddTrackersPayload,
  type DiscoveryView,
  type EditTrackerPayload,
  type ReannouncePayload,
  type RemoveTrackersPayload,
} from './trackers.js';

/** Largest .torrent file accepted (bytes). */
export const MAX_TORRENT_FILE_BYTES = 16 * 1024 * 1024;
/** Longest magnet URI accepted (characters). */
export const MAX_MAGNET_LENGTH = 64 * 1024;

export type Empty = Record<string, never>;

export interface TorrentRef {
  infoHash: string;
}

export interface AddTorrentFilePayload {
  /** The dropped/opened file's name, for messages only (never used as a path). */
  fileName: string;
  /** The .torrent file's bytes, base64 (use bytesToBase64). */
  data: string;
  /** Add paused. */
  paused?: boolean;
}

/** A torrent's metainfo as a .torrent file (the row menu's "Export .torrent"). */
export interface ExportTorrentResult {
  /** The torrent's name, for the file name (sanitise before use as a path). */
  name: string;
  /** The .torrent file's bytes, base64. */
  data: string;
}

export interface AddMagnetPayload {
  uri: string;
  paused?: boolean;
}

export interface AddResult {
  infoHash: string;
  name: string;
  /** True when the torrent was already in the session (nothing was added). */
  duplicate: boolean;
}

export interface RemovePayload {
  infoHash: string;
  deleteData: boolean;
}

/**
 * New priorities for some files: either listed one by one (`priorities`, as older callers send
 * it) or as packed runs of file indexes (`runs`, file-priority-runs.ts: what the UI sends; "all
 * files" is one run). Only the files named change. Exactly one of the two.
 */
export type SetFilePrioritiesPayload = ListedFilePriorities | FilePriorityRunsPayload;

export interface ListedFilePriorities {
  infoHash: string;
  /** A file named more than once takes the last priority named for it. */
  priorities: Array<{ index: number; priority: FilePriority }>;
}

export interface FilePriorityRunsPayload {
  infoHash: string;
  /** encodeFilePriorityRuns / encodeFilePriorityChanges / allFilesRun. */
  runs: string;
}

export interface SetSequentialPayload {
  infoHash: string;
  sequential: boolean;
}

export interface SetTorrentLimitsPayload {
  infoHash: string;
  /** This torrent's own limits in bytes per second (0 = unlimited); the global limits apply as well. */
  download: number;
  upload: number;
}

export interface SetFirstLastPiecesFirstPayload {
  infoHash: string;
  /** Fetch the first and last piece of each file before the rest. */
  firstLastPiecesFirst: boolean;
}

export interface OpenFolderPayload {
  /** The torrent whose save folder to open; omitted = the download folder. */
  infoHash?: string;
}

export interface OpenFolderResult {
  /** The folder (on the machine running the engine). */
  path: string;
  /** False when the transport cannot open folders (web host): show `path` instead. */
  opened: boolean;
}

export interface ChooseDownloadDirResult {
  /** False when the user cancelled the dialog. */
  changed: boolean;
  settings: Settings;
}

export interface MoveInQueuePayload {
  /** Moved together, keeping their order among themselves. */
  infoHashes: string[];
  to: QueueMove;
}

export interface SetTorrentSeedingLimitsPayload extends TorrentSeedingLimits {
  infoHash: string;
}

export interface SetCategoryPayload {
  infoHashes: string[];
  /** One of the categories in Settings; null = none. */
  category: string | null;
}

/**
 * Where `moveStorage` moves a torrent's data: a folder inside the download folder (relative,
 * null = the download folder itself), or one the user picks in main's folder dialog (Electron).
 * The renderer never names an absolute path.
 */
export type MoveDestination = { kind: 'inside'; folder: string | null } | { kind: 'choose' };

export interface MoveStoragePayload {
  infoHash: string;
  destination: MoveDestination;
}

export interface MoveStorageResult {
  /** False when the user cancelled the folder dialog. */
  moved: boolean;
  /** Where the data is now (display only). */
  savePath: string;
}

export interface RenamePathPayload {
  infoHash: string;
  /** A file's path as getFiles lists it, or a folder in it ('/'-separated). */
  path: string;
  /** The new last element: no slashes, not "." or "..". */
  newName: string;
}

/** The command table. */
export interface Commands {
  /**
   * Start (or restart) the event stream for this connection: the reply is `null` and a
   * `snapshot` event follows, then `summaries` at a bounded rate. Clients call it for you
   * (TesseraClient.subscribe).
   */
  subscribe: { payload: Empty; result: null };
  addTorrentFile: { payload: AddTorrentFilePayload; result: AddResult };
  addMagnet: { payload: AddMagnetPayload; result: AddResult };
  /** Parse a .torrent into an offer to confirm (see add-offer.ts); nothing is added yet. `paused` is ignored. */
  offerTorrentFile: { payload: AddTorrentFilePayload; result: AddOffer };
  /** Parse a magnet into an offer to confirm; nothing is added (or contacted) yet. `paused` is ignored. */
  offerMagnet: { payload: AddMagnetPayload; result: AddOffer };
  /** Accept (adds the torrent: its AddResult) or decline (null) an offer. Unknown ids fail with 'not-found'. */
  answerAddOffer: { payload: AnswerAddOfferPayload; result: AddResult | null };
  pause: { payload: TorrentRef; result: null };
  resume: { payload: TorrentRef; result: null };
  remove: { payload: RemovePayload; result: null };
  setFilePriorities: { payload: SetFilePrioritiesPayload; result: null };
  setSequential: { payload: SetSequentialPayload; result: null };
  /** Per-torrent rate limits ('unsupported' if the engine has none). */
  setTorrentLimits: { payload: SetTorrentLimitsPayload; result: null };
  /** "Download first and last pieces first" ('unsupported' if the engine cannot). */
  setFirstLastPiecesFirst: { payload: SetFirstLastPiecesFirstPayload; result: null };
  /** Forget verified pieces and hash the data on disk again ("Force recheck"). */
  recheck: { payload: TorrentRef; result: null };
  openFolder: { payload: OpenFolderPayload; result: OpenFolderResult };
  getSettings: { payload: Empty; result: Settings };
  setSettings: { payload: SettingsPatch; result: Settings };
  /** Electron: native folder dialog owned by main. Web host: fails with code 'unsupported'. */
  chooseDownloadDir: { payload: Empty; result: ChooseDownloadDirResult };
  /** Start piece events for a torrent: a `piecesSnapshot` event follows, then `piecesDelta`s. */
  watchPieces: { payload: TorrentRef; result: null };
  unwatchPieces: { payload: TorrentRef; result: null };
  getInfo: { payload: TorrentRef; result: TorrentInfoView };
  getPeers: { payload: TorrentRef; result: PeerView[] };
  getFiles: { payload: TorrentRef; result: FileView[] };
  getTrackers: { payload: TorrentRef; result: TrackerView[] };
  /**
   * Adds tiers after the torrent's own (trackers.ts); URLs it has already are skipped.
   * 'invalid-payload' when the torrent would have more than MAX_TRACKERS_PER_TORRENT.
   */
  addTrackers: { payload: AddTrackersPayload; result: null };
  /** Replaces one tracker's URL in its tier: 'not-found' for a URL the torrent has not, 'invalid-payload' for one it has already. */
  editTracker: { payload: EditTrackerPayload; result: null };
  /** Removes trackers (every one may go: peers then come from the DHT and PEX, unless private); 'not-found' when it has none of them. */
  removeTrackers: { payload: RemoveTrackersPayload; result: null };
  /** "Force reannounce": running torrents announce to their trackers and the DHT now (each tracker's min interval is kept); paused ones are left alone. */
  reannounce: { payload: ReannouncePayload; result: null };
  /** Queue order (Settings.queueing): move torrents up, down, to the top or the bottom. */
  moveInQueue: { payload: MoveInQueuePayload; result: null };
  /** This torrent's own share-ratio and seeding-time limits (-2 = the global one, -1 = none). */
  setTorrentSeedingLimits: { payload: SetTorrentSeedingLimitsPayload; result: null };
  /** Assign a category (one of Settings.categories) or none. The data stays where it is. */
  setCategory: { payload: SetCategoryPayload; result: null };
  /** Bytes moved this session and all time. */
  getStatistics: { payload: Empty; result: Statistics };
  /**
   * Moves the torrent's data to another folder (progress in the summary's `moveProgress`);
   * cross-device moves copy then remove. A failure leaves the data where it was ('internal'
   * with the reason). `choose` is 'unsupported' where main has no folder dialog (web host).
   */
  moveStorage: { payload: MoveStoragePayload; result: MoveStorageResult };
  /** Renames a file or folder of the torrent, on disk too ('not-found' for an unknown path, 'invalid-payload' for a bad name). */
  renamePath: { payload: RenamePathPayload; result: null };
  /** Why the torrent is slow or stuck, ranked (health.ts); 'unsupported' if the engine cannot say. */
  getHealth: { payload: TorrentRef; result: TorrentHealth };
  /** Who sent each verified piece and when, from a cursor (piece-sources.ts); 'unsupported' if the engine does not log it. */
  getPieceSources: { payload: PieceSourcesQuery; result: PieceSourcesView };
  /** Each connected peer's pieces, bitfields only where they changed (peer-pieces.ts); poll while the Peers tab is open. */
  getPeerPieces: { payload: PeerPiecesQuery; result: PeerPiecesResult };
  /** The pieces being downloaded now, block by block (in-flight.ts); poll while the inspector is open. */
  getInFlight: { payload: TorrentRef; result: InFlightReply };
  /** The torrent's .torrent file; 'not-found' while a magnet has no metadata yet. */
  exportTorrent: { payload: TorrentRef; result: ExportTorrentResult };
  /**
   * Starts hashing a file or folder on the engine's machine into a .torrent (create-torrent.ts);
   * `torrentCreation` events for the returned id follow, to this connection only. One job per
   * connection at a time ('unsupported' while one runs); a path that is missing, unreadable or
   * empty ends in a `failed` event.
   */
  createTorrent: { payload: CreateTorrentPayload; result: CreateTorrentStarted };
  /** Stops a creation job (a `cancelled` event follows); an id that is not running is ignored. */
  cancelCreateTorrent: { payload: CancelCreateTorrentPayload; result: null };
  /** Electron: main's file or folder dialog for the creator's source path. Web host: 'unsupported'. */
  chooseCreateSource: { payload: ChooseCreateSourcePayload; result: ChooseCreateSourceResult };
  /** The Trackers tab's DHT, PeX and LSD rows (trackers.ts DiscoveryView); 'unsupported' if the engine cannot say. */
  getDiscovery: { payload: TorrentRef; result: DiscoveryView };
}

export type CommandName = keyof Commands;
export type CommandPayload<K extends CommandName> = Commands[K]['payload'];
export type CommandResult<K extends CommandName> = Commands[K]['result'];

export const COMMAND_NAMES = [
  'subscribe',
  'addTorrentFile',
  'addMagnet',
  'offerTorrentFile',
  'offerMagnet',
  'answerAddOffer',
  'pause',
  'resume',
  'remove',
  'setFilePriorities',
  'setSequential',
  'setTorrentLimits',
  'setFirstLastPiecesFirst',
  'recheck',
  'openFolder',
  'getSettings',
  'setSettings',
  'chooseDownloadDir',
  'watchPieces',
  'unwatchPieces',
  'getInfo',
  'getPeers',
  'getFiles',
  'getTrackers',
  'addTrackers',
  'editTracker',
  'removeTrackers',
  'reannounce',
  'moveInQueue',
  'setTorrentSeedingLimits',
  'setCategory',
  'getStatistics',
  'moveStorage',
  'renamePath',
  'getHealth',
  'getPieceSources',
  'getPeerPieces',
  'getInFlight',
  'exportTorrent',
  'createTorrent',
  'cancelCreateTorrent',
  'chooseCreateSource',
  'getDiscovery',
] as const satisfies readonly CommandName[];

// Compile-time check that COMMAND_NAMES lists every command.
type _MissingCommands = Exclude<CommandName, (typeof COMMAND_NAMES)[number]>;
const _allCommandsListed: [_MissingCommands] extends [never] ? true : _MissingCommands = true;
void _allCommandsListed;

export function isCommandName(value: unknown): value is CommandName {
  return typeof value === 'string' && (COMMAND_NAMES as readonly string[]).includes(value);
}

// ---- validators ----

const empty: Validator<Empty> = object<Empty>({});
const torrentRef: Validator<TorrentRef> = object<TorrentRef>({ infoHash });
const addResult: Validator<AddResult> = object<AddResult>({ infoHash, name: string({ max: 4096 }), duplicate: boolean });

const magnetUri: Validator<string> = string({ min: 1, max: MAX_MAGNET_LENGTH, what: 'a magnet URI' });

const addTorrentFilePayload: Validator<AddTorrentFilePayload> = object<AddTorrentFilePayload>({
  fileName: string({ max: 1024 }),
  data: base64(Math.ceil(MAX_TORRENT_FILE_BYTES / 3) * 4),
  paused: optional(boolean),
});
const listedFilePriorities: Validator<ListedFilePriorities> = object<ListedFilePriorities>({
  infoHash,
  priorities: array(object<{ index: number; priority: FilePriority }>({ index: nonNegativeInt, priority: filePriority }), {
    max: LIMITS.files,
  }),
});
const filePriorityRunsPayload: Validator<FilePriorityRunsPayload> = object<FilePriorityRunsPayload>({ infoHash, runs: filePriorityRuns });
/** One form or the other, said plainly when both or neither are there. */
const setFilePrioritiesPayload: Validator<SetFilePrioritiesPayload> = (value, path) => {
  const named = isPlainObject(value) ? [Object.hasOwn(value, 'priorities'), Object.hasOwn(value, 'runs')] : [false, false];
  if (named[0] && named[1]) throw new ValidationError(path, 'has both priorities and runs: send one of them');
  if (named[1]) return filePriorityRunsPayload(value, path);
  if (named[0] || !isPlainObject(value)) return listedFilePriorities(value, path);
  throw new ValidationError(path, 'names no files: send priorities or runs');
};
const addMagnetPayload: Validator<AddMagnetPayload> = object<AddMagnetPayload>({ uri: magnetUri, paused: optional(boolean) });

export const commandPayloadValidators: { [K in CommandName]: Validator<CommandPayload<K>> } = {
  subscribe: empty,
  addTorrentFile: addTorrentFilePayload,
  addMagnet: addMagnetPayload,
  offerTorrentFile: addTorrentFilePayload,
  offerMagnet: addMagnetPayload,
  answerAddOffer: answerAddOfferPayload,
  pause: torrentRef,
  resume: torrentRef,
  remove: object<RemovePayload>({ infoHash, deleteData: boolean }),
  setFilePriorities: setFilePrioritiesPayload,
  setSequential: object<SetSequentialPayload>({ infoHash, sequential: boolean }),
  setTorrentLimits: object<SetTorrentLimitsPayload>({ infoHash, download: rateLimit, upload: rateLimit }),
  setFirstLastPiecesFirst: object<SetFirstLastPiecesFirstPayload>({ infoHash, firstLastPiecesFirst: boolean }),
  recheck: torrentRef,
  openFolder: object<OpenFolderPayload>({ infoHash: optional(infoHash) }),
  getSettings: empty,
  setSettings: object<SettingsPatch>({
    listenPort: optional(portNumber),
    maxPeersPerTorrent: optional(maxPeersPerTorrent),
    maxConnectionsPerIp: optional(maxConnectionsPerIp),
    maxConnections: optional(maxConnections),
    notifyOnComplete: optional(boolean),
    downloadLimit: optional(rateLimit),
    uploadLimit: optional(rateLimit),
    encryption: optional(encryptionMode),
    confirmAdd: optional(boolean),
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
  }),
  chooseDownloadDir: empty,
  watchPieces: torrentRef,
  unwatchPieces: torrentRef,
  getInfo: torrentRef,
  getPeers: torrentRef,
  getFiles: torrentRef,
  getTrackers: torrentRef,
  addTrackers: addTrackersPayload,
  editTracker: editTrackerPayload,
  removeTrackers: removeTrackersPayload,
  reannounce: reannouncePayload,
  moveInQueue: object<MoveInQueuePayload>({ infoHashes: array(infoHash, { min: 1, max: LIMITS.torrents }), to: queueMove }),
  setTorrentSeedingLimits: object<SetTorrentSeedingLimitsPayload>({ infoHash, ...torrentSeedingLimitsShape }),
  setCategory: object<SetCategoryPayload>({ infoHashes: array(infoHash, { min: 1, max: LIMITS.torrents }), category: nullable(categoryName) }),
  getStatistics: empty,
  moveStorage: object<MoveStoragePayload>({
    infoHash,
    destination: discriminated<'kind', MoveDestination>('kind', {
      inside: object<Extract<MoveDestination, { kind: 'inside' }>>({ kind: literal('inside'), folder: nullable(relativeFolder) }),
      choose: object<Extract<MoveDestination, { kind: 'choose' }>>({ kind: literal('choose') }),
    }),
  }),
  renamePath: object<RenamePathPayload>({
    infoHash,
    path: string({ min: 1, max: 16 * 1024 }),
    newName: string({ min: 1, max: 255, pattern: /^(?!\.{1,2}$)[^/\\\p{Cc}]+$/u, what: 'a file or folder name (no slashes, not "." or "..")' }),
  }),
  getHealth: torrentRef,
  getPieceSources: pieceSourcesQuery,
  getPeerPieces: peerPiecesQuery,
  getInFlight: torrentRef,
  exportTorrent: torrentRef,
  createTorrent: createTorrentPayload,
  cancelCreateTorrent: cancelCreateTorrentPayload,
  chooseCreateSource: chooseCreateSourcePayload,
  getDiscovery: torrentRef,
};

export const commandResultValidators: { [K in CommandName]: Validator<CommandResult<K>> } = {
  subscribe: nullValue,
  addTorrentFile: addResult,
  addMagnet: addResult,
  offerTorrentFile: addOffer,
  offerMagnet: addOffer,
  answerAddOffer: nullable(addResult),
  pause: nullValue,
  resume: nullValue,
  remove: nullValue,
  setFilePriorities: nullValue,
  setSequential: nullValue,
  setTorrentLimits: nullValue,
  setFirstLastPiecesFirst: nullValue,
  recheck: nullValue,
  openFolder: object<OpenFolderResult>({ path: string({ max: 16 * 1024 }), opened: boolean }),
  getSettings: settings,
  setSettings: settings,
  chooseDownloadDir: object<ChooseDownloadDirResult>({ changed: boolean, settings }),
  watchPieces: nullValue,
  unwatchPieces: nullValue,
  getInfo: torrentInfoView,
  getPeers: array(peerView, { max: LIMITS.peers }),
  getFiles: array(fileView, { max: LIMITS.files }),
  getTrackers: array(trackerView, { max: LIMITS.trackers }),
  addTrackers: nullValue,
  editTracker: nullValue,
  removeTrackers: nullValue,
  reannounce: nullValue,
  moveInQueue: nullValue,
  setTorrentSeedingLimits: nullValue,
  setCategory: nullValue,
  getStatistics: statistics,
  moveStorage: object<MoveStorageResult>({ moved: boolean, savePath: string({ max: 16 * 1024 }) }),
  renamePath: nullValue,
  getHealth: torrentHealth,
  getPieceSources: pieceSourcesView,
  getPeerPieces: peerPiecesResult,
  getInFlight: inFlightReply,
  // Twice the add limit: an export adds announce-list, piece layers and url-list around the info dict.
  exportTorrent: object<ExportTorrentResult>({ name: string({ max: 4096 }), data: base64(Math.ceil((2 * MAX_TORRENT_FILE_BYTES) / 3) * 4) }),
  createTorrent: createTorrentStarted,
  cancelCreateTorrent: nullValue,
  chooseCreateSource: chooseCreateSourceResult,
  getDiscovery: discoveryView,
};

/** Validates a command payload (receiving side). Throws ValidationError. */
export function parseCommandPayload<K extends CommandName>(name: K, payload: unknown): CommandPayload<K> {
  const v = commandPayloadValidators[name] as Validator<CommandPayload<K>>;
  return v(payload, `${name}`);
}

/** Validates a command result (client side). Throws ValidationError. */
export function parseCommandResult<K extends CommandName>(name: K, result: unknown): CommandResult<K> {
  const v = commandResultValidators[name] as Validator<CommandResult<K>>;
  return v(result, `${name} result`);
}
