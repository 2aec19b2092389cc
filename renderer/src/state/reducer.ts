/**
 * The app state and its pure reducers. Events from the engine (TesseraEvent) and UI actions
 * go through `reduce`, which never mutates its input: components select slices with zustand
 * selectors and re-render only when their slice changes identity.
 *
 * Piece states are NOT here: they live in typed arrays (see pieces.ts / grid/pieceField.ts).
 */
import { filterPredicate, NO_FILTER, type ListFilter } from './filters.js';
import { applySummaryChange, type AddOffer, type TesseraEvent, type Capabilities, type SessionSummary, type Settings, type TorrentSummary, type TorrentSummaryChange } from '../../../shared/contract/index.js';

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export interface Notice {
  id: number;
  level: 'info' | 'error';
  message: string;
  /** ms since epoch, for auto-dismissal of info notices. */
  at: number;
  /** A command refused because the connection was down: moot once it is back, so it goes then. */
  offline?: true;
}

export type DetailsTab = 'files' | 'peers' | 'inflight' | 'trackers' | 'health' | 'speed' | 'info';

export type SortKey = 'added' | 'name' | 'size' | 'progress' | 'state' | 'downloadRate' | 'uploadRate' | 'peers' | 'eta';

export interface AppState {
  connection: ConnectionStatus;
  /** Have we received a snapshot since the last (re)connection? */
  ready: boolean;
  torrents: Readonly<Record<string, TorrentSummary>>;
  /** Info-hashes in the order the engine lists them (added order). */
  order: readonly string[];
  session: SessionSummary;
  settings: Settings | null;
  capabilities: Capabilities | null;
  /** The torrent the details show (the last one clicked); null when nothing is selected. */
  selected: string | null;
  /** Every selected torrent (multi-select), `selected` among them; empty when `selected` is null. */
  selection: readonly string[];
  /** Which rows the list shows (state filter, category, search box). */
  filter: ListFilter;
  tab: DetailsTab;
  sort: { key: SortKey; descending: boolean };
  notices: readonly Notice[];
  nextNoticeId: number;
  /** Torrents waiting for the user's confirmation (the add dialog shows the first), oldest first. */
  offers: readonly AddOffer[];
}

export const EMPTY_SESSION: SessionSummary = { downloadRate: 0, uploadRate: 0, peers: 0, listenPort: 0, downloadLimit: 0, uploadLimit: 0 };

export const initialState: AppState = {
  connection: 'connecting',
  ready: false,
  torrents: {},
  order: [],
  session: EMPTY_SESSION,
  settings: null,
  capabilities: null,
  selected: null,
  selection: [],
  filter: NO_FILTER,
  tab: 'files',
  sort: { key: 'added', descending: false },
  notices: [],
  nextNoticeId: 1,
  offers: [],
};

/** At most this many notices are kept; older ones drop off. */
export const MAX_NOTICES = 5;

export type UiAction =
  | { type: 'ui/select'; infoHash: string | null }
  /** Several rows selected at once (Ctrl/Shift+click, Ctrl+A); `primary` is the one the details show. */
  | { type: 'ui/selectMany'; infoHashes: readonly string[]; primary: string | null }
  | { type: 'ui/filter'; filter: Partial<ListFilter> }
  | { type: 'ui/tab'; tab: DetailsTab }
  | { type: 'ui/sort'; key: SortKey }
  | { type: 'ui/notice'; level: 'info' | 'error'; message: string; at: number; offline?: true }
  | { type: 'ui/dismiss'; id: number }
  | { type: 'ui/expire'; before: number }
  /** An offer this UI asked for (drop, paste, Open). */
  | { type: 'ui/offer'; offer: AddOffer }
  /** This UI answered the offer (or it was gone). */
  | { type: 'ui/offerDone'; id: string };

export type Action = TesseraEvent | UiAction;

function addNotice(state: AppState, level: 'info' | 'error', message: string, at: number, offline?: true): AppState {
  const text = message.trim() || 'Something went wrong';
  // The same message twice in a row: refresh it instead of stacking duplicates.
  const last = state.notices[state.notices.length - 1];
  if (last && last.message === text && last.level === level) {
    return { ...state, notices: [...state.notices.slice(0, -1), { ...last, at }] };
  }
  const notice: Notice = { id: state.nextNoticeId, level, message: text, at, ...(offline ? { offline } : {}) };
  const notices = [...state.notices, notice].slice(-MAX_NOTICES);
  return { ...state, notices, nextNoticeId: state.nextNoticeId + 1 };
}

