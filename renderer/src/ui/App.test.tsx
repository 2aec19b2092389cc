// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesToBase64, encodePieceChanges } from '../../../shared/contract/index.js';
import type { FakeTransport } from '../../test/fakeTransport.js';
import { mountWithSnapshot, type Mounted } from '../../test/mount.js';
import { hash, session, summary } from '../../test/fixtures.js';
import type { Controller } from '../app/controller.js';
import { App } from './App.js';

const settings = { downloadDir: '/d', listenPort: 6881, maxPeersPerTorrent: 50, notifyOnComplete: true, downloadLimit: 0, uploadLimit: 0, encryption: 'allow' as const, confirmAdd: false };
const capabilities = { transport: 'web' as const, chooseDownloadDir: false, openFolder: false };

let m: Mounted;
let container: HTMLDivElement;
let controller: Controller;
let t: FakeTransport;

const $ = (id: string) => container.querySelector(`[data-testid="${id}"]`);
const $$ = (id: string) => Array.from(container.querySelectorAll(`[data-testid="${id}"]`));
const flush = () => act(async () => { await new Promise((r) => setTimeout(r, 0)); });

beforeEach(async () => {
  m = await mountWithSnapshot(<App />, {
    settings,
    capabilities,
    torrents: [summary(1, { name: 'ubuntu.iso', progress: 0.5, downloadRate: 2048, peers: 4, seeds: 1, eta: 90 }), summary(2, { name: 'done.mkv', state: 'seeding', progress: 1 })],
  });
  ({ container, controller, transport: t } = m);
});

afterEach(() => m.unmount());

function dropEvent(data: { files?: File[]; uriList?: string; text?: string }): Event {
  const e = new Event('drop', { bubbles: true, cancelable: true });
  const store: Record<string, string> = {};
  if (data.uriList !== undefined) store['text/uri-list'] = data.uriList;
  if (data.text !== undefined) store['text/plain'] = data.text;
  const types = [...(data.files?.length ? ['Files'] : []), ...Object.keys(store)];
  Object.defineProperty(e, 'dataTransfer', { value: { files: data.files ?? [], types, getData: (k: string) => store[k] ?? '' } });
  return e;
}

