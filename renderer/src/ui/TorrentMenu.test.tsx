// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TorrentSummary } from '../../../shared/contract/index.js';
import { FakeTransport } from '../../test/fakeTransport.js';
import { hash, session, summary } from '../../test/fixtures.js';
import { ControllerProvider } from '../app/context.js';
import { Controller } from '../app/controller.js';
import { createAppStore } from '../state/store.js';
import { App } from './App.js';
import { fitInViewport } from './Menu.js';
import '../../test/no-host.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const settings = { downloadDir: '/d', listenPort: 6881, maxPeersPerTorrent: 50, notifyOnComplete: true, downloadLimit: 0, uploadLimit: 0, encryption: 'allow' as const, confirmAdd: false };

let root: Root | null = null;
let container: HTMLDivElement;
let controller: Controller;
let t: FakeTransport;

// The menu is portalled to <body>, so look in the whole document.
const $ = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const rowEl = (n: number) => document.querySelector<HTMLElement>(`[data-testid="torrent-row"][data-infohash="${hash(n)}"]`);
const menu = () => document.querySelector<HTMLElement>('[role="menu"]');
const items = () => Array.from(menu()?.querySelectorAll<HTMLElement>('[role="menuitem"], [role="menuitemcheckbox"]') ?? []);
const flush = () => act(async () => { await new Promise((r) => setTimeout(r, 0)); });

/** Types `value` into the input `id` the way React hears it (through the value setter, then an input event). */
async function typeInto(id: string, value: string): Promise<void> {
  const input = $(id) as HTMLInputElement;
  await act(async () => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

/** Chooses the option `value` of the select `id`. */
async function choose(id: string, value: string): Promise<void> {
  const select = $(id) as HTMLSelectElement;
  await act(async () => {
    select.value = value;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

async function mount(openFolder: boolean): Promise<void> {
  await act(async () => {
    root?.render(<ControllerProvider controller={controller}><App /></ControllerProvider>);
  });
  await act(async () => {
    t.open();
    await new Promise((r) => setTimeout(r, 0));
    t.emit({
      type: 'snapshot', session, settings, capabilities: { transport: 'web', chooseDownloadDir: false, openFolder }, offers: [],
      torrents: [summary(1, { name: 'ubuntu.iso' }), summary(2, { name: 'held.mkv', state: 'paused', sequential: true })],
    });
  });
}

async function rightClick(n: number, x = 40, y = 50): Promise<void> {
  await act(async () => {
    const el = rowEl(n)?.querySelector('.col-name');
    el?.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, button: 2, clientX: x, clientY: y }));
    el?.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true, button: 2, clientX: x, clientY: y }));
  });
}

async function key(target: Element | null, k: string, shiftKey = false): Promise<void> {
  await act(async () => {
    target?.dispatchEvent(new KeyboardEvent('keydown', { key: k, shiftKey, bubbles: true, cancelable: true }));
  });
}

beforeEach(() => {
  container = document.createElement('div');
  document.body.appendChild(container);
  t = new FakeTransport();
  controller = new Controller(t.client(), createAppStore(), () => 0);
  controller.start();
  root = createRoot(container);
});

afterEach(async () => {
  await act(async () => root?.unmount());
  controller.stop();
  container.remove();
});

