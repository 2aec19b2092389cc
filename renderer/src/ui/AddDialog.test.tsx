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
    expect($('add-files')?.textContent).toContain('Album/cover.jpg');
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
});
