import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToBase64, type Settings } from '../../../shared/contract/index.js';
import { FakeSession } from './fake-session.js';
import { TesseraService } from './service.js';
import { TorrentStore } from './torrent-store.js';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const settings: Settings = { downloadDir: '/dl', listenPort: 0, maxPeersPerTorrent: 5, notifyOnComplete: false };
const platform = { capabilities: { transport: 'web' as const, chooseDownloadDir: false, openFolder: false } };

describe('TorrentStore', () => {
  it('saves, updates, lists oldest first and removes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-store-'));
    const store = new TorrentStore(dir);
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    await store.save({ infoHash: b, source: { kind: 'magnet', uri: `magnet:?xt=urn:btih:${b}` }, savePath: '/x', paused: false, addedAt: 2 });
    await store.save({ infoHash: a, source: { kind: 'torrent', bytes: new Uint8Array([100, 101]) }, savePath: '/y', paused: false, addedAt: 1 });
    await store.setPaused(a, true);
    await writeFile(join(store.dir, `${'c'.repeat(40)}.json`), '{broken');
    const skipped: string[] = [];
    const all = await store.load((name) => skipped.push(name));
    expect(all.map((e) => [e.infoHash, e.paused, e.savePath, e.source.kind])).toEqual([
      [a, true, '/y', 'torrent'],
      [b, false, '/x', 'magnet'],
    ]);
    expect(skipped).toEqual([`${'c'.repeat(40)}.json`]);
    await store.remove(a);
    expect((await readdir(store.dir)).filter((n) => n.startsWith('a'))).toEqual([]);
    expect((await readdir(store.dir)).some((n) => n.endsWith('.tmp'))).toBe(false);
    await expect(store.save({ infoHash: '../../etc', source: { kind: 'magnet', uri: 'm' }, savePath: '/', paused: false, addedAt: 0 })).rejects.toThrow(/info-hash/);
  });

  it('the service remembers adds, pauses and removes, and a new session restores them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-store-'));
    const first = new FakeSession();
    const service = new TesseraService({ session: first, settings, platform, store: new TorrentStore(dir) });
    const conn = service.connect(() => undefined);
    const add = async (seed: string) => {
      const r = await conn.handle('addTorrentFile', { fileName: `${seed}.torrent`, data: bytesToBase64(new TextEncoder().encode(`d1:${seed}i1ee`)) });
      if (!r.ok) throw new Error(r.error.message);
      return (r.result as { infoHash: string }).infoHash;
    };
    const keep = await add('k');
    const paused = await add('p');
    const gone = await add('g');
    expect((await conn.handle('pause', { infoHash: paused })).ok).toBe(true);
    expect((await conn.handle('remove', { infoHash: gone, deleteData: false })).ok).toBe(true);
    await service.close();

    const second = new FakeSession();
    const again = new TesseraService({ session: second, settings, platform, store: new TorrentStore(dir) });
    expect(await again.restore()).toBe(2);
    expect(second.get(keep)?.state).toBe('downloading');
    expect(second.get(paused)?.state).toBe('paused');
    expect(second.get(gone)).toBeUndefined();
    expect(await again.restore()).toBe(0); // idempotent
  });
});