describe('torrent context menu', () => {
  it('right-click on a running torrent selects it and offers Pause, recheck, remove, limits and the two switches', async () => {
    await mount(false);
    expect(menu()).toBeNull();
    await rightClick(1);
    expect(menu()?.getAttribute('data-testid')).toBe('torrent-menu');
    expect(rowEl(1)?.getAttribute('aria-selected')).toBe('true');
    expect(items().map((i) => i.textContent)).toEqual([
      'Pause', 'Force recheck', 'Force reannounce', 'Remove…', 'Limit speed…', 'Seeding limits…', 'Category…', 'Move data…', 'Rename files…', 'Copy magnet link', 'Export .torrent', 'Download in sequential order', 'Download first and last pieces first',
    ]);
    expect($('menu-resume')).toBeNull();
    expect($('menu-open-folder')).toBeNull(); // the web host cannot open folders
    expect($('menu-sequential')?.getAttribute('role')).toBe('menuitemcheckbox');
    expect($('menu-sequential')?.getAttribute('aria-checked')).toBe('false');
    expect(document.activeElement).toBe($('menu-pause'));
  });

  it('a paused torrent offers Resume and shows its switches checked', async () => {
    await mount(false);
    await rightClick(2);
    expect($('menu-pause')).toBeNull();
    expect($('menu-resume')?.textContent).toBe('Resume');
    expect($('menu-sequential')?.getAttribute('aria-checked')).toBe('true');
    expect($('menu-first-last')?.getAttribute('aria-checked')).toBe('false');
  });

  it('Pause, Force recheck and the switches send their commands and close the menu', async () => {
    await mount(false);
    await rightClick(1);
    await act(async () => $('menu-pause')?.click());
    await flush();
    expect(t.commands('pause')).toEqual([{ infoHash: hash(1) }]);
    expect(menu()).toBeNull();

    await rightClick(1);
    await act(async () => $('menu-recheck')?.click());
    await flush();
    expect(t.commands('recheck')).toEqual([{ infoHash: hash(1) }]);

    await rightClick(1);
    await act(async () => $('menu-sequential')?.click());
    await flush();
    expect(t.commands('setSequential')).toEqual([{ infoHash: hash(1), sequential: true }]);

    await rightClick(2);
    await act(async () => $('menu-sequential')?.click());
    await act(async () => undefined);
    await rightClick(2);
    await act(async () => $('menu-first-last')?.click());
    await flush();
    expect(t.commands('setSequential')).toEqual([{ infoHash: hash(1), sequential: true }, { infoHash: hash(2), sequential: false }]);
    expect(t.commands('setFirstLastPiecesFirst')).toEqual([{ infoHash: hash(2), firstLastPiecesFirst: true }]);
    expect(menu()).toBeNull();
  });

  it('Force reannounce asks the engine to announce the torrent now; a paused torrent has it disabled', async () => {
    await mount(false);
    await rightClick(1);
    await act(async () => $('menu-reannounce')?.click());
    await flush();
    expect(t.commands('reannounce')).toEqual([{ infoHashes: [hash(1)] }]);
    expect(menu()).toBeNull();
    await rightClick(2);
    expect($('menu-reannounce')?.getAttribute('aria-disabled')).toBe('true');
  });

  it('Remove… opens the keep/delete confirmation and Limit speed… the limits dialog', async () => {
    await mount(false);
    await rightClick(1);
    await act(async () => $('menu-remove')?.click());
    expect(menu()).toBeNull();
    expect($('remove-dialog')?.textContent).toContain('ubuntu.iso');
    expect(t.commands('remove')).toEqual([]);
    await act(async () => $('remove-delete-data')?.click());
    await act(async () => $('remove-confirm')?.click());
    await flush();
    expect(t.commands('remove')).toEqual([{ infoHash: hash(1), deleteData: true }]);

    await rightClick(2);
    await act(async () => $('menu-limits')?.click());
    expect($('torrent-limits-dialog')?.textContent).toContain('held.mkv');
  });

  it('arrow keys move between items, Escape closes and gives focus back', async () => {
    await mount(false);
    const list = $('torrent-list');
    list?.focus();
    await rightClick(1);
    await key(document.activeElement, 'ArrowDown');
    expect(document.activeElement).toBe($('menu-recheck'));
    await key(document.activeElement, 'ArrowDown');
    expect(document.activeElement).toBe($('menu-reannounce'));
    await key(document.activeElement, 'ArrowDown');
    expect(document.activeElement).toBe($('menu-remove'));
    await key(document.activeElement, 'End');
    expect(document.activeElement).toBe($('menu-first-last'));
    await key(document.activeElement, 'ArrowDown'); // wraps
    expect(document.activeElement).toBe($('menu-pause'));
    await key(document.activeElement, 'ArrowUp');
    expect(document.activeElement).toBe($('menu-first-last'));
    await key(document.activeElement, 'Escape');
    expect(menu()).toBeNull();
    expect(document.activeElement).toBe(list);
    expect(t.commands('setFirstLastPiecesFirst')).toEqual([]);
  });

  it('a click outside closes it without doing anything', async () => {
    await mount(false);
    await rightClick(1);
    await act(async () => { document.body.dispatchEvent(new MouseEvent('mousedown', { bubbles: true })); });
    expect(menu()).toBeNull();
    const actions = new Set(['pause', 'resume', 'recheck', 'remove', 'setSequential', 'setFirstLastPiecesFirst', 'setTorrentLimits', 'openFolder']);
    expect(t.calls.filter((c) => actions.has(c.command))).toEqual([]);
  });

  it('the context-menu key and Shift+F10 open it for the selected row', async () => {
    await mount(false);
    const list = $('torrent-list');
    await key(list, 'ContextMenu');
    expect(menu()).toBeNull(); // nothing selected
    await key(list, 'ArrowDown'); // selects the first row
    await key(list, 'ContextMenu');
    expect($('menu-pause')).not.toBeNull();
    await key(document.activeElement, 'Escape');
    await key(list, 'ArrowDown');
    await key(list, 'F10', true);
    expect($('menu-resume')).not.toBeNull();
  });

  it('Open folder appears only when the capabilities allow it', async () => {
    await mount(true);
    await rightClick(1);
    t.replies.openFolder = () => ({ ok: true, result: { path: '/tmp', opened: true } });
    await act(async () => $('menu-open-folder')?.click());
    await flush();
    expect(t.commands('openFolder')).toEqual([{ infoHash: hash(1) }]);
  });
});

