// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTransport } from '../../test/fakeTransport.js';
import { hash, session, summary } from '../../test/fixtures.js';
import { mountWithSnapshot, type Mounted } from '../../test/mount.js';
import { Controller } from '../app/controller.js';
import { ROW_HEIGHT, stateLabel, TorrentList } from './TorrentList.js';

const COUNT = 1000;
/** happy-dom has no layout: the list box reports this height (10 rows; the header measures 0). */
const VIEWPORT = 10 * ROW_HEIGHT;
const OVERSCAN = 8;

let m: Mounted;
let container: HTMLDivElement;
let controller: Controller;
let t: FakeTransport;
let restoreClientHeight: () => void;

const list = () => container.querySelector<HTMLElement>('[data-testid="torrent-list"]') as HTMLElement;
const rows = () => Array.from(container.querySelectorAll<HTMLElement>('[data-testid="torrent-row"]'));
const rowHashes = () => rows().map((r) => r.getAttribute('data-infohash'));
const selectedRow = () => container.querySelector<HTMLElement>('[data-testid="torrent-row"][aria-selected="true"]');
const key = (k: string, shiftKey = false) => act(async () => {
  list().dispatchEvent(new KeyboardEvent('keydown', { key: k, shiftKey, bubbles: true, cancelable: true }));
});
const scrollTo = (top: number) => act(async () => {
  list().scrollTop = top;
  list().dispatchEvent(new Event('scroll'));
});

beforeEach(async () => {
  const desc = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight') ?? Object.getOwnPropertyDescriptor(Element.prototype, 'clientHeight');
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) { return this.dataset.testid === 'torrent-list' ? VIEWPORT : 0; },
  });
  restoreClientHeight = () => {
    if (desc) Object.defineProperty(HTMLElement.prototype, 'clientHeight', desc);
    else delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight;
  };
  m = await mountWithSnapshot(<TorrentList />, { torrents: Array.from({ length: COUNT }, (_, i) => summary(i + 1)) });
  ({ container, controller, transport: t } = m);
});

afterEach(async () => {
  await m.unmount();
  restoreClientHeight();
});

function expectSpacers(start: number, end: number): void {
  const spacers = Array.from(container.querySelectorAll<HTMLElement>('.list__spacer td'));
  const heights = spacers.map((s) => s.style.height);
  const expected = [...(start > 0 ? [`${start * ROW_HEIGHT}px`] : []), ...(end < COUNT ? [`${(COUNT - end) * ROW_HEIGHT}px`] : [])];
  expect(heights).toEqual(expected);
}

