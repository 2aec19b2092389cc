// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bytesToBase64 } from '../../../shared/contract/index.js';
import { FakeTransport } from '../../test/fakeTransport.js';
import { hash, session, summary } from '../../test/fixtures.js';
import { ControllerProvider } from '../app/context.js';
import { Controller } from '../app/controller.js';
import { createAppStore, type AppStore } from '../state/store.js';
import { torrentFileName } from '../util/saveFile.js';
import { App } from './App.js';
import type { MenuEntry } from './Menu.js';
import { torrentMenuEntries } from './TorrentMenu.js';
import '../../test/no-host.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const settings = { downloadDir: '/d', listenPort: 6881, maxPeersPerTorrent: 50, notifyOnComplete: true, downloadLimit: 0, uploadLimit: 0, encryption: 'allow' as const, confirmAdd: false };
const BYTES = new TextEncoder().encode('d4:infod6:lengthi1e4:name3:abcee');

let root: Root | null = null;
let container: HTMLDivElement;
let controller: Controller;
let store: AppStore;
let t: FakeTransport;

const $ = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const flush = () => act(async () => { await new Promise((r) => setTimeout(r, 0)); });

beforeEach(() => {
  container = document.createElement('div');
  document.body.appendChild(container);
  t = new FakeTransport();
  store = createAppStore();
  controller = new Controller(t.client(), store, () => 0);
  controller.start();
  root = createRoot(container);
});

afterEach(async () => {
  vi.restoreAllMocks();
  await act(async () => root?.unmount());
  controller.stop();
  container.remove();
});

describe('Export .torrent', () => {
  it('the row menu entry downloads <name>.torrent holding the bytes the engine sent', async () => {
    const blobs: Blob[] = [];
    const clicks: Array<{ href: string; download: string }> = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      blobs.push(b as Blob);
      return `blob:test/${blobs.length}`;
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push({ href: this.getAttribute('href') ?? '', download: this.download });
    });
    t.replies.exportTorrent = () => ({ ok: true, result: { name: 'Ubuntu: 24.04/amd64', data: bytesToBase64(BYTES) } });
    await act(async () => root?.render(<ControllerProvider controller={controller}><App /></ControllerProvider>));
    await act(async () => {
      t.open();
      await new Promise((r) => setTimeout(r, 0));
      t.emit({ type: 'snapshot', session, settings, capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false }, offers: [], torrents: [summary(1, { name: 'ubuntu.iso' })] });
    });
    await act(async () => {
      const el = document.querySelector(`[data-testid="torrent-row"][data-infohash="${hash(1)}"] .col-name`);
      el?.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true, button: 2, clientX: 40, clientY: 50 }));
    });
    await act(async () => $('menu-export-torrent')?.click());
    await flush();
    expect(t.commands('exportTorrent')).toEqual([{ infoHash: hash(1) }]);
    expect(clicks).toEqual([{ href: 'blob:test/1', download: 'Ubuntu_ 24.04_amd64.torrent' }]);
    expect(new Uint8Array(await blobs[0]!.arrayBuffer())).toEqual(BYTES);
  });

  it('acts on every selected torrent; a magnet without metadata is a notice, the others are saved', async () => {
    t.replies.exportTorrent = (p) =>
      (p as { infoHash: string }).infoHash === hash(2)
        ? { ok: false, error: { code: 'not-found', message: 'No .torrent yet: the metadata of this magnet has not arrived' } }
        : { ok: true, result: { name: 'one', data: bytesToBase64(BYTES) } };
    const entries = torrentMenuEntries(summary(1), { controller, capabilities: null, connected: true, openDialog: () => undefined, targets: [hash(1), hash(2)] });
    const saved: string[] = [];
    const original = controller.exportTorrents.bind(controller);
    vi.spyOn(controller, 'exportTorrents').mockImplementation((hs) => original(hs, (_bytes, name) => saved.push(name)));
    const item = entries.find((e): e is Extract<MenuEntry, { kind: 'item' }> => e.kind === 'item' && e.id === 'export-torrent');
    item?.onSelect();
    await flush();
    expect(t.commands('exportTorrent')).toEqual([{ infoHash: hash(1) }, { infoHash: hash(2) }]);
    expect(saved).toEqual(['one.torrent']);
    expect(store.getState().notices.map((n) => n.message)).toEqual(['No .torrent yet: the metadata of this magnet has not arrived']);
  });

  it('is disabled for a torrent without metadata', () => {
    const entries = torrentMenuEntries(summary(1, { hasMetadata: false }), { controller, capabilities: null, connected: true, openDialog: () => undefined });
    expect(entries.find((e) => e.id === 'export-torrent')).toMatchObject({ disabled: true });
  });
});

describe('torrentFileName', () => {
  it('keeps ordinary names and makes unsafe ones safe on every system', () => {
    expect(torrentFileName('ubuntu-24.04.iso')).toBe('ubuntu-24.04.iso.torrent');
    expect(torrentFileName('a/b\\c:d*e?f"g<h>i|j')).toBe('a_b_c_d_e_f_g_h_i_j.torrent');
    expect(torrentFileName('../..')).toBe('_.torrent');
    expect(torrentFileName('')).toBe('torrent.torrent');
    expect(torrentFileName('...')).toBe('torrent.torrent');
    expect(torrentFileName('CON')).toBe('_CON.torrent');
    expect(torrentFileName('x'.repeat(300))).toBe(`${'x'.repeat(200)}.torrent`);
    expect(torrentFileName('tab\there\u0000')).toBe('tab_here_.torrent');
  });
});