describe('fitInViewport', () => {
  it('keeps the menu inside the window', () => {
    expect(fitInViewport(100, 100, 200, 300, 1280, 800)).toEqual({ left: 100, top: 100 });
    // No room to the right / below: opens to the left / above the point.
    expect(fitInViewport(1200, 700, 200, 300, 1280, 800)).toEqual({ left: 1000, top: 400 });
    // Bigger than the space on either side: clamped to the margin.
    expect(fitInViewport(50, 100, 200, 790, 1280, 800)).toEqual({ left: 50, top: 4 });
    expect(fitInViewport(10, 10, 2000, 50, 1280, 800)).toEqual({ left: 4, top: 10 });
  });
});

describe('queue, category and seeding limits from the menu', () => {
  it('with queueing on, the menu moves a torrent in the queue', async () => {
    await mount(false);
    await act(async () => t.emit({ type: 'settings', settings: { ...settings, queueing: { enabled: true, maxActiveDownloads: 1, maxActiveUploads: 1, maxActiveTorrents: 2, ignoreSlowTorrents: true } } }));
    await rightClick(2);
    expect(items().map((i) => i.textContent)).toContain('Move to top of queue');
    await act(async () => $('menu-queue-top')?.click());
    await flush();
    expect(t.commands('moveInQueue')).toEqual([{ infoHashes: [hash(2)], to: 'top' }]);
  });

  it('without queueing there are no queue moves', async () => {
    await mount(false);
    await rightClick(1);
    expect($('menu-queue-top')).toBeNull();
  });

  it('Category… assigns one of the categories from Settings', async () => {
    await mount(false);
    await act(async () => t.emit({ type: 'settings', settings: { ...settings, categories: [{ name: 'Films', folder: 'films' }] } }));
    await rightClick(1);
    await act(async () => $('menu-category')?.click());
    await choose('category-select', 'Films');
    await act(async () => $('category-save')?.click());
    await flush();
    expect(t.commands('setCategory')).toEqual([{ infoHashes: [hash(1)], category: 'Films' }]);
    expect($('category-dialog')).toBeNull();
  });

  it('Seeding limits… sends a ratio and "use the global time limit"', async () => {
    await mount(false);
    await rightClick(1);
    await act(async () => $('menu-seeding-limits')?.click());
    await choose('seeding-ratio-choice', 'value');
    await typeInto('seeding-ratio', '2.5');
    await act(async () => $('seeding-save')?.click());
    await flush();
    expect(t.commands('setTorrentSeedingLimits')).toEqual([{ infoHash: hash(1), ratio: 2.5, minutes: -2 }]);
  });

  it('Move data… moves into a folder inside the download folder', async () => {
    await mount(false);
    await rightClick(1);
    await act(async () => $('menu-move')?.click());
    expect($('move-choose')).toBeNull(); // the web host has no folder dialog
    await typeInto('move-folder', '../outside');
    await act(async () => $('move-save')?.click());
    expect(t.commands('moveStorage')).toEqual([]);
    await typeInto('move-folder', 'films/2024');
    t.replies.moveStorage = () => ({ ok: true, result: { moved: true, savePath: '/d/films/2024' } });
    await act(async () => $('move-save')?.click());
    await flush();
    expect(t.commands('moveStorage')).toEqual([{ infoHash: hash(1), destination: { kind: 'inside', folder: 'films/2024' } }]);
  });

  it('Rename files… lists files and their folders and renames the chosen one', async () => {
    await mount(false);
    t.replies.getFiles = () => ({
      ok: true,
      result: [{ index: 0, path: 'ubuntu/disc/a.iso', size: 1, completedBytes: 0, progress: 0, priority: 1, pad: false }],
    });
    await rightClick(1);
    await act(async () => $('menu-rename')?.click());
    await flush();
    const select = $('rename-path') as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['', 'ubuntu', 'ubuntu/disc', 'ubuntu/disc/a.iso']);
    await choose('rename-path', 'ubuntu/disc');
    expect(($('rename-name') as HTMLInputElement).value).toBe('disc');
    await typeInto('rename-name', 'Disc 1');
    await act(async () => $('rename-save')?.click());
    await flush();
    expect(t.commands('renamePath')).toEqual([{ infoHash: hash(1), path: 'ubuntu/disc', newName: 'Disc 1' }]);
  });
});

