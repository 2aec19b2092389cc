// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscoveryView, TrackerView } from '../../../shared/contract/index.js';
import { hash, summary } from '../../test/fixtures.js';
import { mountWithSnapshot, type Mounted } from '../../test/mount.js';
import { TrackersTab } from './TrackersTab.js';

const A = 'http://a.example/announce';
const B = 'udp://b.example:80';
const C = 'https://c.example/announce';

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
});

const WORKING: DiscoveryView = {
  private: false,
  dht: { status: 'working', seeds: 2, leechers: 5 },
  pex: { status: 'disabled', seeds: 0, leechers: 1 },
  lsd: { status: 'working', seeds: 0, leechers: 0 },
};

/** The engine's side, as the contract promises it: tiers kept in a list the commands change; the DHT, PeX and LSD rows as given. */
function engine(initial: string[][], discovery: DiscoveryView = WORKING) {
  let tiers = initial.map((t) => [...t]);
  const view = (): TrackerView[] => tiers.flatMap((tier, i) => tier.map((url) => ({ url, tier: i, status: 'idle' as const, message: null, lastAnnounce: null, peers: 0, seeders: null, leechers: null })));
  return {
    getTrackers: () => ({ ok: true, result: view() }),
    getDiscovery: () => ({ ok: true, result: discovery }),
    addTrackers: (p: unknown) => {
      const known = new Set(tiers.flat());
      tiers = [...tiers, ...(p as { tiers: string[][] }).tiers.map((tier) => tier.filter((u) => !known.has(u))).filter((tier) => tier.length > 0)];
      return { ok: true, result: null };
    },
    editTracker: (p: unknown) => {
      const { url, newUrl } = p as { url: string; newUrl: string };
      tiers = tiers.map((tier) => tier.map((u) => (u === url ? newUrl : u)));
      return { ok: true, result: null };
    },
    removeTrackers: (p: unknown) => {
      const gone = new Set((p as { urls: string[] }).urls);
      tiers = tiers.map((tier) => tier.filter((u) => !gone.has(u))).filter((tier) => tier.length > 0);
      return { ok: true, result: null };
    },
  };
}

const $ = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const $$ = (id: string) => Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));
const urls = () => $$('tracker-url').map((e) => e.textContent);
const flush = () => act(async () => { await new Promise((r) => setTimeout(r, 0)); });
const click = async (el: HTMLElement | null) => {
  await act(async () => el?.click());
  await flush();
};

/** A press of the primary button on `el` as a user makes it: mousedown, then click (and the modifiers). */
async function press(el: HTMLElement, mods: { ctrlKey?: boolean; shiftKey?: boolean } = {}): Promise<void> {
  await act(async () => {
    el.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, button: 0, ...mods }));
    el.dispatchEvent(new MouseEvent('mouseup', { bubbles: true, button: 0, ...mods }));
    el.dispatchEvent(new MouseEvent('click', { bubbles: true, button: 0, ...mods }));
  });
  await flush();
}
async function doubleClick(el: HTMLElement): Promise<void> {
  await press(el);
  await press(el);
  await act(async () => { el.dispatchEvent(new MouseEvent('dblclick', { bubbles: true, button: 0 })); });
  await flush();
}
/** A key pressed in the focused tracker list; returns whether the list took it (preventDefault). */
async function key(k: string, mods: { ctrlKey?: boolean; shiftKey?: boolean } = {}): Promise<boolean> {
  const e = new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...mods });
  await act(async () => { $('trackers-list')!.dispatchEvent(e); });
  await flush();
  return e.defaultPrevented;
}
/** Which rows show as selected. */
const rowsSelected = () => $$('tracker-row').map((r) => r.classList.contains('row--selected'));
const disabled = (id: string) => ($(id) as HTMLButtonElement).disabled;

