import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../../../e2e/support/test-utils.js';
import { bytesToBase64, parseServerEvent, type ServerEvent, type Settings } from '../../../shared/contract/index.js';
import { FakeSession } from './fake-session.js';
import { TesseraService } from './service.js';
import { defaultSettings } from './state.js';

function setup(overrides: Partial<Settings> = {}) {
  const session = new FakeSession();
  const service = new TesseraService({
    session,
    settings: { ...defaultSettings('/downloads'), confirmAdd: true, categories: [{ name: 'Music', folder: 'music/lossless' }], ...overrides },
    platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
  });
  const events: ServerEvent[] = [];
  const conn = service.connect((e) => events.push(parseServerEvent(JSON.parse(JSON.stringify(e)))));
  return { session, service, conn, events };
}

const torrentBytes = (name: string) => bytesToBase64(new TextEncoder().encode(`d4:name${name.length}:${name}e`));

describe('add dialog choices reach the engine', () => {
  it("accepting an offer with a category saves in the category's folder with the chosen priorities and switches", async () => {
    const { session, conn } = setup();
    await conn.handle('subscribe', {});
    const offer = await conn.handle('offerTorrentFile', { fileName: 'a.torrent', data: torrentBytes('a') });
    if (!offer.ok) throw new Error('offer failed');
    const id = (offer.result as { id: string }).id;
    const reply = await conn.handle('answerAddOffer', { id, accept: true, category: 'Music', filePriorities: [0, 2], sequential: true, firstLastPiecesFirst: true });
    expect(reply.ok).toBe(true);
    expect(session.lastAddOptions).toMatchObject({ savePath: '/downloads/music/lossless', category: 'Music', filePriorities: [0, 2], sequential: true, firstLastPiecesFirst: true });
    const t = session.list()[0]!;
    expect(t.stats()).toMatchObject({ category: 'Music', sequential: true, firstLastPiecesFirst: true });
  });

  it('a save folder chosen in the dialog (inside the download folder) wins over the category folder; one outside is refused', async () => {
    const { session, conn } = setup();
    const offer = await conn.handle('offerTorrentFile', { fileName: 'c.torrent', data: torrentBytes('c') });
    const id = (offer as { ok: true; result: { id: string } }).result.id;
    expect(await conn.handle('answerAddOffer', { id, accept: true, category: 'Music', saveFolder: 'elsewhere/here' })).toMatchObject({ ok: true });
    expect(session.lastAddOptions).toMatchObject({ savePath: '/downloads/elsewhere/here', category: 'Music' });
    const again = await conn.handle('offerTorrentFile', { fileName: 'd.torrent', data: torrentBytes('d') });
    const id2 = (again as { ok: true; result: { id: string } }).result.id;
    expect(await conn.handle('answerAddOffer', { id: id2, accept: true, saveFolder: '../../etc' })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
  });

  it('an unknown category is refused and nothing is added', async () => {
    const { session, conn } = setup();
    const offer = await conn.handle('offerTorrentFile', { fileName: 'a.torrent', data: torrentBytes('b') });
    const id = (offer as { ok: true; result: { id: string } }).result.id;
    expect(await conn.handle('answerAddOffer', { id, accept: true, category: 'Films' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(session.list()).toHaveLength(0);
  });
});

describe('queue, categories, seeding limits and statistics commands', () => {
  it('moveInQueue reorders, and the summaries carry the positions', async () => {
    const { session, conn } = setup({ confirmAdd: false });
    for (const n of [1, 2, 3]) await conn.handle('addMagnet', { uri: `magnet:?xt=urn:btih:${String(n).repeat(40)}` });
    const [a, b, c] = ['1', '2', '3'].map((d) => d.repeat(40));
    expect(await conn.handle('moveInQueue', { infoHashes: [c], to: 'top' })).toEqual({ ok: true, result: null });
    expect(session.order).toEqual([c, a, b]);
    const s = session.get(c!)!.stats();
    expect(s.queuePosition).toBe(1);
    expect(await conn.handle('moveInQueue', { infoHashes: ['f'.repeat(40)], to: 'up' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await conn.handle('moveInQueue', { infoHashes: [a], to: 'sideways' })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
  });

  it('moveInQueue hands the queue each torrent once, by its key, however often and by whichever hash it is named', async () => {
    const { session, conn } = setup({ confirmAdd: false });
    for (const n of [1, 2, 3]) await conn.handle('addMagnet', { uri: `magnet:?xt=urn:btih:${String(n).repeat(40)}` });
    const [a, b, c] = ['1', '2', '3'].map((d) => d.repeat(40));
    session.otherHashes.set('c'.repeat(40), c!);
    const asked: string[][] = [];
    const move = session.moveInQueue.bind(session);
    session.moveInQueue = (ids, to) => {
      asked.push(ids);
      move(ids, to);
    };
    // 100,000 copies of one hash held the main process for 49 s with 10,000 torrents (the queue compares every id with every place).
    const reply = await conn.handle('moveInQueue', { infoHashes: [...Array<string>(99_999).fill(c!), 'c'.repeat(40)], to: 'top' });
    expect(reply).toEqual({ ok: true, result: null });
    expect(asked).toEqual([[c]]);
    expect(session.order).toEqual([c, a, b]);
  });

  it("remove by a torrent's other hash removes it (the reply said ok and nothing was removed); a second remove is not-found", async () => {
    const { session, conn } = setup({ confirmAdd: false });
    const key = 'ab'.repeat(20);
    await conn.handle('addMagnet', { uri: `magnet:?xt=urn:btih:${key}` });
    session.otherHashes.set('cd'.repeat(20), key);
    expect(await conn.handle('remove', { infoHash: 'cd'.repeat(20), deleteData: false })).toEqual({ ok: true, result: null });
    expect(session.list()).toEqual([]);
    expect(await conn.handle('remove', { infoHash: key, deleteData: false })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('setCategory takes a known category or none, and refuses others', async () => {
    const { session, conn } = setup({ confirmAdd: false });
    await conn.handle('addMagnet', { uri: `magnet:?xt=urn:btih:${'4'.repeat(40)}` });
    const h = '4'.repeat(40);
    expect(await conn.handle('setCategory', { infoHashes: [h], category: 'Music' })).toEqual({ ok: true, result: null });
    expect(session.get(h)?.category).toBe('Music');
    expect(await conn.handle('setCategory', { infoHashes: [h], category: 'Nope' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await conn.handle('setCategory', { infoHashes: [h], category: null })).toEqual({ ok: true, result: null });
    expect(session.get(h)?.category).toBeNull();
  });

  it('per-torrent seeding limits are validated and kept; settings push queue and global limits to the engine', async () => {
    const { session, conn } = setup({ confirmAdd: false });
    await conn.handle('addMagnet', { uri: `magnet:?xt=urn:btih:${'5'.repeat(40)}` });
    const h = '5'.repeat(40);
    expect(await conn.handle('setTorrentSeedingLimits', { infoHash: h, ratio: 1.5, minutes: -1 })).toEqual({ ok: true, result: null });
    expect(session.get(h)?.seedingLimits).toEqual({ ratio: 1.5, minutes: -1 });
    expect(await conn.handle('setTorrentSeedingLimits', { infoHash: h, ratio: -3, minutes: -1 })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    const queueing = { enabled: true, maxActiveDownloads: 1, maxActiveUploads: 2, maxActiveTorrents: 3, ignoreSlowTorrents: false };
    const reply = await conn.handle('setSettings', { queueing, seedingLimits: { ratio: 2, minutes: -1, action: 'remove' } });
    expect(reply).toMatchObject({ ok: true, result: { queueing } });
    expect(session.queueSettings).toEqual(queueing);
    expect(session.seedingLimits).toEqual({ ratio: 2, minutes: -1, action: 'remove' });
  });

  it('categories must have distinct names and relative folders inside the download folder', async () => {
    const { conn } = setup();
    for (const folder of ['../out', '/etc', 'a/../../b', 'a\\b', '']) {
      expect(await conn.handle('setSettings', { categories: [{ name: 'X', folder }] })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
    expect(await conn.handle('setSettings', { categories: [{ name: 'X', folder: 'x' }, { name: 'X', folder: 'y' }] })).toMatchObject({ ok: false });
    expect(await conn.handle('setSettings', { categories: [{ name: 'TV shows', folder: 'video/tv' }] })).toMatchObject({ ok: true });
  });

  it('alternative speed limits replace the global ones while active', async () => {
    const { session, conn } = setup({ downloadLimit: 1000, uploadLimit: 2000 });
    expect(session.limits).toEqual({ download: 1000, upload: 2000 });
    const altSpeed = { active: true, downloadLimit: 10, uploadLimit: 20, scheduled: false, days: [1], from: 60, to: 120 };
    await conn.handle('setSettings', { altSpeed });
    expect(session.limits).toEqual({ download: 10, upload: 20 });
    await conn.handle('setSettings', { altSpeed: { ...altSpeed, active: false } });
    expect(session.limits).toEqual({ download: 1000, upload: 2000 });
  });

  it('getStatistics answers with validated totals', async () => {
    const { conn } = setup();
    expect(await conn.handle('getStatistics', {})).toMatchObject({ ok: true, result: { allTimeRatio: 0 } });
  });
});

describe('moveStorage', () => {
  it('moves into a folder inside the download folder; refuses paths outside it and the dialog on the web host', async () => {
    const { session, conn } = setup({ confirmAdd: false });
    await conn.handle('addMagnet', { uri: `magnet:?xt=urn:btih:${'6'.repeat(40)}` });
    const h = '6'.repeat(40);
    expect(await conn.handle('moveStorage', { infoHash: h, destination: { kind: 'inside', folder: 'films/new' } })).toEqual({
      ok: true,
      result: { moved: true, savePath: '/downloads/films/new' },
    });
    expect(session.get(h)?.savePath).toBe('/downloads/films/new');
    for (const folder of ['../x', '/etc']) {
      expect(await conn.handle('moveStorage', { infoHash: h, destination: { kind: 'inside', folder } })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
    expect(await conn.handle('moveStorage', { infoHash: h, destination: { kind: 'choose' } })).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });

  it('a failed move says where the data stays', async () => {
    const { session, conn } = setup({ confirmAdd: false });
    await conn.handle('addMagnet', { uri: `magnet:?xt=urn:btih:${'7'.repeat(40)}` });
    const h = '7'.repeat(40);
    session.get(h)!.moveFailure = 'no space left on device';
    const reply = await conn.handle('moveStorage', { infoHash: h, destination: { kind: 'inside', folder: null } });
    expect(reply).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringMatching(/stays in .*no space left/) } });
  });
});

describe('watch folder', () => {
  it('a .torrent copied into the watch folder is added and renamed .added', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tessera-watch-service-'));
    try {
      const { session, service, conn } = setup({ downloadDir: root, watchFolder: { enabled: false, folder: 'incoming' } });
      await mkdir(join(root, 'incoming'));
      await writeFile(join(root, 'incoming', 'film.torrent'), 'd4:name4:filme');
      expect(await conn.handle('setSettings', { watchFolder: { enabled: true, folder: 'incoming' } })).toMatchObject({ ok: true });
      await waitUntil('the watched torrent is added', () => session.list().length === 1);
      await waitUntil('and set aside', async () => (await readdir(join(root, 'incoming'))).includes('film.torrent.added'));
      expect(session.list()[0]?.savePath).toBe(root);
      await service.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('renamePath', () => {
  it('renames a known path, and refuses unknown paths and names with separators', async () => {
    const { session, conn } = setup({ confirmAdd: false });
    await conn.handle('addMagnet', { uri: `magnet:?xt=urn:btih:${'8'.repeat(40)}&dn=show` });
    const h = '8'.repeat(40);
    const folder = session.get(h)!.files()[0]!.path.split('/')[0]!;
    expect(await conn.handle('renamePath', { infoHash: h, path: folder, newName: 'Season 1' })).toEqual({ ok: true, result: null });
    expect(session.get(h)?.renames).toEqual([[folder, 'Season 1']]);
    expect(await conn.handle('renamePath', { infoHash: h, path: 'nope', newName: 'x' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    for (const newName of ['a/b', '..', 'a\\b', '']) {
      expect(await conn.handle('renamePath', { infoHash: h, path: folder, newName })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
  });
});