describe('App', () => {
  it('lists torrents with stable test ids', () => {
    const rows = $$('torrent-row');
    expect(rows).toHaveLength(2);
    expect(rows[0]?.getAttribute('data-infohash')).toBe(hash(1));
    expect($$('torrent-state').map((e) => e.getAttribute('data-state'))).toEqual(['downloading', 'seeding']);
    expect($$('torrent-progress').map((e) => e.getAttribute('data-progress'))).toEqual(['0.5', '1']);
    expect(rows[0]?.textContent).toContain('ubuntu.iso');
    expect(rows[0]?.textContent).toContain('2.00 KiB/s');
    expect(rows[0]?.textContent).toContain('1m 30s');
    expect($('status-bar')?.textContent).toContain('10 B/s');
    expect($('drop-zone')).not.toBeNull();
  });

  it('selecting a row watches its pieces and shows the grid', async () => {
    await act(async () => { $$('torrent-row')[0]?.dispatchEvent(new MouseEvent('mousedown', { bubbles: true })); });
    expect(t.commands('watchPieces')).toEqual([{ infoHash: hash(1) }]);
    await act(async () => {
      t.emit({ type: 'piecesSnapshot', infoHash: hash(1), seq: 0, pieceCount: 4, states: bytesToBase64(Uint8Array.from([2, 2, 1, 0])), inFlight: [[2, 0.5]], availability: bytesToBase64(Uint8Array.from([1, 1, 1, 1])) });
    });
    const grid = $('piece-grid');
    expect(grid?.getAttribute('data-pieces')).toBe('4');
    expect($$('torrent-row')[0]?.getAttribute('aria-selected')).toBe('true');
  });

  it("the grid's data-verified is the shown torrent's verified count (no painted frame needed) and never another torrent's", async () => {
    await act(async () => { $$('torrent-row')[0]?.dispatchEvent(new MouseEvent('mousedown', { bubbles: true })); });
    await act(async () => {
      t.emit({ type: 'piecesSnapshot', infoHash: hash(1), seq: 0, pieceCount: 4, states: bytesToBase64(Uint8Array.from([2, 2, 1, 0])), inFlight: [[2, 0.5]], availability: bytesToBase64(Uint8Array.from([1, 1, 1, 1])) });
    });
    expect($('piece-grid')?.getAttribute('data-verified')).toBe('2');
    await act(async () => {
      t.emit({ type: 'piecesDelta', infoHash: hash(1), seq: 1, changes: encodePieceChanges([[2, 2, 1]]) });
    });
    expect($('piece-grid')?.getAttribute('data-verified')).toBe('3');
    // Another torrent, whose pieces have not arrived yet: no count rather than the last one's.
    await act(async () => { $$('torrent-row')[1]?.dispatchEvent(new MouseEvent('mousedown', { bubbles: true })); });
    expect($('piece-grid')?.getAttribute('data-pieces')).toBe('0');
    expect($('piece-grid')?.hasAttribute('data-verified')).toBe(false);
  });

  it('dropping a file that is not a torrent shows an error banner and the app keeps working', async () => {
    await act(async () => {
      $('drop-zone')?.dispatchEvent(dropEvent({ files: [new File(['hello'], 'notes.txt')] }));
    });
    await flush();
    expect($('error-banner')?.textContent).toContain('notes.txt is not a .torrent file.');
    expect(t.commands('addTorrentFile')).toHaveLength(0);
    expect($$('torrent-row')).toHaveLength(2);
  });

  it('dropping a .torrent sends its bytes', async () => {
    t.replies.addTorrentFile = () => ({ ok: true, result: { infoHash: hash(3), name: 'x', duplicate: false } });
    await act(async () => {
      $('drop-zone')?.dispatchEvent(dropEvent({ files: [new File(['d4:infod4:name1:xee'], 'x.torrent')] }));
    });
    await flush();
    expect(t.commands('addTorrentFile')).toEqual([{ fileName: 'x.torrent', data: bytesToBase64(new TextEncoder().encode('d4:infod4:name1:xee')) }]);
  });

  it('dropping a magnet link (text/uri-list) adds it', async () => {
    const uri = `magnet:?xt=urn:btih:${hash(9)}&dn=nine`;
    await act(async () => {
      $('drop-zone')?.dispatchEvent(dropEvent({ uriList: `# comment\n${uri}`, text: uri }));
    });
    await flush();
    expect(t.commands('addMagnet')).toEqual([{ uri }]);
  });

  it('pasting an invalid magnet shows a readable error', async () => {
    await act(async () => {
      const e = new Event('paste', { bubbles: true, cancelable: true });
      Object.defineProperty(e, 'clipboardData', { value: { files: [], getData: (k: string) => (k === 'text/plain' ? 'magnet:?xt=urn:btih:xyz' : '') } });
      document.body.dispatchEvent(e);
    });
    await flush();
    expect($('error-banner')?.textContent).toMatch(/info-hash is not valid/);
    expect(t.commands('addMagnet')).toHaveLength(0);
  });

  it('highlights the window while dragging', async () => {
    const enter = new Event('dragenter', { bubbles: true, cancelable: true });
    Object.defineProperty(enter, 'dataTransfer', { value: { types: ['Files'], files: [] } });
    await act(async () => { $('drop-zone')?.dispatchEvent(enter); });
    expect($('drop-zone')?.getAttribute('data-dragging')).toBe('true');
    const leave = new Event('dragleave', { bubbles: true });
    await act(async () => { $('drop-zone')?.dispatchEvent(leave); });
    expect($('drop-zone')?.getAttribute('data-dragging')).toBe('false');
  });

  it('a drag that started in the page (a selected name) shows no drop overlay', async () => {
    await act(async () => { $$('torrent-row')[0]?.dispatchEvent(new Event('dragstart', { bubbles: true })); });
    const enter = new Event('dragenter', { bubbles: true, cancelable: true });
    Object.defineProperty(enter, 'dataTransfer', { value: { types: ['text/plain'], files: [] } });
    await act(async () => { $('drop-zone')?.dispatchEvent(enter); });
    expect($('drop-zone')?.getAttribute('data-dragging')).toBe('false');
    expect(enter.defaultPrevented).toBe(false);
    // Once it ended, a drag from outside shows it again.
    await act(async () => { document.dispatchEvent(new Event('dragend')); });
    const outside = new Event('dragenter', { bubbles: true, cancelable: true });
    Object.defineProperty(outside, 'dataTransfer', { value: { types: ['text/plain'], files: [] } });
    await act(async () => { $('drop-zone')?.dispatchEvent(outside); });
    expect($('drop-zone')?.getAttribute('data-dragging')).toBe('true');
  });

  it('remove asks keep/delete and sends the choice', async () => {
    await act(async () => { $$('torrent-row')[1]?.dispatchEvent(new MouseEvent('mousedown', { bubbles: true })); });
    await act(async () => { ($('remove-button') as HTMLButtonElement).click(); });
    expect($('remove-dialog')).not.toBeNull();
    await act(async () => { ($('remove-delete-data') as HTMLInputElement).click(); });
    await act(async () => { ($('remove-confirm') as HTMLButtonElement).click(); });
    expect(t.commands('remove')).toEqual([{ infoHash: hash(2), deleteData: true }]);
    expect($('remove-dialog')).toBeNull();
  });

  it('dismisses errors', async () => {
    await act(async () => { controller.notify('error', 'boom'); });
    const banner = $('error-banner');
    expect(banner?.textContent).toContain('boom');
    await act(async () => { (banner?.querySelector('button') as HTMLButtonElement).click(); });
    expect($('error-banner')).toBeNull();
  });
});