/** Applies summary changes; rows that did not change keep their object (memoized rows skip rendering). */
function applyChanges(state: AppState, changes: readonly TorrentSummaryChange[]): AppState {
  let torrents: Record<string, TorrentSummary> | null = null;
  for (const change of changes) {
    const prev = state.torrents[change.infoHash];
    if (!prev) continue; // not announced yet (torrentAdded brings it whole)
    const next = applySummaryChange(prev, change);
    if (shallowEqual(prev, next)) continue;
    torrents ??= { ...state.torrents };
    torrents[change.infoHash] = next;
  }
  return torrents ? { ...state, torrents } : state;
}

function replaceTorrents(state: AppState, list: readonly TorrentSummary[]): AppState {
  const torrents: Record<string, TorrentSummary> = {};
  const order: string[] = [];
  for (const t of list) {
    if (!(t.infoHash in torrents)) order.push(t.infoHash);
    torrents[t.infoHash] = t;
  }
  // Keep the previous object for rows that did not change so memoized rows skip rendering.
  for (const hash of order) {
    const prev = state.torrents[hash];
    const next = torrents[hash];
    if (prev && next && shallowEqual(prev, next)) torrents[hash] = prev;
  }
  const sameOrder = order.length === state.order.length && order.every((h, i) => h === state.order[i]);
  const selected = state.selected !== null && state.selected in torrents ? state.selected : null;
  const kept = selected === null ? [] : state.selection.filter((h) => h in torrents);
  const selection = kept.length === state.selection.length ? state.selection : kept;
  return { ...state, torrents, order: sameOrder ? state.order : order, selected, selection };
}

