/**
 * Which torrents the list shows: a state filter (qBittorrent's side bar: Downloading, Seeding,
 * Completed, Paused, Active, Stalled, Errored, …), a category, and the search box. Pure; the
 * row-order selector applies it, so Ctrl+A and the counts see exactly the rows on screen.
 */
import type { TorrentSummary } from '../../../shared/contract/index.js';

export const STATE_FILTERS = [
  'all', 'downloading', 'seeding', 'completed', 'paused', 'queued', 'active', 'inactive', 'stalled', 'checking', 'error',
] as const;
export type StateFilter = (typeof STATE_FILTERS)[number];

export const STATE_FILTER_LABEL: Record<StateFilter, string> = {
  all: 'All',
  downloading: 'Downloading',
  seeding: 'Seeding',
  completed: 'Completed',
  paused: 'Paused',
  queued: 'Queued',
  active: 'Active',
  inactive: 'Inactive',
  stalled: 'Stalled',
  checking: 'Checking',
  error: 'Errored',
};

/** `category`: null = any; '' = torrents without one. `search`: words that must all appear in the name (or an info-hash prefix). */
export interface ListFilter {
  state: StateFilter;
  category: string | null;
  search: string;
}

export const NO_FILTER: ListFilter = { state: 'all', category: null, search: '' };

type Row = Pick<TorrentSummary, 'state' | 'progress' | 'downloadRate' | 'uploadRate'>;

function active(t: Row): boolean {
  return t.downloadRate > 0 || t.uploadRate > 0;
}

/** The contract's states, plus 'queued' (a waiting torrent, when the engine reports it). */
function stateIs(t: Row, state: string): boolean {
  return (t.state as string) === state;
}

export function matchesState(t: Row, filter: StateFilter): boolean {
  switch (filter) {
    case 'all': return true;
    case 'downloading': return t.state === 'downloading' || t.state === 'metadata';
    case 'seeding': return t.state === 'seeding';
    case 'completed': return t.progress >= 1;
    case 'paused': return t.state === 'paused';
    case 'queued': return stateIs(t, 'queued');
    case 'active': return active(t);
    case 'inactive': return !active(t);
    case 'stalled': return (t.state === 'downloading' && t.downloadRate === 0) || (t.state === 'seeding' && t.uploadRate === 0);
    case 'checking': return t.state === 'checking';
    case 'error': return t.state === 'error';
  }
}

/** The search box's words, lower-cased; empty = no search. */
export function searchWords(search: string): string[] {
  return search.toLowerCase().split(/\s+/).filter((w) => w.length > 0);
}

export function matchesSearch(t: Pick<TorrentSummary, 'name' | 'infoHash'>, words: readonly string[]): boolean {
  if (words.length === 0) return true;
  const name = t.name.toLowerCase();
  if (words.length === 1 && words[0] !== undefined && /^[0-9a-f]{4,40}$/.test(words[0]) && t.infoHash.startsWith(words[0])) return true;
  return words.every((w) => name.includes(w));
}

export function matchesCategory(t: Pick<TorrentSummary, 'category'>, category: string | null): boolean {
  return category === null || (t.category ?? '') === category;
}

/** A predicate for one filter (search words split once). */
export function filterPredicate(filter: ListFilter): (t: TorrentSummary) => boolean {
  if (filter.state === 'all' && filter.category === null && filter.search.trim() === '') return () => true;
  const words = searchWords(filter.search);
  return (t) => matchesState(t, filter.state) && matchesCategory(t, filter.category) && matchesSearch(t, words);
}

/** How many torrents each state filter would show (the filter menu's counts). */
export function stateCounts(torrents: Readonly<Record<string, TorrentSummary>>): Record<StateFilter, number> {
  const counts = Object.fromEntries(STATE_FILTERS.map((f) => [f, 0])) as Record<StateFilter, number>;
  for (const t of Object.values(torrents)) {
    for (const f of STATE_FILTERS) if (matchesState(t, f)) counts[f]++;
  }
  return counts;
}

/** The categories in use, sorted, and whether some torrent has none. */
export function categoriesInUse(torrents: Readonly<Record<string, TorrentSummary>>): { names: string[]; uncategorized: boolean } {
  const names = new Set<string>();
  let uncategorized = false;
  for (const t of Object.values(torrents)) {
    if (t.category) names.add(t.category);
    else uncategorized = true;
  }
  return { names: [...names].sort((a, b) => a.localeCompare(b)), uncategorized };
}