describe('Add magnet dialog', () => {
  it('shows why a magnet was refused, inside the dialog', async () => {
    await act(async () => { ($('add-magnet-button') as HTMLButtonElement).click(); });
    const input = $('magnet-input') as HTMLTextAreaElement;
    await act(async () => {
      const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')?.set;
      setter?.call(input, 'magnet:?dn=nothing');
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(async () => { ($('magnet-submit') as HTMLButtonElement).click(); });
    await flush();
    expect($('magnet-error')?.textContent).toMatch(/no info-hash/);
    expect($('magnet-dialog')).not.toBeNull();
    expect(t.commands('addMagnet')).toHaveLength(0);
  });
});

describe('Settings dialog', () => {
  it('validates and saves', async () => {
    t.replies.setSettings = (p) => ({ ok: true, result: { ...settings, ...(p as object) } });
    await act(async () => { ($('settings-button') as HTMLButtonElement).click(); });
    expect($('settings-download-dir')?.textContent).toBe('/d');
    const input = $('settings-port') as HTMLInputElement;
    const type = async (v: string) => act(async () => {
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(input, v);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await type('99999');
    await act(async () => { ($('settings-save') as HTMLButtonElement).click(); });
    expect($('settings-dialog')?.textContent).toMatch(/0 to 65535/);
    expect(t.commands('setSettings')).toHaveLength(0);
    await type('51413');
    await act(async () => { ($('settings-save') as HTMLButtonElement).click(); });
    await flush();
    expect(t.commands('setSettings')).toEqual([
      expect.objectContaining({ listenPort: 51413, maxPeersPerTorrent: 50, notifyOnComplete: true, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: false }),
    ]);
    expect($('settings-dialog')).toBeNull();
  });

  it('sets global speed limits (KiB/s → bytes/s), peers per torrent and encryption', async () => {
    t.replies.setSettings = (p) => ({ ok: true, result: { ...settings, ...(p as object) } });
    await act(async () => { ($('settings-button') as HTMLButtonElement).click(); });
    expect(($('settings-download-limit') as HTMLInputElement).value).toBe('0');
    await typeInto('settings-download-limit', '1.5');
    await act(async () => { ($('settings-save') as HTMLButtonElement).click(); });
    expect($('settings-error')?.textContent).toMatch(/download limit must be a whole number/);
    expect(t.commands('setSettings')).toHaveLength(0);
    await typeInto('settings-download-limit', '500');
    await typeInto('settings-upload-limit', '64');
    await typeInto('settings-max-peers', '80');
    await act(async () => {
      const select = $('settings-encryption') as HTMLSelectElement;
      Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value')?.set?.call(select, 'require');
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect($('settings-dialog')?.textContent).toMatch(/Only encrypted/);
    await act(async () => { ($('settings-save') as HTMLButtonElement).click(); });
    await flush();
    expect(t.commands('setSettings')).toEqual([
      expect.objectContaining({ listenPort: 6881, maxPeersPerTorrent: 80, notifyOnComplete: true, downloadLimit: 512_000, uploadLimit: 65_536, encryption: 'require', confirmAdd: false }),
    ]);
    expect($('settings-dialog')).toBeNull();
  });

  it("Privacy and Connection: qBittorrent's DHT, PeX, LSD and UPnP / NAT-PMP switches, shown as saved and sent as set", async () => {
    t.replies.setSettings = (p) => ({ ok: true, result: { ...settings, ...(p as object) } });
    await act(async () => { t.emit({ type: 'settings', settings: { ...settings, lsd: false } }); });
    await act(async () => { ($('settings-button') as HTMLButtonElement).click(); });
    const box = (id: string) => $(id) as HTMLInputElement;
    expect(['settings-dht', 'settings-pex', 'settings-lsd', 'settings-port-mapping'].map((id) => box(id).checked)).toEqual([true, true, false, true]);
    expect($('settings-dialog')?.textContent).toContain('Enable DHT (decentralized network) to find more peers');
    expect($('settings-dialog')?.textContent).toContain('Use UPnP / NAT-PMP port forwarding from my router');
    await act(async () => { box('settings-dht').click(); });
    await act(async () => { box('settings-port-mapping').click(); });
    await act(async () => { ($('settings-save') as HTMLButtonElement).click(); });
    await flush();
    expect(t.commands('setSettings')).toEqual([expect.objectContaining({ dht: false, pex: true, lsd: false, portMapping: false })]);
  });

  it('the status bar shows the global limits the engine reports', async () => {
    expect($('status-down-limit')).toBeNull();
    await act(async () => {
      t.emit({ type: 'summaries', torrents: [summary(1), summary(2)], session: { ...session, downloadLimit: 512_000, uploadLimit: 0 } });
    });
    expect($('status-down-limit')?.textContent).toBe('[500 KiB/s]');
    expect($('status-down')?.getAttribute('data-limit')).toBe('512000');
    expect($('status-up-limit')).toBeNull();
  });
});

describe('Torrent options (Info tab)', () => {
  async function openInfo(): Promise<void> {
    await act(async () => { $$('torrent-row')[0]?.dispatchEvent(new MouseEvent('mousedown', { bubbles: true })); });
    await act(async () => { ($('tab-info') as HTMLButtonElement).click(); });
  }

  it('first/last pieces first: the click shows at once, reaches the engine, and follows the summary', async () => {
    await openInfo();
    const box = () => $('torrent-first-last') as HTMLInputElement;
    expect(box().checked).toBe(false);
    await act(async () => { box().click(); });
    await flush();
    expect(t.commands('setFirstLastPiecesFirst')).toEqual([{ infoHash: hash(1), firstLastPiecesFirst: true }]);
    expect(box().checked).toBe(true);
    await act(async () => {
      t.emit({ type: 'summaries', torrents: [summary(1, { firstLastPiecesFirst: true }), summary(2)], session });
    });
    expect(box().checked).toBe(true);
  });

  it('a refused switch springs back and says why', async () => {
    t.replies.setFirstLastPiecesFirst = () => ({ ok: false, error: { code: 'unsupported', message: 'This engine cannot fetch first and last pieces first' } });
    await openInfo();
    await act(async () => { ($('torrent-first-last') as HTMLInputElement).click(); });
    await flush();
    expect(($('torrent-first-last') as HTMLInputElement).checked).toBe(false);
    expect($('error-banner')?.textContent).toContain('cannot fetch first and last pieces first');
  });

  it('sequential order uses the same switch', async () => {
    await openInfo();
    await act(async () => { ($('torrent-sequential') as HTMLInputElement).click(); });
    await flush();
    expect(t.commands('setSequential')).toEqual([{ infoHash: hash(1), sequential: true }]);
  });

  it('per-torrent limits: shown, validated, sent in bytes/s', async () => {
    await act(async () => {
      t.emit({ type: 'summaries', torrents: [summary(1, { uploadLimit: 10_240 }), summary(2)], session });
    });
    await openInfo();
    expect($('torrent-limits')?.textContent).toContain('∞');
    expect($('torrent-limits')?.textContent).toContain('10.0 KiB/s');
    await act(async () => { ($('torrent-limits-button') as HTMLButtonElement).click(); });
    expect(($('torrent-upload-limit') as HTMLInputElement).value).toBe('10');
    await typeInto('torrent-download-limit', 'fast');
    await act(async () => { ($('torrent-limits-save') as HTMLButtonElement).click(); });
    expect($('torrent-limits-error')?.textContent).toMatch(/download limit must be a whole number/);
    expect(t.commands('setTorrentLimits')).toHaveLength(0);
    await typeInto('torrent-download-limit', '100');
    await typeInto('torrent-upload-limit', '0');
    await act(async () => { ($('torrent-limits-save') as HTMLButtonElement).click(); });
    await flush();
    expect(t.commands('setTorrentLimits')).toEqual([{ infoHash: hash(1), download: 102_400, upload: 0 }]);
    expect($('torrent-limits-dialog')).toBeNull();
  });
});

async function typeInto(testId: string, value: string): Promise<void> {
  await act(async () => {
    const input = $(testId) as HTMLInputElement;
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}
