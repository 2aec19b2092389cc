// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bytesToBase64, type CreatedTorrent } from '../../../shared/contract/index.js';
import { hash } from '../../test/fixtures.js';
import { mountWithSnapshot, type Mounted } from '../../test/mount.js';
import { App } from './App.js';

let m: Mounted;
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.querySelector<T>(`[data-testid="${id}"]`);
const flush = () => act(async () => { await new Promise((r) => setTimeout(r, 0)); });
const click = (id: string) => act(async () => { $(id)!.click(); });
function type(id: string, value: string) {
  return act(async () => {
    const el = $<HTMLInputElement | HTMLTextAreaElement>(id)!;
    const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value')?.set?.call(el, value);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}
function choose(id: string, value: string) {
  return act(async () => {
    const el = $<HTMLSelectElement>(id)!;
    Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value')?.set?.call(el, value);
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
}
const emit = (e: Record<string, unknown>) => act(async () => m.transport.emit({ type: 'torrentCreation', id: 'job1', ...e }));

const BYTES = new TextEncoder().encode('d4:infod6:lengthi1e4:name5:albumee');
const created: CreatedTorrent = {
  name: 'album', infoHash: hash(7), infoHashV2: 'c'.repeat(64), pieceCount: 7, pieceLength: 16384, totalBytes: 100_000,
  data: bytesToBase64(BYTES), seeding: { infoHash: hash(7), name: 'album', duplicate: false }, seedError: null, notices: [],
};

async function open(capabilities?: { transport: 'electron' | 'web'; chooseDownloadDir: boolean; openFolder: boolean }): Promise<void> {
  m = await mountWithSnapshot(<App />, capabilities ? { capabilities } : {});
  m.transport.replies.createTorrent = () => ({ ok: true, result: { id: 'job1' } });
  await click('create-torrent-button');
}

afterEach(async () => {
  vi.restoreAllMocks();
  await m.unmount();
});

describe('Create torrent dialog', () => {
  it('sends the form, shows the hashing progress, then saves <name>.torrent and says it seeds', async () => {
    const saved: Array<{ download: string; blob: Blob }> = [];
    let blob: Blob | null = null;
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => ((blob = b as Blob), 'blob:test/1'));
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push({ download: this.download, blob: blob! });
    });
    await open();
    const dialog = $('create-dialog')!;
    expect(dialog.getAttribute('role')).toBe('dialog');
    // The web host has no file dialogs: the path on the server is typed, and the field says so.
    expect($('create-choose-file')).toBeNull();
    expect(document.activeElement).toBe($('create-path'));
    expect(dialog.querySelector('label[for]')?.textContent).toMatch(/machine running Tessera/);

    await type('create-path', ' /srv/media/album ');
    await choose('create-format', 'v1');
    await choose('create-piece-size', String(64 * 1024));
    // qBittorrent's rule: a blank line between two tiers.
    await type('create-trackers', 'http://t.example/announce\nhttps://t2.example/announce\n\n\nudp://u.example:80\n');
    await type('create-web-seeds', 'https://m.example/files/\n\nhttp://m2.example/\n');
    await type('create-source-tag', ' RED ');
    await type('create-comment', 'mine');
    await click('create-private');
    await click('create-submit');
    await flush();
    expect(m.transport.commands('createTorrent')).toEqual([
      {
        sourcePath: '/srv/media/album',
        format: 'v1',
        pieceLength: 65536,
        trackerTiers: [['http://t.example/announce', 'https://t2.example/announce'], ['udp://u.example:80']],
        webSeeds: ['https://m.example/files/', 'http://m2.example/'],
        source: 'RED',
        comment: 'mine',
        private: true,
        startSeeding: true,
      },
    ]);
    expect(document.activeElement).toBe($('create-cancel'));

    await emit({ state: 'hashing', hashedBytes: 25_000, totalBytes: 100_000 });
    const bar = $('create-progress')!;
    expect(bar.getAttribute('role')).toBe('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('25');
    expect(bar.textContent).toMatch(/24\.4 KiB of 97\.7 KiB/);
    expect($<HTMLButtonElement>('create-submit')!.disabled).toBe(true);

    await emit({ state: 'done', torrent: created });
    expect($('create-result')?.textContent).toContain(hash(7));
    expect($('create-result')?.textContent).toContain('7 pieces of 16.0 KiB');
    expect($('create-seeding')?.textContent).toMatch(/seeds/);
    expect($('create-notices')).toBeNull();
    expect(saved.map((s) => s.download)).toEqual(['album.torrent']);
    expect(new Uint8Array(await saved[0]!.blob.arrayBuffer())).toEqual(BYTES);
    await click('create-done');
    expect($('create-dialog')).toBeNull();
  });

  it('Cancel asks the engine to stop; the cancelled event brings the form back and nothing is saved', async () => {
    const clicks = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    await open();
    await type('create-path', '/srv/big');
    await click('create-submit');
    await flush();
    await emit({ state: 'hashing', hashedBytes: 1, totalBytes: 10 });
    await click('create-cancel');
    await flush();
    expect(m.transport.commands('cancelCreateTorrent')).toEqual([{ id: 'job1' }]);
    expect($('create-progress')?.textContent).toMatch(/Cancelling/);
    await emit({ state: 'cancelled' });
    expect($('create-progress')).toBeNull();
    expect($('create-error')?.textContent).toMatch(/Cancelled/);
    expect($<HTMLButtonElement>('create-submit')!.disabled).toBe(false);
    expect(clicks).not.toHaveBeenCalled();
  });

  it('a Cancel that comes once the hashing is complete is too late: the done event shows the torrent and saves it', async () => {
    vi.spyOn(URL, 'createObjectURL').mockImplementation(() => 'blob:test/1');
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    const clicks = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    await open();
    await type('create-path', '/srv/album');
    await click('create-submit');
    await flush();
    await emit({ state: 'hashing', hashedBytes: 10, totalBytes: 10 });
    await click('create-cancel');
    await flush();
    expect($('create-progress')?.textContent).toMatch(/Cancelling/);
    // The engine was adding the made torrent for seeding: it finishes and says so.
    await emit({ state: 'done', torrent: created });
    expect($('create-result')?.textContent).toContain(hash(7));
    expect($('create-seeding')?.textContent).toMatch(/seeds/);
    expect(clicks).toHaveBeenCalledTimes(1);
  });

  it("shows the engine's reason when the path is missing, and checks the form before sending", async () => {
    await open();
    await click('create-submit');
    expect($('create-error')?.textContent).toMatch(/Choose the file or folder/);
    await type('create-path', 'relative/album');
    await click('create-submit');
    expect($('create-error')?.textContent).toMatch(/absolute path/);
    expect($('create-path')?.getAttribute('aria-invalid')).toBe('true');
    await type('create-path', '/srv/nope');
    await type('create-trackers', 'ftp://nope.example/');
    await click('create-submit');
    expect($('create-error')?.textContent).toMatch(/Not a tracker URL.*ftp:\/\/nope/);
    expect($('create-trackers')?.getAttribute('aria-invalid')).toBe('true');
    await type('create-trackers', 'udp://no-port.example/announce');
    await click('create-submit');
    expect($('create-error')?.textContent).toMatch(/udp:\/\/host:port/);
    const tier = Array.from({ length: 51 }, (_, i) => `http://t${i}.example/a`);
    await type('create-trackers', tier.join('\n'));
    await click('create-submit');
    expect($('create-error')?.textContent).toMatch(/At most 50 trackers in one tier \(tier 1 has 51\): separate tiers with a blank line/);
    await type('create-trackers', [...tier, ...tier.map((u) => `${u}2`)].join('\n\n'));
    await click('create-submit');
    expect($('create-error')?.textContent).toMatch(/At most 100 trackers \(102 listed\)/);
    await type('create-trackers', '');
    await type('create-web-seeds', 'udp://m.example:80/');
    await click('create-submit');
    expect($('create-error')?.textContent).toMatch(/Not a web seed URL \(http:\/\/ or https:\/\/\): udp:/);
    expect($('create-web-seeds')?.getAttribute('aria-invalid')).toBe('true');
    await type('create-web-seeds', '');
    await type('create-source-tag', 's'.repeat(257));
    await click('create-submit');
    expect($('create-error')?.textContent).toMatch(/source is longer than 256/);
    expect($('create-source-tag')?.getAttribute('aria-invalid')).toBe('true');
    // The hint stays a description of the field, with the problem.
    expect($('create-source-tag')?.getAttribute('aria-describedby')?.split(' ')).toHaveLength(2);
    expect(m.transport.commands('createTorrent')).toEqual([]);

    await type('create-source-tag', '');
    await click('create-submit');
    await flush();
    await emit({ state: 'failed', message: 'Nothing at /srv/nope: no such file or folder on the machine running Tessera' });
    expect($('create-error')?.textContent).toMatch(/^Nothing at \/srv\/nope/);
    expect($('create-error')?.getAttribute('role')).toBe('alert');
    expect($('create-dialog')).not.toBeNull();
  });

  it("the engine's refusal of a payload marks the field it names", async () => {
    await open();
    m.transport.replies.createTorrent = () => ({
      ok: false,
      error: { code: 'invalid-payload', message: 'createTorrent.webSeeds[0]: expected a web seed URL (http://, https://, no spaces)' },
    });
    await type('create-path', '/srv/album');
    await click('create-submit');
    await flush();
    expect($('create-error')?.textContent).toMatch(/web seed URL/);
    expect($('create-web-seeds')?.getAttribute('aria-invalid')).toBe('true');
    expect($('create-path')?.getAttribute('aria-invalid')).toBeNull();
  });

  it('closing the dialog while hashing cancels the job; Escape closes it', async () => {
    await open();
    await type('create-path', '/srv/big');
    await click('create-submit');
    await flush();
    await act(async () => { window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' })); });
    await flush();
    expect($('create-dialog')).toBeNull();
    expect(m.transport.commands('cancelCreateTorrent')).toEqual([{ id: 'job1' }]);
  });

  it('closing the dialog after the hashing: the job still ends done (added for seeding) and its .torrent is offered', async () => {
    const saved: string[] = [];
    let blob: Blob | null = null;
    const blobs: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => ((blob = b as Blob), 'blob:test/1'));
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
      blobs.push(blob!);
    });
    await open();
    await type('create-path', '/srv/media/album');
    await click('create-submit');
    await flush();
    await emit({ state: 'hashing', hashedBytes: 100_000, totalBytes: 100_000 });
    await act(async () => { window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' })); });
    await flush();
    expect($('create-dialog')).toBeNull();
    // The cancel comes too late for the engine (the .torrent is made): the job ends done.
    expect(m.transport.commands('cancelCreateTorrent')).toEqual([{ id: 'job1' }]);
    await emit({ state: 'done', torrent: created });
    expect(saved).toEqual(['album.torrent']);
    expect(new Uint8Array(await blobs[0]!.arrayBuffer())).toEqual(BYTES);
    expect(m.controller.store.getState().notices.map((n) => n.message)).toEqual([expect.stringMatching(/^Created album and added it for seeding .*album\.torrent was offered for saving/)]);
  });

  it('closing the dialog while the create request is on its way cancels the job it started', async () => {
    const clicks = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    let reply: (v: unknown) => void = () => undefined;
    await open();
    m.transport.replies.createTorrent = () => new Promise((resolve) => { reply = resolve; });
    await type('create-path', '/srv/big');
    await click('create-submit');
    await act(async () => { window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' })); });
    expect($('create-dialog')).toBeNull();
    await act(async () => reply({ ok: true, result: { id: 'job1' } }));
    await flush();
    expect(m.transport.commands('cancelCreateTorrent')).toEqual([{ id: 'job1' }]);
    await emit({ state: 'cancelled' });
    expect(clicks).not.toHaveBeenCalled();
    expect(m.controller.store.getState().notices).toEqual([]);
  });

  it('a lost connection ends the job in the dialog (the engine stops a closed connection\'s job)', async () => {
    await open();
    await type('create-path', '/srv/big');
    await click('create-submit');
    await flush();
    await emit({ state: 'hashing', hashedBytes: 1, totalBytes: 10 });
    await act(async () => m.transport.status('connecting'));
    expect($('create-progress')).toBeNull();
    expect($('create-error')?.textContent).toMatch(/connection to Tessera was lost/);
    expect($<HTMLButtonElement>('create-submit')!.disabled).toBe(false);
  });

  it("the desktop app fills the path from main's file or folder dialog", async () => {
    await open({ transport: 'electron', chooseDownloadDir: true, openFolder: true });
    m.transport.replies.chooseCreateSource = (p) => ({ ok: true, result: { path: (p as { kind: string }).kind === 'folder' ? '/home/me/album' : null } });
    await click('create-choose-folder');
    await flush();
    expect($<HTMLInputElement>('create-path')!.value).toBe('/home/me/album');
    await click('create-choose-file');
    await flush();
    // Cancelled: the path stays.
    expect($<HTMLInputElement>('create-path')!.value).toBe('/home/me/album');
    expect(m.transport.commands('chooseCreateSource')).toEqual([{ kind: 'folder' }, { kind: 'file' }]);
  });

  it('the trackers field says a blank line separates tiers; each hint describes its field', async () => {
    await open();
    const hint = (id: string) => $(id)!.getAttribute('aria-describedby')!.split(' ').map((h) => document.getElementById(h)?.textContent).join(' ');
    expect(hint('create-trackers')).toMatch(/One per line; a blank line starts a new tier/);
    expect(hint('create-source-tag')).toMatch(/private tracker/);
    const label = (id: string) => document.querySelector(`label[for="${$(id)!.id}"]`)?.textContent;
    expect(label('create-trackers')).toBe('Tracker URLs');
    expect(label('create-web-seeds')).toBe('Web seed URLs');
    expect(label('create-source-tag')).toBe('Source');
  });

  it('Tab stays inside the dialog', async () => {
    await open();
    const dialog = $('create-dialog')!;
    await act(async () => { $('create-submit')!.focus(); });
    await act(async () => { dialog.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', bubbles: true, cancelable: true })); });
    expect(dialog.contains(document.activeElement)).toBe(true);
    expect(document.activeElement).toBe($('create-path'));
  });

  it('lists the notices of the torrent made (a web seed given its slash, files left out)', async () => {
    await open();
    await type('create-path', '/srv/media/album');
    await click('create-submit');
    await emit({ state: 'done', torrent: { ...created, notices: ['skipped /srv/media/album/x: a symbolic link that points nowhere (ENOENT)', 'web seed https://m.example/pub written as https://m.example/pub/'] } });
    const items = [...$('create-notices')!.querySelectorAll('li')].map((li) => li.textContent);
    expect(items).toEqual(['skipped /srv/media/album/x: a symbolic link that points nowhere (ENOENT)', 'web seed https://m.example/pub written as https://m.example/pub/']);
  });
});