async function typeInto(id: string, value: string): Promise<void> {
  const el = $(id) as HTMLInputElement | HTMLTextAreaElement;
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  await act(async () => {
    Object.getOwnPropertyDescriptor(proto, 'value')?.set?.call(el, value);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function mount(tiers: string[][], discovery?: DiscoveryView): Promise<void> {
  const t = summary(1);
  m = await mountWithSnapshot(<TrackersTab infoHash={t.infoHash} />, { torrents: [t] }, engine(tiers, discovery));
  await flush();
}

describe('Trackers tab: managing the trackers', () => {
  it('adds tiers through the dialog, refusing a bad URL before sending', async () => {
    await mount([[A]]);
    expect(urls()).toEqual([A]);
    await click($('trackers-add'));
    expect($('add-trackers-dialog')).not.toBeNull();
    await typeInto('add-trackers-text', `${B}\n\nnot a url`);
    await click($('add-trackers-save'));
    expect($('add-trackers-error')?.textContent).toContain('not a url');
    expect(m!.transport.commands('addTrackers')).toEqual([]);
    await typeInto('add-trackers-text', `${B}\n${A}\n\n${C}`);
    await click($('add-trackers-save'));
    expect(m!.transport.commands('addTrackers')).toEqual([{ infoHash: hash(1), tiers: [[B, A], [C]] }]);
    expect($('add-trackers-dialog')).toBeNull();
    expect(urls()).toEqual([A, B, C]);
  });

  it('edits the selected tracker and removes the selected ones', async () => {
    await mount([[A], [B, C]]);
    expect(disabled('trackers-edit')).toBe(true);
    expect(disabled('trackers-remove')).toBe(true);
    await press($$('tracker-row')[1]!);
    await click($('trackers-edit'));
    expect(($('edit-tracker-url') as HTMLInputElement).value).toBe(B);
    await typeInto('edit-tracker-url', 'ftp://nope.example/');
    await click($('edit-tracker-save'));
    expect($('edit-tracker-error')?.textContent).toMatch(/Not a tracker URL/);
    await typeInto('edit-tracker-url', 'udp://z.example:6969/announce');
    await click($('edit-tracker-save'));
    expect(m!.transport.commands('editTracker')).toEqual([{ infoHash: hash(1), url: B, newUrl: 'udp://z.example:6969/announce' }]);
    expect(urls()).toEqual([A, 'udp://z.example:6969/announce', C]);
    // The edited row stays selected under its new URL.
    expect(rowsSelected()).toEqual([false, true, false]);

    await press($$('tracker-row')[0]!);
    await press($$('tracker-row')[2]!, { ctrlKey: true });
    expect($('trackers-remove')?.textContent).toBe('Remove 2');
    await click($('trackers-remove'));
    expect(m!.transport.commands('removeTrackers')).toEqual([{ infoHash: hash(1), urls: [A, C] }]);
    expect(urls()).toEqual(['udp://z.example:6969/announce']);
    expect(rowsSelected()).toEqual([false]);
  });

  it('a click selects only its row: Remove removes that row, not every row clicked before', async () => {
    await mount([[A], [B], [C]]);
    await press($$('tracker-row')[0]!);
    await press($$('tracker-row')[2]!);
    expect(rowsSelected()).toEqual([false, false, true]);
    expect($('trackers-remove')?.textContent).toBe('Remove');
    await click($('trackers-remove'));
    expect(m!.transport.commands('removeTrackers')).toEqual([{ infoHash: hash(1), urls: [C] }]);
  });

  it('a double click edits its row and leaves it selected (it does not select and unselect it)', async () => {
    await mount([[A], [B], [C]]);
    await press($$('tracker-row')[0]!);
    await doubleClick($$('tracker-row')[1]!);
    expect(($('edit-tracker-url') as HTMLInputElement).value).toBe(B);
    expect(rowsSelected()).toEqual([false, true, false]);
    await click($('edit-tracker-dialog')!.querySelector<HTMLElement>('button[type="button"]'));
    expect($('edit-tracker-dialog')).toBeNull();
    expect(rowsSelected()).toEqual([false, true, false]);
    expect(disabled('trackers-edit')).toBe(false);
  });

  it('Ctrl+click adds or takes out a row, Shift+click selects a range from the last clicked row', async () => {
    await mount([[A], [B], [C], ['http://d.example/']]);
    const row = (i: number) => $$('tracker-row')[i]!;
    await press(row(1));
    await press(row(3), { shiftKey: true });
    expect(rowsSelected()).toEqual([false, true, true, true]);
    await press(row(2), { ctrlKey: true });
    expect(rowsSelected()).toEqual([false, true, false, true]);
    expect(disabled('trackers-edit')).toBe(true); // Edit is for one row
    await press(row(0), { shiftKey: true });
    expect(rowsSelected()).toEqual([true, true, false, false]);
    expect($$('tracker-row').map((r) => r.getAttribute('aria-selected'))).toEqual(['true', 'true', 'false', 'false']);
  });

  it('keyboard: arrows move, Shift+arrows extend, Enter edits, Delete removes the selection (not the torrent)', async () => {
    await mount([[A], [B], [C]]);
    expect(await key('ArrowDown')).toBe(true);
    expect(rowsSelected()).toEqual([true, false, false]);
    await key('ArrowDown');
    expect(rowsSelected()).toEqual([false, true, false]);
    await key('Enter');
    expect(($('edit-tracker-url') as HTMLInputElement).value).toBe(B);
    await click($('edit-tracker-dialog')!.querySelector<HTMLElement>('button[type="button"]'));
    await key('ArrowDown', { shiftKey: true });
    expect(rowsSelected()).toEqual([false, true, true]);
    // Taken here, so the window's Delete shortcut (remove the selected torrent) does not see it.
    expect(await key('Delete')).toBe(true);
    expect(m!.transport.commands('removeTrackers')).toEqual([{ infoHash: hash(1), urls: [B, C] }]);
    expect(urls()).toEqual([A]);
    expect(m!.transport.commands('remove')).toEqual([]);
    expect(await key('a', { ctrlKey: true })).toBe(true);
    expect(rowsSelected()).toEqual([true]);
  });

  it('Space in the focused list stays there: the window-wide Space (pause or resume the torrent) never sees it', async () => {
    await mount([[A], [B]]);
    await key('ArrowDown');
    const seen: string[] = [];
    const onWindowKey = (e: KeyboardEvent) => { seen.push(e.key); };
    window.addEventListener('keydown', onWindowKey);
    try {
      await key(' ');
      await key('ArrowDown');
    } finally {
      window.removeEventListener('keydown', onWindowKey);
    }
    // The arrow still reaches the window (prevented, so its shortcuts ignore it); Space does not.
    expect(seen).toEqual(['ArrowDown']);
    expect(rowsSelected()).toEqual([false, true]);
  });

  it('Force reannounce asks for this torrent; with no trackers left it says so and still offers Add', async () => {
    await mount([]);
    expect($('trackers-empty')).not.toBeNull();
    expect(($('trackers-add') as HTMLButtonElement).disabled).toBe(false);
    await click($('trackers-reannounce'));
    expect(m!.transport.commands('reannounce')).toEqual([{ infoHashes: [hash(1)] }]);
  });

describe("Trackers tab: qBittorrent's DHT, PeX and LSD rows", () => {
  const cells = (row: HTMLElement) => Array.from(row.querySelectorAll('td')).map((td) => td.textContent);

  it('stand above the trackers with their status and the peers each source named; tiers count from 0', async () => {
    await mount([[A], [B]]);
    const rows = Array.from(document.querySelectorAll<HTMLElement>('tbody tr'));
    expect(rows.map((r) => r.getAttribute('data-testid'))).toEqual(['discovery-row', 'discovery-row', 'discovery-row', 'tracker-row', 'tracker-row']);
    expect(rows.slice(0, 3).map(cells)).toEqual([
      ['', '** [DHT] **', 'Working', '', '', '–', '2', '5'],
      ['', '** [PeX] **', 'Disabled', '', '', '–', '0', '1'],
      ['', '** [LSD] **', 'Working', '', '', '–', '0', '0'],
    ]);
    // qBittorrent numbers tiers from 0.
    expect(rows.slice(3).map((r) => cells(r)[0])).toEqual(['0', '1']);
  });

  it('a private torrent: Disabled for this torrent, and This torrent is private', async () => {
    const off = { status: 'disabled-for-torrent', seeds: 0, leechers: 0 } as const;
    await mount([[A]], { private: true, dht: off, pex: off, lsd: { status: 'disabled', seeds: 0, leechers: 0 } });
    expect($$('discovery-row').map((r) => cells(r).slice(1, 4))).toEqual([
      ['** [DHT] **', 'Disabled for this torrent', 'This torrent is private'],
      ['** [PeX] **', 'Disabled for this torrent', 'This torrent is private'],
      ['** [LSD] **', 'Disabled', 'This torrent is private'],
    ]);
  });

  it('are not selectable: a click or double click on one selects and edits nothing; keys and Ctrl+A move among the trackers only', async () => {
    await mount([[A], [B]]);
    await press($$('tracker-row')[1]!);
    await press($$('discovery-row')[0]!);
    await doubleClick($$('discovery-row')[1]!);
    expect($('edit-tracker-dialog')).toBeNull();
    expect(rowsSelected()).toEqual([false, true]);
    expect($$('discovery-row').some((r) => r.classList.contains('row--selected'))).toBe(false);
    await key('ArrowUp');
    expect(rowsSelected()).toEqual([true, false]);
    await key('ArrowUp');
    expect(rowsSelected()).toEqual([true, false]);
    await key('Home');
    expect(rowsSelected()).toEqual([true, false]);
    await key('a', { ctrlKey: true });
    expect(rowsSelected()).toEqual([true, true]);
    expect($('trackers-remove')?.textContent).toBe('Remove 2');
    await key('Delete');
    expect(m!.transport.commands('removeTrackers')).toEqual([{ infoHash: hash(1), urls: [A, B] }]);
    // With no trackers left the rows stay, and the note says where peers come from.
    expect($$('discovery-row')).toHaveLength(3);
    expect($('trackers-empty')).not.toBeNull();
  });
});
});
