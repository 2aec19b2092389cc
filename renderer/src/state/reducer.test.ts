import { describe, expect, it } from 'vitest';
import { encodePieceChanges } from '../../../shared/contract/index.js';
import { MAX_NOTICES, initialState, reduce, type Action, type AppState } from './reducer.js';
import { computeTotals, createRowOrderSelector, sortedHashes } from './selectors.js';
import { hash, session, summary } from '../../test/fixtures.js';

const settings = { downloadDir: '/d', listenPort: 6881, maxPeersPerTorrent: 50, notifyOnComplete: true, downloadLimit: 0, uploadLimit: 0, encryption: 'allow' as const, confirmAdd: false };
const capabilities = { transport: 'web', chooseDownloadDir: false, openFolder: false } as const;

function run(actions: Action[], from: AppState = initialState): AppState {
  return actions.reduce(reduce, from);
}

const snap = (n: number[]): Action => ({ type: 'snapshot', torrents: n.map((i) => summary(i)), session, settings, capabilities, offers: [] });

describe('reduce: engine events', () => {
  it('snapshot replaces everything and marks the state ready', () => {
    const s = run([{ type: 'connection', status: 'open' }, snap([1, 2])]);
    expect(s.ready).toBe(true);
    expect(s.order).toEqual([hash(1), hash(2)]);
    expect(s.session).toEqual(session);
    expect(s.capabilities?.transport).toBe('web');
    const again = reduce(s, snap([3]));
    expect(again.order).toEqual([hash(3)]);
    expect(again.torrents[hash(1)]).toBeUndefined();
  });

  it('does not mutate its input', () => {
    const s = run([snap([1])]);
    const frozen = JSON.stringify(s);
    reduce(s, { type: 'torrentRemoved', infoHash: hash(1) });
    reduce(s, { type: 'torrentAdded', torrent: summary(2) });
    reduce(s, { type: 'ui/select', infoHash: hash(1) });
    expect(JSON.stringify(s)).toBe(frozen);
  });

  it('summaries keep unchanged rows (identity) and replace changed ones', () => {
    const s = run([snap([1, 2])]);
    const next = reduce(s, { type: 'summaries', torrents: [summary(1), summary(2, { progress: 0.5 })], session });
    expect(next.torrents[hash(1)]).toBe(s.torrents[hash(1)]);
    expect(next.torrents[hash(2)]).not.toBe(s.torrents[hash(2)]);
    expect(next.torrents[hash(2)]?.progress).toBe(0.5);
    expect(next.order).toBe(s.order);
  });

  it('summary changes update only the changed rows and fields; unknown torrents are ignored', () => {
    const s = run([snap([1, 2])]);
    const next = reduce(s, { type: 'summaryChanges', torrents: [{ infoHash: hash(2), progress: 0.5, downloadRate: 7 }, { infoHash: hash(9), progress: 1 }] });
    expect(next.torrents[hash(1)]).toBe(s.torrents[hash(1)]);
    expect(next.torrents[hash(2)]).toEqual({ ...s.torrents[hash(2)], progress: 0.5, downloadRate: 7 });
    expect(next.torrents[hash(9)]).toBeUndefined();
    expect(next.order).toBe(s.order);
    expect(next.session).toBe(s.session);
    const withTotals = reduce(next, { type: 'summaryChanges', torrents: [], session: { ...session, peers: 4 } });
    expect(withTotals.session?.peers).toBe(4);
    expect(reduce(s, { type: 'summaryChanges', torrents: [{ infoHash: hash(1), name: s.torrents[hash(1)]?.name ?? '' }] })).toBe(s); // same values: same state
  });

  it('adds and removes torrents; removing the selected one clears the selection', () => {
    let s = run([snap([1])]);
    s = reduce(s, { type: 'torrentAdded', torrent: summary(2) });
    expect(s.order).toEqual([hash(1), hash(2)]);
    s = reduce(s, { type: 'torrentAdded', torrent: summary(2, { name: 'renamed' }) });
    expect(s.order).toHaveLength(2);
    expect(s.torrents[hash(2)]?.name).toBe('renamed');
    s = reduce(s, { type: 'ui/select', infoHash: hash(2) });
    expect(s.selected).toBe(hash(2));
    s = reduce(s, { type: 'torrentRemoved', infoHash: hash(2) });
    expect(s.selected).toBeNull();
    expect(s.order).toEqual([hash(1)]);
    expect(reduce(s, { type: 'torrentRemoved', infoHash: hash(9) })).toBe(s);
  });

  it('a snapshot without the selected torrent clears the selection', () => {
    let s = run([snap([1, 2]), { type: 'ui/select', infoHash: hash(2) }]);
    s = reduce(s, snap([1]));
    expect(s.selected).toBeNull();
  });

  it('connection changes reset readiness until the next snapshot', () => {
    let s = run([snap([1])]);
    s = reduce(s, { type: 'connection', status: 'closed' });
    expect(s.ready).toBe(false);
    expect(s.order).toHaveLength(1); // stale rows stay visible
    expect(reduce(s, { type: 'connection', status: 'closed' })).toBe(s);
  });

  it('torrentError, completed and notice become notices', () => {
    let s = run([snap([1])]);
    s = reduce(s, { type: 'torrentError', infoHash: hash(1), message: 'disk full' });
    expect(s.notices.at(-1)).toMatchObject({ level: 'error', message: 'torrent 1: disk full' });
    expect(s.torrents[hash(1)]?.error).toBe('disk full');
    s = reduce(s, { type: 'completed', infoHash: hash(1), name: 'torrent 1' });
    expect(s.notices.at(-1)?.level).toBe('info');
    s = reduce(s, { type: 'notice', level: 'error', message: 'bad file' });
    expect(s.notices.at(-1)?.message).toBe('bad file');
  });

  it('ignores piece events (they live in typed arrays)', () => {
    const s = run([snap([1])]);
    expect(reduce(s, { type: 'piecesDelta', infoHash: hash(1), seq: 1, changes: encodePieceChanges([]) })).toBe(s);
  });
});