describe('TorrentList (virtualised)', () => {
  it('renders only the rows in view plus the overscan, with spacers for the rest', () => {
    expect(rowHashes()).toEqual(Array.from({ length: 10 + OVERSCAN }, (_, i) => hash(i + 1)));
    expectSpacers(0, 10 + OVERSCAN);
    const grid = container.querySelector('[role="grid"]');
    expect(grid?.getAttribute('aria-rowcount')).toBe(String(COUNT + 1));
    expect(rows()[0]?.getAttribute('aria-rowindex')).toBe('2');
    expect(rows()[0]?.querySelector('[data-testid="torrent-state"]')?.getAttribute('data-state')).toBe('downloading');
    expect(rows()[0]?.querySelector('[data-testid="torrent-progress"]')).not.toBeNull();
  });

  it('renders the rows at the scroll position', async () => {
    await scrollTo(500 * ROW_HEIGHT);
    const expected = Array.from({ length: 10 + 2 * OVERSCAN }, (_, i) => hash(500 - OVERSCAN + i + 1));
    expect(rowHashes()).toEqual(expected);
    expect(rows()[0]?.getAttribute('aria-rowindex')).toBe(String(500 - OVERSCAN + 2));
    expectSpacers(500 - OVERSCAN, 510 + OVERSCAN);
  });

  it('End selects the last row, scrolls it into view and renders it; Home goes back', async () => {
    await key('End');
    expect(controller.store.getState().selected).toBe(hash(COUNT));
    expect(list().scrollTop).toBe(COUNT * ROW_HEIGHT - VIEWPORT);
    expect(selectedRow()?.getAttribute('data-infohash')).toBe(hash(COUNT));
    expect(selectedRow()?.getAttribute('aria-rowindex')).toBe(String(COUNT + 1));
    await key('Home');
    expect(list().scrollTop).toBe(0);
    expect(selectedRow()?.getAttribute('data-infohash')).toBe(hash(1));
  });

  it('ArrowDown scrolls only when the selection leaves the view; PageDown/PageUp move a page', async () => {
    await key('ArrowDown');
    expect(controller.store.getState().selected).toBe(hash(1));
    for (let i = 0; i < 9; i++) await key('ArrowDown');
    expect(controller.store.getState().selected).toBe(hash(10));
    expect(list().scrollTop).toBe(0);
    await key('ArrowDown');
    expect(controller.store.getState().selected).toBe(hash(11));
    expect(list().scrollTop).toBe(ROW_HEIGHT);
    await key('PageDown');
    expect(controller.store.getState().selected).toBe(hash(21));
    expect(list().scrollTop).toBe(11 * ROW_HEIGHT);
    expect(selectedRow()?.getAttribute('data-infohash')).toBe(hash(21));
    await key('PageUp');
    await key('PageUp');
    expect(controller.store.getState().selected).toBe(hash(1));
    expect(list().scrollTop).toBe(0);
    await key('ArrowUp');
    expect(controller.store.getState().selected).toBe(hash(1));
  });

  it('Shift+ArrowDown/ArrowUp extend the selection from the anchor; a plain arrow selects one row again', async () => {
    await key('ArrowDown');
    await key('ArrowDown');
    await key('ArrowDown', true);
    await key('ArrowDown', true);
    expect(controller.store.getState().selection).toEqual([hash(2), hash(3), hash(4)]);
    // The anchor stays the row the details show.
    expect(controller.store.getState().selected).toBe(hash(2));
    await key('ArrowUp', true);
    expect(controller.store.getState().selection).toEqual([hash(2), hash(3)]);
    await key('ArrowUp', true);
    await key('ArrowUp', true);
    expect(controller.store.getState().selection).toEqual([hash(1), hash(2)]);
    await key('End', true);
    expect(controller.store.getState().selection).toHaveLength(COUNT - 1);
    expect(list().scrollTop).toBe(COUNT * ROW_HEIGHT - VIEWPORT);
    // A plain arrow moves on from the far end of the range, selecting that one row.
    await key('ArrowUp');
    expect(controller.store.getState().selection).toEqual([hash(COUNT - 1)]);
    expect(controller.store.getState().selected).toBe(hash(COUNT - 1));
  });

  it('keeps sorting correct: a descending sort by size puts the biggest first and End reaches the smallest', async () => {
    await act(async () => {
      controller.sortBy('size');
    });
    await act(async () => {
      if (controller.store.getState().sort.descending === false) controller.sortBy('size');
    });
    expect(controller.store.getState().sort).toEqual({ key: 'size', descending: true });
    expect(rowHashes().slice(0, 3)).toEqual([hash(COUNT), hash(COUNT - 1), hash(COUNT - 2)]);
    await key('End');
    expect(selectedRow()?.getAttribute('data-infohash')).toBe(hash(1));
  });

  it('updates a row in view from summaries and drops rows of removed torrents', async () => {
    await act(async () => {
      t.emit({ type: 'summaries', session, torrents: Array.from({ length: COUNT }, (_, i) => summary(i + 1, i === 0 ? { state: 'seeding', progress: 1 } : {})) });
    });
    const first = rows()[0];
    expect(first?.querySelector('[data-testid="torrent-state"]')?.getAttribute('data-state')).toBe('seeding');
    expect(first?.querySelector('[data-testid="torrent-progress"]')?.getAttribute('data-progress')).toBe('1');
    await act(async () => {
      t.emit({ type: 'torrentRemoved', infoHash: hash(1) });
    });
    expect(rowHashes()[0]).toBe(hash(2));
    expect(container.querySelector('[role="grid"]')?.getAttribute('aria-rowcount')).toBe(String(COUNT));
  });
});

describe('stateLabel', () => {
  const row = { progress: 0, downloadRate: 0, moveProgress: null, hasMetadata: false };
  it('the metadata step reads "Fetching metadata" until the metadata is there, then "Choose files" (a magnet waiting for its file choice)', () => {
    expect(stateLabel({ ...row, state: 'metadata' })).toBe('Fetching metadata');
    expect(stateLabel({ ...row, state: 'metadata', hasMetadata: true })).toBe('Choose files');
    expect(stateLabel({ ...row, state: 'downloading', hasMetadata: true })).toBe('Stalled');
  });
});
