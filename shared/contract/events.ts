/**
 * Events: main → renderer. After `subscribe`, a connection receives one `snapshot`, then
 * `summaryChanges` at most every ~250 ms (only what changed), `torrentAdded` /
 * `torrentRemoved` as they happen, `completed` / `torrentError` / `notice` notifications,
 * `settings` when settings change, and piece events for the torrents it watches:
 * `piecesSnapshot` (full state, on watch and whenever the piece count changes, e.g. when a
 * magnet's metadata arrives) then `piecesDelta`s (at most ~4 per second per torrent,
 * however fast pieces land).
 */
import {
  array,
  base64,
  discriminated,
  infoHash,
  literal,
  nonNegativeInt,
  object,
  optional,
  string,
  tuple,
  fraction,
  type Validator,
} from './validate.js';
import {
  LIMITS,
  capabilities,
  sessionSummary,
  settings,
  torrentSummaries,
  torrentSummary,
  torrentSummaryChanges,
  type Capabilities,
  type SessionSummary,
  type Settings,
  type TorrentSummary,
  type TorrentSummaryChange,
} from './types.js';
import { addOffer, addOffers, type AddOffer } from './add-offer.js';
import { torrentCreationEvent, type TorrentCreationEvent } from './create-torrent.js';

export interface SnapshotEvent {
  type: 'snapshot';
  torrents: TorrentSummary[];
  session: SessionSummary;
  settings: Settings;
  capabilities: Capabilities;
  /** Offers from the OS (opened files, magnet links) still waiting for the user's answer. */
  offers: AddOffer[];
}

/**
 * Every torrent's current summary (replace the list's rows; the set of torrents is the same
 * as after the last added/removed). The service sends summaryChanges instead; a full list
 * stays valid for other senders (the renderer's development simulator).
 */
export interface SummariesEvent {
  type: 'summaries';
  torrents: TorrentSummary[];
  session: SessionSummary;
}

/**
 * What changed since the previous snapshot/summary event: the torrents whose summary
 * changed, each with only its changed fields (apply with applySummaryChange), and the
 * session totals when they changed. Torrents arrive and leave by torrentAdded/torrentRemoved;
 * a change for a torrent the receiver does not know is ignored.
 */
export interface SummaryChangesEvent {
  type: 'summaryChanges';
  torrents: TorrentSummaryChange[];
  session?: SessionSummary;
}

export interface TorrentAddedEvent {
  type: 'torrentAdded';
  torrent: TorrentSummary;
}

export interface TorrentRemovedEvent {
  type: 'torrentRemoved';
  infoHash: string;
}

/**
 * Full piece state of a watched torrent. `states` is base64 of one PieceStateCode byte per
 * piece; `inFlight` gives the fraction of blocks received for in-flight pieces; `availability`
 * is base64 of one byte per piece: how many connected peers have it (clamped to 255).
 * `seq` starts at 0 for every snapshot and each delta increments it by one.
 */
export interface PiecesSnapshotEvent {
  type: 'piecesSnapshot';
  infoHash: string;
  seq: number;
  pieceCount: number;
  states: string;
  inFlight: Array<[index: number, fraction: number]>;
  availability: string;
}

/**
 * Changes since the previous piece event for this torrent. A piece that failed its hash
 * appears once with state Failed (flash it); its following state arrives in a later delta.
 * `availability` (same encoding as in the snapshot) is present when availability changed,
 * at most about once a second.
 */
export interface PiecesDeltaEvent {
  type: 'piecesDelta';
  infoHash: string;
  seq: number;
  /** The changes packed by encodePieceChanges (read them with forEachPieceChange). */
  changes: string;
  availability?: string;
}

export interface CompletedEvent {
  type: 'completed';
  infoHash: string;
  name: string;
}

export interface TorrentErrorEvent {
  type: 'torrentError';
  infoHash: string;
  message: string;
}

/**
 * Something the user should see that is not the reply to one of their commands: e.g. a
 * .torrent opened from the OS (double-click, second instance) that could not be added.
 */
export interface NoticeEvent {
  type: 'notice';
  level: 'info' | 'error';
  message: string;
}

export interface SettingsEvent {
  type: 'settings';
  settings: Settings;
}