describe('reduce: UI actions', () => {
  it('selects only known torrents', () => {
    const s = run([snap([1])]);
    expect(reduce(s, { type: 'ui/select', infoHash: hash(7) })).toBe(s);
    expect(reduce(s, { type: 'ui/select', infoHash: hash(1) }).selected).toBe(hash(1));
    expect(reduce(reduce(s, { type: 'ui/select', infoHash: hash(1) }), { type: 'ui/select', infoHash: null }).selected).toBeNull();
  });

  it('notices: bounded, deduplicated, dismissable, info ones expire', () => {
    let s = initialState;
    for (let i = 0; i < MAX_NOTICES + 3; i++) s = reduce(s, { type: 'ui/notice', level: 'error', message: `e${i}`, at: i });
    expect(s.notices).toHaveLength(MAX_NOTICES);
    expect(s.notices.at(-1)?.message).toBe(`e${MAX_NOTICES + 2}`);
    const before = s.notices.length;
    s = reduce(s, { type: 'ui/notice', level: 'error', message: `e${MAX_NOTICES + 2}`, at: 100 });
    expect(s.notices).toHaveLength(before);
    const id = s.notices[0]?.id ?? -1;
    s = reduce(s, { type: 'ui/dismiss', id });
    expect(s.notices.find((n) => n.id === id)).toBeUndefined();
    s = reduce(s, { type: 'ui/notice', level: 'info', message: 'hello', at: 5 });
    s = reduce(s, { type: 'ui/expire', before: 10 });
    expect(s.notices.some((n) => n.message === 'hello')).toBe(false);
    expect(s.notices.length).toBe(MAX_NOTICES - 1); // errors stay
    s = reduce(s, { type: 'ui/notice', level: 'error', message: '   ', at: 1 });
    expect(s.notices.at(-1)?.message).toBe('Something went wrong');
  });

  it('sorting toggles direction on the same key', () => {
    let s = reduce(initialState, { type: 'ui/sort', key: 'size' });
    expect(s.sort).toEqual({ key: 'size', descending: true });
    s = reduce(s, { type: 'ui/sort', key: 'size' });
    expect(s.sort).toEqual({ key: 'size', descending: false });
    s = reduce(s, { type: 'ui/sort', key: 'name' });
    expect(s.sort).toEqual({ key: 'name', descending: false });
  });
});

describe('selectors', () => {
  const s = run([{ type: 'snapshot', session, settings, capabilities, offers: [], torrents: [
    summary(1, { name: 'b', size: 5, downloadRate: 3, state: 'seeding', eta: null }),
    summary(2, { name: 'a10', size: 9, downloadRate: 1, eta: 50 }),
    summary(3, { name: 'a9', size: 5, downloadRate: 2, state: 'paused', eta: 10 }),
  ] }]);

  it('sorts stably by each key', () => {
    expect(sortedHashes(s.torrents, s.order, { key: 'added', descending: false })).toEqual([hash(1), hash(2), hash(3)]);
    expect(sortedHashes(s.torrents, s.order, { key: 'name', descending: false })).toEqual([hash(3), hash(2), hash(1)]);
    expect(sortedHashes(s.torrents, s.order, { key: 'size', descending: true })).toEqual([hash(2), hash(1), hash(3)]);
    expect(sortedHashes(s.torrents, s.order, { key: 'eta', descending: false })).toEqual([hash(3), hash(2), hash(1)]);
    expect(sortedHashes(s.torrents, s.order, { key: 'downloadRate', descending: true })).toEqual([hash(1), hash(3), hash(2)]);
  });

  it('row order selector keeps its array while the order is unchanged', () => {
    const select = createRowOrderSelector();
    const a = select(s);
    const s2 = reduce(s, { type: 'summaries', session, torrents: Object.values(s.torrents).map((t) => ({ ...t, uploadRate: 7 })) });
    expect(select(s2)).toBe(a);
    const s3 = reduce(s2, { type: 'ui/sort', key: 'name' });
    expect(select(s3)).not.toBe(a);
  });

  it('totals come from the session summary plus list counts', () => {
    expect(computeTotals(s)).toEqual({ downloadRate: 10, uploadRate: 5, peers: 3, torrents: 3, downloading: 1, seeding: 1 });
  });
});