function shallowEqual(a: object, b: object): boolean {
  const ka = Object.keys(a) as Array<keyof typeof a>;
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

/** Pure: the next state for an event or UI action. */
export function reduce(state: AppState, action: Action): AppState {
  switch (action.type) {
    case 'connection': {
      if (action.status === state.connection) return state;
      // Back online: "Not connected to Tessera" from clicks made meanwhile no longer holds.
      const notices = action.status === 'open' && state.notices.some((n) => n.offline) ? state.notices.filter((n) => !n.offline) : state.notices;
      // A snapshot follows every (re)connection; until then the list may be stale.
      return { ...state, connection: action.status, ready: false, notices };
    }
    case 'snapshot': {
      const next = stillShown(replaceTorrents(state, action.torrents));
      const known = new Set(action.offers.map((o) => o.id));
      const offers = [...action.offers, ...state.offers.filter((o) => !known.has(o.id))];
      return { ...next, ready: true, session: action.session, settings: action.settings, capabilities: action.capabilities, offers };
    }
    case 'summaries': {
      // Summaries carry the same set of torrents as after the last added/removed; tolerate
      // drift (an add we have not heard of yet) by taking the list as it is.
      const next = stillShown(replaceTorrents(state, action.torrents));
      return { ...next, session: action.session };
    }
    case 'summaryChanges': {
      const next = stillShown(applyChanges(state, action.torrents));
      return action.session ? { ...next, session: action.session } : next;
    }
    case 'torrentAdded': {
      const t = action.torrent;
      const exists = t.infoHash in state.torrents;
      return {
        ...state,
        torrents: { ...state.torrents, [t.infoHash]: t },
        order: exists ? state.order : [...state.order, t.infoHash],
      };
    }
    case 'torrentRemoved': {
      if (!(action.infoHash in state.torrents)) return state;
      const torrents = { ...state.torrents };
      delete torrents[action.infoHash];
      return {
        ...state,
        torrents,
        order: state.order.filter((h) => h !== action.infoHash),
        ...withoutSelected(state, action.infoHash),
      };
    }
    case 'completed':
      return addNotice(state, 'info', `Download complete: ${action.name}`, Date.now());
    case 'torrentError': {
      const t = state.torrents[action.infoHash];
      const name = t ? t.name : action.infoHash.slice(0, 8);
      const next = addNotice(state, 'error', `${name}: ${action.message}`, Date.now());
      return t ? { ...next, torrents: { ...next.torrents, [action.infoHash]: { ...t, error: action.message } } } : next;
    }
    case 'notice':
      return addNotice(state, action.level, action.message, Date.now());
    case 'settings':
      return { ...state, settings: action.settings };
    case 'piecesSnapshot':
    case 'piecesDelta':
      return state; // handled outside React state (typed arrays)
    case 'torrentCreation':
      return state; // the Create torrent dialog follows its own job (Controller.onCreation)
    case 'addOffer':
    case 'ui/offer':
      return state.offers.some((o) => o.id === action.offer.id) ? state : { ...state, offers: [...state.offers, action.offer] };
    case 'addOfferClosed':
    case 'ui/offerDone': {
      const offers = state.offers.filter((o) => o.id !== action.id);
      return offers.length === state.offers.length ? state : { ...state, offers };
    }
    case 'ui/select':
      if (action.infoHash === state.selected && state.selection.length === (action.infoHash === null ? 0 : 1)) return state;
      if (action.infoHash !== null && !(action.infoHash in state.torrents)) return state;
      return { ...state, selected: action.infoHash, selection: action.infoHash === null ? [] : [action.infoHash] };
    case 'ui/selectMany': {
      const selection = [...new Set(action.infoHashes)].filter((h) => h in state.torrents);
      const primary = action.primary !== null && selection.includes(action.primary) ? action.primary : (selection[selection.length - 1] ?? null);
      return { ...state, selected: primary, selection };
    }
    case 'ui/filter': {
      const filter = { ...state.filter, ...action.filter };
      return { ...state, filter, ...selectionWithin(state, filter) };
    }
    case 'ui/tab':
      return action.tab === state.tab ? state : { ...state, tab: action.tab };
    case 'ui/sort': {
      const descending = state.sort.key === action.key ? !state.sort.descending : defaultDescending(action.key);
      return { ...state, sort: { key: action.key, descending } };
    }
    case 'ui/notice':
      return addNotice(state, action.level, action.message, action.at, action.offline);
    case 'ui/dismiss': {
      const notices = state.notices.filter((n) => n.id !== action.id);
      return notices.length === state.notices.length ? state : { ...state, notices };
    }
    case 'ui/expire': {
      const notices = state.notices.filter((n) => n.level === 'error' || n.at >= action.before);
      return notices.length === state.notices.length ? state : { ...state, notices };
    }
  }
}

/**
 * The selection a new filter leaves: rows it hides are deselected, as in qBittorrent, so that
 * Pause, Remove (with its data) or Space never act on torrents the user cannot see.
 */
function selectionWithin(state: AppState, filter: ListFilter): Pick<AppState, 'selected' | 'selection'> {
  const shown = filterPredicate(filter);
  const selection = state.selection.filter((h) => {
    const t = state.torrents[h];
    return t !== undefined && shown(t);
  });
  if (selection.length === state.selection.length) return { selected: state.selected, selection: state.selection };
  const selected = state.selected !== null && selection.includes(state.selected) ? state.selected : (selection[selection.length - 1] ?? null);
  return { selected, selection };
}

/**
 * After rows changed: a selected torrent the filter now hides (a download that finished under
 * "Downloading", a torrent paused under "Active") leaves the selection, as when the filter itself
 * changes, so Delete or Space never act on a row that has gone out of sight.
 */
function stillShown(state: AppState): AppState {
  if (state.selection.length === 0) return state;
  const within = selectionWithin(state, state.filter);
  return within.selection === state.selection ? state : { ...state, ...within };
}

/** A removed torrent leaves the selection; when it was the one shown, another selected one is shown. */
function withoutSelected(state: AppState, infoHash: string): Pick<AppState, 'selected' | 'selection'> {
  const selection = state.selection.filter((h) => h !== infoHash);
  const selected = state.selected === infoHash ? (selection[selection.length - 1] ?? null) : state.selected;
  return { selected, selection: selected === null ? [] : selection };
}

/** Rates, sizes and progress sort biggest first on the first click; names and state A→Z. */
export function defaultDescending(key: SortKey): boolean {
  return key !== 'name' && key !== 'state' && key !== 'added' && key !== 'eta';
}