describe('a multi-selection: every item acts on every selected torrent', () => {
  const queueing = { enabled: true, maxActiveDownloads: 1, maxActiveUploads: 1, maxActiveTorrents: 2, ignoreSlowTorrents: true };

  /** Three torrents, queue order 2, 3, 1; torrent 3 has both switches on. */
  const three = (first: Partial<TorrentSummary> = {}) => [
    summary(1, { name: 'ubuntu.iso', queuePosition: 3, downloadLimit: 2048, ...first }),
    summary(2, { name: 'other.bin', queuePosition: 1 }),
    summary(3, { name: 'film.mkv', queuePosition: 2, sequential: true, firstLastPiecesFirst: true }),
  ];

  async function mountThree(): Promise<void> {
    await act(async () => {
      root?.render(<ControllerProvider controller={controller}><App /></ControllerProvider>);
    });
    await act(async () => {
      t.open();
      await new Promise((r) => setTimeout(r, 0));
      t.emit({
        type: 'snapshot', session, settings: { ...settings, queueing, categories: [{ name: 'Films', folder: 'films' }] },
        capabilities: { transport: 'electron', chooseDownloadDir: true, openFolder: false }, offers: [],
        torrents: three(),
      });
    });
  }

  /** Click torrent 3, Ctrl+click torrent 1, right-click `on` (1 by default). */
  async function selectOneAndThree(on = 1): Promise<void> {
    await act(async () => { rowEl(3)?.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, button: 0 })); });
    await act(async () => { rowEl(1)?.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, button: 0, ctrlKey: true })); });
    expect([1, 2, 3].map((n) => rowEl(n)?.getAttribute('aria-selected'))).toEqual(['true', 'false', 'true']);
    await rightClick(on);
    expect(rowEl(2)?.getAttribute('aria-selected')).toBe('false');
  }

  /** Commands sent for several torrents at once, in info-hash order (the order among them does not matter). */
  const byHash = (payloads: unknown[]) => [...(payloads as Array<{ infoHash: string }>)].sort((x, y) => x.infoHash.localeCompare(y.infoHash));

  it('the switches show "all on" and set the same new value on all of them', async () => {
    await mountThree();
    await selectOneAndThree(1);
    // 1 is off, 3 is on: not all on, so unchecked, and choosing it turns it on for both.
    expect($('menu-sequential')?.getAttribute('aria-checked')).toBe('false');
    await act(async () => $('menu-sequential')?.click());
    await flush();
    expect(byHash(t.commands('setSequential'))).toEqual([{ infoHash: hash(1), sequential: true }, { infoHash: hash(3), sequential: true }]);
    expect(menu()).toBeNull();

    await act(async () => t.emit({ type: 'summaries', session, torrents: three({ firstLastPiecesFirst: true }) }));
    await rightClick(3);
    // Both on now: checked, and choosing it turns it off for both.
    expect($('menu-first-last')?.getAttribute('aria-checked')).toBe('true');
    await act(async () => $('menu-first-last')?.click());
    await flush();
    expect(byHash(t.commands('setFirstLastPiecesFirst'))).toEqual([{ infoHash: hash(1), firstLastPiecesFirst: false }, { infoHash: hash(3), firstLastPiecesFirst: false }]);
  });

  it('the queue moves move all of them together, in their queue order', async () => {
    await mountThree();
    await selectOneAndThree(1);
    await act(async () => $('menu-queue-top')?.click());
    await flush();
    await rightClick(3);
    await act(async () => $('menu-queue-down')?.click());
    await flush();
    expect(t.commands('moveInQueue')).toEqual([{ infoHashes: [hash(3), hash(1)], to: 'top' }, { infoHashes: [hash(3), hash(1)], to: 'down' }]);
  });

  it('Copy magnet link copies one line per selected torrent', async () => {
    await mountThree();
    const writeText = vi.fn(async (_text: string) => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    t.replies.getTrackers = (p) => ({
      ok: true,
      result: (p as { infoHash: string }).infoHash === hash(1)
        ? [{ url: 'udp://tracker.example:80', tier: 0, status: 'idle', message: null, lastAnnounce: null, peers: 0, seeders: null, leechers: null }]
        : [],
    });
    await selectOneAndThree(1);
    await act(async () => $('menu-copy-magnet')?.click());
    await flush();
    expect(t.commands('getTrackers')).toHaveLength(2);
    expect(writeText).toHaveBeenCalledTimes(1);
    expect(writeText.mock.calls[0]?.[0].split('\n').sort()).toEqual([
      `magnet:?xt=urn:btih:${hash(1)}&dn=ubuntu.iso&tr=${encodeURIComponent('udp://tracker.example:80')}`,
      `magnet:?xt=urn:btih:${hash(3)}&dn=film.mkv`,
    ]);
  });

  it('Limit speed… says how many torrents it sets and sets them all', async () => {
    await mountThree();
    await selectOneAndThree(1);
    await act(async () => $('menu-limits')?.click());
    expect($('dialog-targets')?.textContent).toBe('2 torrents: ubuntu.iso and 1 more');
    expect(($('torrent-download-limit') as HTMLInputElement).value).toBe('2'); // the right-clicked one's
    await typeInto('torrent-upload-limit', '5');
    await act(async () => $('torrent-limits-save')?.click());
    await flush();
    expect(t.commands('setTorrentLimits')).toEqual([
      { infoHash: hash(1), download: 2048, upload: 5120 },
      { infoHash: hash(3), download: 2048, upload: 5120 },
    ]);
    expect($('torrent-limits-dialog')).toBeNull();
  });

  it('Seeding limits… sets them for all of them', async () => {
    await mountThree();
    await selectOneAndThree(3);
    await act(async () => $('menu-seeding-limits')?.click());
    expect($('dialog-targets')?.textContent).toBe('2 torrents: film.mkv and 1 more');
    await choose('seeding-ratio-choice', 'none');
    await act(async () => $('seeding-save')?.click());
    await flush();
    expect(t.commands('setTorrentSeedingLimits')).toEqual([
      { infoHash: hash(3), ratio: -1, minutes: -2 },
      { infoHash: hash(1), ratio: -1, minutes: -2 },
    ]);
    expect($('seeding-limits-dialog')).toBeNull();
  });

  it('Category… sets the category of all of them in one command', async () => {
    await mountThree();
    await selectOneAndThree(1);
    await act(async () => $('menu-category')?.click());
    expect($('dialog-targets')?.textContent).toBe('2 torrents: ubuntu.iso and 1 more');
    await choose('category-select', 'Films');
    await act(async () => $('category-save')?.click());
    await flush();
    expect(t.commands('setCategory')).toEqual([{ infoHashes: [hash(1), hash(3)], category: 'Films' }]);
  });

  it('Move data… moves all of them to the typed folder (the folder dialog is for one torrent)', async () => {
    await mountThree();
    await selectOneAndThree(1);
    await act(async () => $('menu-move')?.click());
    expect($('dialog-targets')?.textContent).toBe('2 torrents: ubuntu.iso and 1 more');
    expect($('move-choose')).toBeNull();
    await typeInto('move-folder', 'films');
    t.replies.moveStorage = () => ({ ok: true, result: { moved: true, savePath: '/d/films' } });
    await act(async () => $('move-save')?.click());
    await flush();
    expect(t.commands('moveStorage')).toEqual([
      { infoHash: hash(1), destination: { kind: 'inside', folder: 'films' } },
      { infoHash: hash(3), destination: { kind: 'inside', folder: 'films' } },
    ]);
  });

  it('a right click outside the selection acts on that torrent alone, and its dialogs name only it', async () => {
    await mountThree();
    await selectOneAndThree(1);
    await key(document.activeElement, 'Escape');
    await rightClick(2);
    expect([1, 2, 3].map((n) => rowEl(n)?.getAttribute('aria-selected'))).toEqual(['false', 'true', 'false']);
    await act(async () => $('menu-sequential')?.click());
    await flush();
    expect(t.commands('setSequential')).toEqual([{ infoHash: hash(2), sequential: true }]);
    await rightClick(2);
    await act(async () => $('menu-limits')?.click());
    expect($('dialog-targets')?.textContent).toBe('other.bin');
    expect($('move-choose')).toBeNull();
  });
});
