import { describe, expect, it } from 'vitest';
import { hash, summary } from '../../test/fixtures.js';
import { categoriesInUse, filterPredicate, matchesState, NO_FILTER, stateCounts } from './filters.js';
import { initialState, reduce } from './reducer.js';
import { sortedHashes } from './selectors.js';

const rows = [
  summary(1, { name: 'Ubuntu 24.04 desktop', state: 'downloading', downloadRate: 100, category: 'linux' }),
  summary(2, { name: 'Debian netinst', state: 'downloading', downloadRate: 0, category: 'linux' }),
  summary(3, { name: 'Big Buck Bunny', state: 'seeding', progress: 1, uploadRate: 0, category: 'films' }),
  summary(4, { name: 'Sintel', state: 'paused', progress: 1 }),
  summary(5, { name: 'broken', state: 'error', error: 'disk full' }),
  summary(6, { name: 'fetching', state: 'metadata', hasMetadata: false }),
  summary(7, { name: 'being checked', state: 'checking' }),
];
const byHash = Object.fromEntries(rows.map((t) => [t.infoHash, t]));
const order = rows.map((t) => t.infoHash);
const shown = (filter: Partial<typeof NO_FILTER>) => sortedHashes(byHash, order, { key: 'added', descending: false }, { ...NO_FILTER, ...filter });

describe('list filters', () => {
  it('each state filter lets through the torrents it names', () => {
    expect(shown({ state: 'downloading' })).toEqual([hash(1), hash(2), hash(6)]);
    expect(shown({ state: 'seeding' })).toEqual([hash(3)]);
    expect(shown({ state: 'completed' })).toEqual([hash(3), hash(4)]);
    expect(shown({ state: 'paused' })).toEqual([hash(4)]);
    expect(shown({ state: 'active' })).toEqual([hash(1)]);
    expect(shown({ state: 'stalled' })).toEqual([hash(2), hash(3)]);
    expect(shown({ state: 'checking' })).toEqual([hash(7)]);
    expect(shown({ state: 'error' })).toEqual([hash(5)]);
    expect(shown({ state: 'queued' })).toEqual([]);
    expect(shown({})).toEqual(order);
  });

  it('a torrent the engine reports as queued shows under Queued only', () => {
    const queued = { ...summary(8), state: 'queued' } as unknown as Parameters<typeof matchesState>[0];
    expect(matchesState(queued, 'queued')).toBe(true);
    expect(matchesState(queued, 'downloading')).toBe(false);
  });

  it('search matches every word of the name, case-insensitively, or an info-hash prefix', () => {
    expect(shown({ search: 'ubuntu' })).toEqual([hash(1)]);
    expect(shown({ search: '  DESKTOP   ubuntu ' })).toEqual([hash(1)]);
    expect(shown({ search: 'ubuntu debian' })).toEqual([]);
    expect(shown({ search: hash(3).slice(0, 40) })).toEqual([hash(3)]);
    expect(shown({ search: 'in', state: 'seeding' })).toEqual([]); // "Big Buck Bunny" has no "in"
    expect(shown({ search: 'bunny', state: 'seeding' })).toEqual([hash(3)]);
  });

  it('category: one name, or the torrents without one', () => {
    expect(shown({ category: 'linux' })).toEqual([hash(1), hash(2)]);
    expect(shown({ category: '' })).toEqual([hash(4), hash(5), hash(6), hash(7)]);
    expect(categoriesInUse(byHash)).toEqual({ names: ['films', 'linux'], uncategorized: true });
  });

  it('counts per state filter match what the filter shows', () => {
    const counts = stateCounts(byHash);
    for (const [f, n] of Object.entries(counts)) expect(shown({ state: f as typeof NO_FILTER.state }).length).toBe(n);
    expect(counts.all).toBe(7);
  });

  it('no filter is a predicate that takes everything', () => {
    expect(rows.every(filterPredicate(NO_FILTER))).toBe(true);
  });
});

describe('selection in the reducer', () => {
  const loaded = reduce(initialState, { type: 'snapshot', torrents: rows, session: initialState.session, settings: { downloadDir: '/d', listenPort: 0, maxPeersPerTorrent: 50, notifyOnComplete: true, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: true }, capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false }, offers: [] });

  it('selectMany keeps known torrents once, and shows the primary', () => {
    const s = reduce(loaded, { type: 'ui/selectMany', infoHashes: [hash(1), hash(3), hash(1), hash(99)], primary: hash(3) });
    expect(s.selection).toEqual([hash(1), hash(3)]);
    expect(s.selected).toBe(hash(3));
    const one = reduce(s, { type: 'ui/select', infoHash: hash(2) });
    expect(one.selection).toEqual([hash(2)]);
    expect(reduce(one, { type: 'ui/select', infoHash: null }).selection).toEqual([]);
  });

  it('a removed torrent leaves the selection; the details move to another selected one', () => {
    const s = reduce(loaded, { type: 'ui/selectMany', infoHashes: [hash(1), hash(3)], primary: hash(3) });
    const after = reduce(s, { type: 'torrentRemoved', infoHash: hash(3) });
    expect(after.selection).toEqual([hash(1)]);
    expect(after.selected).toBe(hash(1));
    const none = reduce(after, { type: 'torrentRemoved', infoHash: hash(1) });
    expect([none.selected, none.selection]).toEqual([null, []]);
  });
});
