import { describe, expect, it } from 'vitest';
import { bytesToBase64, MAX_TRACKERS_PER_TORRENT, type Settings, type TrackerView } from '../../../shared/contract/index.js';
import { FakeSession, type FakeTorrent } from './fake-session.js';
import { TesseraService } from './service.js';

const settings: Settings = {
  downloadDir: '/downloads',
  listenPort: 6881,
  maxPeersPerTorrent: 50,
  notifyOnComplete: true,
  downloadLimit: 0,
  uploadLimit: 0,
  encryption: 'allow',
  confirmAdd: false,
};

async function setup() {
  const session = new FakeSession({ spec: { pieceCount: 8, blocksPerPiece: 1 } });
  const service = new TesseraService({ session, settings, saveSettings: () => undefined, platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } } });
  const conn = service.connect(() => undefined);
  const add = async (seed: string): Promise<FakeTorrent> => {
    const reply = await conn.handle('addTorrentFile', { fileName: `${seed}.torrent`, data: bytesToBase64(new TextEncoder().encode(`d4:name${seed.length}:${seed}e`)) });
    if (!reply.ok) throw new Error(reply.error.message);
    return session.get((reply.result as { infoHash: string }).infoHash)!;
  };
  const t = await add('x');
  const trackers = async (): Promise<Array<[number, string]>> => {
    const reply = await conn.handle('getTrackers', { infoHash: t.infoHash });
    if (!reply.ok) throw new Error(reply.error.message);
    return (reply.result as TrackerView[]).map((x) => [x.tier, x.url]);
  };
  return { session, conn, t, add, trackers };
}

const A = 'http://127.0.0.1:1/announce';
const unknownHash = 'f'.repeat(40);

describe('tracker commands', () => {
  it('addTrackers appends new tiers, skipping URLs the torrent has', async () => {
    const { conn, t, trackers } = await setup();
    expect(await conn.handle('addTrackers', { infoHash: t.infoHash, tiers: [['udp://b.example:80', A], ['https://c.example/a']] })).toEqual({ ok: true, result: null });
    expect(await trackers()).toEqual([[0, A], [1, 'udp://b.example:80'], [2, 'https://c.example/a']]);
  });

  it('addTrackers refuses going past the per-torrent bound, adding nothing', async () => {
    const { conn, t, trackers } = await setup();
    const many = Array.from({ length: MAX_TRACKERS_PER_TORRENT }, (_, i) => `http://t${i}.example/a`);
    const reply = await conn.handle('addTrackers', { infoHash: t.infoHash, tiers: [many] });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid-payload', message: expect.stringMatching(/at most 200/) } });
    expect(await trackers()).toEqual([[0, A]]);
    // Exactly the bound is fine, duplicates of known URLs not counted.
    expect((await conn.handle('addTrackers', { infoHash: t.infoHash, tiers: [[A, ...many.slice(1)]] })).ok).toBe(true);
    expect(await trackers()).toHaveLength(MAX_TRACKERS_PER_TORRENT);
  });

  it('editTracker replaces a URL in place; unknown URL → not-found, a URL it has → invalid-payload', async () => {
    const { conn, t, trackers } = await setup();
    await conn.handle('addTrackers', { infoHash: t.infoHash, tiers: [['udp://b.example:80']] });
    expect((await conn.handle('editTracker', { infoHash: t.infoHash, url: A, newUrl: 'https://z.example/a' })).ok).toBe(true);
    expect(await trackers()).toEqual([[0, 'https://z.example/a'], [1, 'udp://b.example:80']]);
    expect(await conn.handle('editTracker', { infoHash: t.infoHash, url: A, newUrl: 'https://y.example/a' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await conn.handle('editTracker', { infoHash: t.infoHash, url: 'https://z.example/a', newUrl: 'udp://b.example:80' })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    expect(await conn.handle('editTracker', { infoHash: t.infoHash, url: 'https://z.example/a', newUrl: 'ftp://y.example/a' })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
  });

  it('removeTrackers removes every one listed, all of them too; none known → not-found', async () => {
    const { conn, t, trackers } = await setup();
    await conn.handle('addTrackers', { infoHash: t.infoHash, tiers: [['udp://b.example:80'], ['https://c.example/a']] });
    expect((await conn.handle('removeTrackers', { infoHash: t.infoHash, urls: ['udp://b.example:80', 'http://nope.example/'] })).ok).toBe(true);
    expect(await trackers()).toEqual([[0, A], [1, 'https://c.example/a']]);
    expect(await conn.handle('removeTrackers', { infoHash: t.infoHash, urls: ['http://nope.example/'] })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect((await conn.handle('removeTrackers', { infoHash: t.infoHash, urls: [A, 'https://c.example/a'] })).ok).toBe(true);
    expect(await trackers()).toEqual([]);
  });

  it('reannounce asks each running torrent once; paused ones stay quiet; an unknown hash fails before any announces', async () => {
    const { conn, t, add } = await setup();
    const paused = await add('y');
    await paused.pause();
    expect((await conn.handle('reannounce', { infoHashes: [t.infoHash, t.infoHash, paused.infoHash] })).ok).toBe(true);
    expect([t.reannounces, paused.reannounces]).toEqual([1, 0]);
    expect(await conn.handle('reannounce', { infoHashes: [t.infoHash, unknownHash] })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(t.reannounces).toBe(1);
  });

  it('every tracker command answers an unknown torrent with not-found', async () => {
    const { conn } = await setup();
    for (const [name, payload] of [
      ['addTrackers', { infoHash: unknownHash, tiers: [[A]] }],
      ['editTracker', { infoHash: unknownHash, url: A, newUrl: 'http://b.example/' }],
      ['removeTrackers', { infoHash: unknownHash, urls: [A] }],
      ['getTrackers', { infoHash: unknownHash }],
    ] as const) {
      expect(await conn.handle(name, payload), name).toMatchObject({ ok: false, error: { code: 'not-found' } });
    }
  });

  it('getDiscovery gives the DHT, PeX and LSD rows, which follow the privacy switches set with setSettings', async () => {
    const { session, conn, t } = await setup();
    t.countedPeers = [
      { isSeed: true, origins: 2 | 4 },
      { isSeed: false, origins: 2 },
      { isSeed: false, origins: 0 },
    ];
    expect(await conn.handle('getDiscovery', { infoHash: t.infoHash })).toEqual({
      ok: true,
      result: { private: false, dht: { status: 'working', seeds: 1, leechers: 1 }, pex: { status: 'working', seeds: 1, leechers: 0 }, lsd: { status: 'working', seeds: 0, leechers: 0 } },
    });
    const reply = await conn.handle('setSettings', { dht: false, lsd: false, portMapping: false });
    expect(reply).toMatchObject({ ok: true, result: { dht: false, lsd: false, portMapping: false } });
    expect(session.switches).toEqual({ dht: false, pex: true, lsd: false, portMapping: false });
    expect(await conn.handle('getDiscovery', { infoHash: t.infoHash })).toMatchObject({ ok: true, result: { dht: { status: 'disabled' }, pex: { status: 'working' }, lsd: { status: 'disabled' } } });
    expect(await conn.handle('getDiscovery', { infoHash: unknownHash })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    // Counts are bounded as the contract bounds them (the client would refuse the reply, losing the rows).
    t.countedPeers = Array.from({ length: 10_005 }, () => ({ isSeed: true, origins: 4 }));
    expect(await conn.handle('getDiscovery', { infoHash: t.infoHash })).toMatchObject({ ok: true, result: { pex: { seeds: 10_000 } } });
  });
});
