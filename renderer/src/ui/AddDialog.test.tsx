// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AddOffer, AddPreview } from '../../../shared/contract/index.js';
import type { FakeTransport } from '../../test/fakeTransport.js';
import { hash } from '../../test/fixtures.js';
import { mountWithSnapshot, testSettings, type Mounted } from '../../test/mount.js';
import { App } from './App.js';


function preview(over: Partial<AddPreview> = {}): AddPreview {
  return {
    source: 'torrent', infoHash: hash(5), name: 'Album', size: 3 * 1024 * 1024, fileCount: 3,
    files: [{ path: 'Album/1.flac', size: 1024 * 1024 }, { path: 'Album/2.flac', size: 2 * 1024 * 1024 }, { path: 'Album/cover.jpg', size: 10 }],
    trackerCount: 2, private: false, saveDir: '/home/me/Downloads', duplicate: false, ...over,
  };
}

let m: Mounted;
let t: FakeTransport;
const $ = (id: string) => document.querySelector(`[data-testid="${id}"]`);
const flush = () => act(async () => { await new Promise((r) => setTimeout(r, 0)); });
const click = (id: string) => act(async () => { ($(id) as HTMLElement).click(); });

beforeEach(async () => {
  m = await mountWithSnapshot(<App />, { settings: { ...testSettings, confirmAdd: true }, capabilities: { transport: 'electron', chooseDownloadDir: true, openFolder: true } });
  t = m.transport;
});

afterEach(() => m.unmount());