/** A .torrent or magnet from the OS waits for the user's confirmation (show the add dialog). */
export interface AddOfferEvent {
  type: 'addOffer';
  offer: AddOffer;
}

/** An offer was answered (by any UI) or dropped: close its dialog. */
export interface AddOfferClosedEvent {
  type: 'addOfferClosed';
  id: string;
}

/** Events sent by the main process / host. */
export type ServerEvent =
  | SnapshotEvent
  | SummariesEvent
  | SummaryChangesEvent
  | TorrentAddedEvent
  | TorrentRemovedEvent
  | PiecesSnapshotEvent
  | PiecesDeltaEvent
  | CompletedEvent
  | TorrentErrorEvent
  | NoticeEvent
  | SettingsEvent
  | AddOfferEvent
  | AddOfferClosedEvent
  | TorrentCreationEvent;

/**
 * Emitted by the client itself (never sent over the wire): the transport's connection
 * state. The WebSocket client reconnects by itself, re-subscribes and re-watches; after
 * 'open' a fresh `snapshot` follows. The Electron client emits 'open' once.
 */
export interface ConnectionEvent {
  type: 'connection';
  status: 'connecting' | 'open' | 'closed';
}

/** What a TesseraClient listener receives. */
export type TesseraEvent = ServerEvent | ConnectionEvent;

// ---- validators ----

const MAX_B64_PIECES = Math.ceil(LIMITS.pieces / 3) * 4;
/** Packed changes: at most a state byte, a count and a gap (≤ 4 bytes) and a fraction per piece. */
const MAX_B64_CHANGES = Math.ceil((LIMITS.pieces * 5 + 64) / 3) * 4;

export const serverEvent: Validator<ServerEvent> = discriminated<'type', ServerEvent>('type', {
  snapshot: object<SnapshotEvent>({
    type: literal('snapshot'),
    torrents: torrentSummaries,
    session: sessionSummary,
    settings,
    capabilities,
    offers: addOffers,
  }),
  summaries: object<SummariesEvent>({ type: literal('summaries'), torrents: torrentSummaries, session: sessionSummary }),
  summaryChanges: object<SummaryChangesEvent>({ type: literal('summaryChanges'), torrents: torrentSummaryChanges, session: optional(sessionSummary) }),
  torrentAdded: object<TorrentAddedEvent>({ type: literal('torrentAdded'), torrent: torrentSummary }),
  torrentRemoved: object<TorrentRemovedEvent>({ type: literal('torrentRemoved'), infoHash }),
  piecesSnapshot: object<PiecesSnapshotEvent>({
    type: literal('piecesSnapshot'),
    infoHash,
    seq: nonNegativeInt,
    pieceCount: nonNegativeInt,
    states: base64(MAX_B64_PIECES),
    inFlight: array(tuple<[number, number]>(nonNegativeInt, fraction), { max: LIMITS.pieces }),
    availability: base64(MAX_B64_PIECES),
  }),
  piecesDelta: object<PiecesDeltaEvent>({
    type: literal('piecesDelta'),
    infoHash,
    seq: nonNegativeInt,
    changes: base64(MAX_B64_CHANGES),
    availability: optional(base64(MAX_B64_PIECES)),
  }),
  completed: object<CompletedEvent>({ type: literal('completed'), infoHash, name: string({ max: 4096 }) }),
  torrentError: object<TorrentErrorEvent>({ type: literal('torrentError'), infoHash, message: string({ max: 64 * 1024 }) }),
  notice: object<NoticeEvent>({ type: literal('notice'), level: literal('info', 'error'), message: string({ max: 64 * 1024 }) }),
  settings: object<SettingsEvent>({ type: literal('settings'), settings }),
  addOffer: object<AddOfferEvent>({ type: literal('addOffer'), offer: addOffer }),
  addOfferClosed: object<AddOfferClosedEvent>({ type: literal('addOfferClosed'), id: string({ max: 64 }) }),
  torrentCreation: torrentCreationEvent,
});

/** Validates an event received from the other side. Throws ValidationError. */
export function parseServerEvent(value: unknown): ServerEvent {
  return serverEvent(value, 'event');
}