describe('reduce: a filter and the selection', () => {
  it('deselects the rows a new filter hides, so commands never act on torrents out of sight', () => {
    const s = run([
      { type: 'snapshot', torrents: [summary(1, { name: 'alpha' }), summary(2, { name: 'bravo' }), summary(3, { name: 'alphabet' })], session, settings, capabilities, offers: [] },
      { type: 'ui/selectMany', infoHashes: [hash(1), hash(2), hash(3)], primary: hash(2) },
      { type: 'ui/filter', filter: { search: 'alpha' } },
    ]);
    expect(s.selection).toEqual([hash(1), hash(3)]);
    // The one shown in the details was hidden: another selected one takes its place.
    expect(s.selected).toBe(hash(3));
    // Clearing the search shows the rows again, but does not select them again.
    const cleared = reduce(s, { type: 'ui/filter', filter: { search: '' } });
    expect(cleared.selection).toEqual([hash(1), hash(3)]);
    const none = reduce(s, { type: 'ui/filter', filter: { search: 'zulu' } });
    expect(none).toMatchObject({ selection: [], selected: null });
  });
});

describe('reduce: rows that leave the filter', () => {
  it('deselects a torrent that a state change moves out of the filter, so Delete never removes a hidden row', () => {
    const s = run([
      { type: 'snapshot', torrents: [summary(1), summary(2)], session, settings, capabilities, offers: [] },
      { type: 'ui/filter', filter: { state: 'downloading' } },
      { type: 'ui/selectMany', infoHashes: [hash(1), hash(2)], primary: hash(1) },
      // Torrent 1 finishes: the "Downloading" filter no longer shows it.
      { type: 'summaryChanges', torrents: [{ infoHash: hash(1), state: 'seeding', progress: 1 }] },
    ]);
    expect(s.selection).toEqual([hash(2)]);
    expect(s.selected).toBe(hash(2));
  });

  it('keeps the selection when the changed rows are still shown', () => {
    const before = run([
      { type: 'snapshot', torrents: [summary(1), summary(2)], session, settings, capabilities, offers: [] },
      { type: 'ui/filter', filter: { state: 'downloading' } },
      { type: 'ui/selectMany', infoHashes: [hash(1), hash(2)], primary: hash(1) },
    ]);
    const after = reduce(before, { type: 'summaryChanges', torrents: [{ infoHash: hash(1), downloadRate: 500 }] });
    expect(after.selection).toBe(before.selection);
    expect(after.selected).toBe(hash(1));
  });

  it('deselects a torrent a full summaries list shows out of the filter', () => {
    const s = run([
      { type: 'snapshot', torrents: [summary(1), summary(2)], session, settings, capabilities, offers: [] },
      { type: 'ui/filter', filter: { state: 'downloading' } },
      { type: 'ui/select', infoHash: hash(2) },
      { type: 'summaries', torrents: [summary(1), summary(2, { state: 'paused' })], session },
    ]);
    expect(s).toMatchObject({ selection: [], selected: null });
  });
});

describe('sorting by Status', () => {
  it('groups the rows as the column reads them: Stalled after Downloading, Completed after Paused', () => {
    const rows = [
      summary(1, { state: 'paused', progress: 1 }),
      summary(2, { state: 'downloading', downloadRate: 0 }),
      summary(3, { state: 'paused', progress: 0.5 }),
      summary(4, { state: 'downloading', downloadRate: 100 }),
      summary(5, { state: 'paused', progress: 1 }),
      summary(6, { state: 'paused', progress: 0 }),
    ];
    const s = run([{ type: 'snapshot', torrents: rows, session, settings, capabilities, offers: [] }]);
    expect(sortedHashes(s.torrents, s.order, { key: 'state', descending: false })).toEqual([hash(4), hash(2), hash(3), hash(6), hash(1), hash(5)]);
  });
});