describe('add dialog', () => {
  it('an offer from the OS shows name, size, files and folder; Add accepts it with the choices made', async () => {
    const offer: AddOffer = { id: 'offer1', preview: preview() };
    await act(async () => t.emit({ type: 'addOffer', offer }));
    expect($('add-dialog')).not.toBeNull();
    expect($('add-name')?.textContent).toBe('Album');
    expect($('add-size')?.textContent).toBe('3.00 MiB');
    expect($('add-save-dir')?.textContent).toBe('/home/me/Downloads');
    expect($('add-files')?.textContent).toContain('cover.jpg');
    // Enter adds: the Add button has the focus, not the first checkbox.
    expect(document.activeElement).toBe($('add-confirm'));
    await click('add-paused');
    t.replies.answerAddOffer = () => ({ ok: true, result: { infoHash: hash(5), name: 'Album', duplicate: false } });
    await click('add-confirm');
    await flush();
    expect(t.commands('answerAddOffer')).toEqual([{ id: 'offer1', accept: true, paused: true }]);
    expect($('add-dialog')).toBeNull();
    expect(t.commands('setSettings')).toEqual([]);
  });

  it('Cancel declines; nothing is added', async () => {
    await act(async () => t.emit({ type: 'addOffer', offer: { id: 'offer2', preview: preview({ source: 'magnet', size: null, fileCount: null, files: [] }) } }));
    expect($('add-size')?.textContent).toMatch(/metadata/);
    await click('add-cancel');
    await flush();
    expect(t.commands('answerAddOffer')).toEqual([{ id: 'offer2', accept: false, paused: false }]);
    expect($('add-dialog')).toBeNull();
  });

  it('an offer answered in another window closes here too; the next waiting one shows', async () => {
    await act(async () => {
      t.emit({ type: 'addOffer', offer: { id: 'a', preview: preview({ name: 'First' }) } });
      t.emit({ type: 'addOffer', offer: { id: 'b', preview: preview({ name: 'Second' }) } });
    });
    expect($('add-name')?.textContent).toBe('First');
    await act(async () => t.emit({ type: 'addOfferClosed', id: 'a' }));
    expect($('add-name')?.textContent).toBe('Second');
  });

  it('dropping a .torrent asks for an offer instead of adding; "don\'t ask again" turns the dialog off', async () => {
    t.replies.offerTorrentFile = () => ({ ok: true, result: { id: 'drop1', preview: preview() } });
    const e = new Event('drop', { bubbles: true, cancelable: true });
    Object.defineProperty(e, 'dataTransfer', { value: { files: [new File(['d4:infod4:name1:xee'], 'x.torrent')], types: ['Files'], getData: () => '' } });
    await act(async () => { $('drop-zone')?.dispatchEvent(e); });
    await flush();
    expect(t.commands('addTorrentFile')).toEqual([]);
    expect(t.commands('offerTorrentFile')).toHaveLength(1);
    expect($('add-dialog')).not.toBeNull();
    await click('add-dont-ask');
    await click('add-confirm');
    await flush();
    expect(t.commands('setSettings')).toEqual([{ confirmAdd: false }]);
    expect(t.commands('answerAddOffer')).toEqual([{ id: 'drop1', accept: true, paused: false }]);
  });

  it('the file tree skips unchecked files and folders, keeps priorities, and the category, sequential and first/last choices go with Add', async () => {
    await act(async () => t.emit({ type: 'settings', settings: { ...testSettings, confirmAdd: true, categories: [{ name: 'Music', folder: 'music' }] } }));
    const files = [{ path: 'Album/CD1/1.flac', size: 100 }, { path: 'Album/CD1/2.flac', size: 200 }, { path: 'Album/cover.jpg', size: 10 }];
    await act(async () => t.emit({ type: 'addOffer', offer: { id: 'tree', preview: preview({ files, fileCount: 3, size: 310 }) } }));
    const rows = [...document.querySelectorAll('[data-testid="add-file"]')].map((r) => r.getAttribute('data-path'));
    expect(rows).toEqual(['Album/CD1/1.flac', 'Album/CD1/2.flac', 'Album/cover.jpg']);
    const folder = (path: string) => document.querySelector(`[data-testid="add-folder"][data-path="${path}"] [data-testid="add-folder-check"]`) as HTMLInputElement;
    const file = (path: string) => document.querySelector(`[data-testid="add-file"][data-path="${path}"]`) as HTMLElement;
    // Uncheck the CD1 folder: both its files are skipped; Album is then partly wanted.
    await act(async () => { folder('Album/CD1').click(); });
    expect(folder('Album').indeterminate).toBe(true);
    expect($('add-wanted-size')?.textContent).toContain('10 B');
    // Want 2.flac again, at High.
    await act(async () => { (file('Album/CD1/2.flac').querySelector('[data-testid="add-file-check"]') as HTMLInputElement).click(); });
    const select = file('Album/CD1/2.flac').querySelector('select') as HTMLSelectElement;
    await act(async () => {
      select.value = '2';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    const category = $('add-category') as HTMLSelectElement;
    await act(async () => {
      category.value = 'Music';
      category.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect($('add-save-dir')?.textContent).toBe('/home/me/Downloads/music');
    const saveFolder = $('add-save-folder') as HTMLInputElement;
    await act(async () => {
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(saveFolder, '../up');
      saveFolder.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(($('add-confirm') as HTMLButtonElement).disabled).toBe(true);
    await act(async () => {
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(saveFolder, 'music/new');
      saveFolder.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect($('add-save-dir')?.textContent).toBe('/home/me/Downloads/music/new');
    await click('add-sequential');
    await click('add-first-last');
    t.replies.answerAddOffer = () => ({ ok: true, result: { infoHash: hash(5), name: 'Album', duplicate: false } });
    await click('add-confirm');
    await flush();
    expect(t.commands('answerAddOffer')).toEqual([
      { id: 'tree', accept: true, paused: false, category: 'Music', saveFolder: 'music/new', filePriorities: [0, 2, 1], sequential: true, firstLastPiecesFirst: true },
    ]);
  });

  it('with every file unchecked, Add is disabled', async () => {
    await act(async () => t.emit({ type: 'addOffer', offer: { id: 'none', preview: preview() } }));
    await act(async () => { (document.querySelector('[data-testid="add-folder"][data-path="Album"] [data-testid="add-folder-check"]') as HTMLInputElement).click(); });
    expect(($('add-confirm') as HTMLButtonElement).disabled).toBe(true);
  });

  it('a magnet: Add asks to choose the files once the list arrives (on by default, can be turned off)', async () => {
    const magnet = preview({ source: 'magnet', size: null, fileCount: null, files: [] });
    await act(async () => t.emit({ type: 'addOffer', offer: { id: 'm1', preview: magnet } }));
    expect($('add-files')).toBeNull();
    expect(($('add-choose-files') as HTMLInputElement).checked).toBe(true);
    await click('add-confirm');
    await flush();
    await act(async () => t.emit({ type: 'addOffer', offer: { id: 'm2', preview: { ...magnet, infoHash: hash(6) } } }));
    await click('add-choose-files');
    await click('add-confirm');
    await flush();
    expect(t.commands('answerAddOffer')).toEqual([{ id: 'm1', accept: true, paused: false, chooseFiles: true }, { id: 'm2', accept: true, paused: false }]);
    // A duplicate or a .torrent has nothing to choose later.
    await act(async () => t.emit({ type: 'addOffer', offer: { id: 'm3', preview: { ...magnet, duplicate: true } } }));
    expect($('add-choose-files')).toBeNull();
  });

  it('the file choice of a magnet whose metadata arrived: the tree, Download with the priorities; Cancel removes it', async () => {
    await act(async () => t.emit({ type: 'addOffer', offer: { id: 'c1', fileChoice: true, preview: preview({ source: 'magnet' }) } }));
    expect($('add-dialog')?.textContent).toContain('Choose files');
    expect($('add-category')).toBeNull();
    expect($('add-paused')).toBeNull();
    const check = (path: string) => document.querySelector(`[data-testid="add-file"][data-path="${path}"] [data-testid="add-file-check"]`) as HTMLInputElement;
    await act(async () => { check('Album/cover.jpg').click(); });
    expect($('add-confirm')?.textContent).toBe('Download');
    await click('add-confirm');
    await flush();
    expect(t.commands('answerAddOffer')).toEqual([{ id: 'c1', accept: true, paused: false, filePriorities: [1, 1, 0] }]);
    await act(async () => t.emit({ type: 'addOffer', offer: { id: 'c2', fileChoice: true, preview: preview({ source: 'magnet' }) } }));
    await click('add-cancel');
    await flush();
    expect(t.commands('answerAddOffer').at(-1)).toEqual({ id: 'c2', accept: false, paused: false });
  });
});
