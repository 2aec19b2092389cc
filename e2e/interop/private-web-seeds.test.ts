/**
 * Issue 13, item 3 / BEP 27: a private torrent uses only the web seeds its own metainfo lists.
 * Its `url-list` works (it downloads with no peers at all); a magnet's `ws=` is ignored for it,
 * while the same `ws=` on a public torrent's magnet is used (the control). Beside
 * private-no-lsd-dht.test.ts, which checks LSD and the DHT.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDownloadOk,
  assertSameFile,
  Cleanup,
  createTorrent,
  requireBuiltCli,
  startRangeServer,
  startTesseraSeed,
  tesseraDownload,
  writeRandomFile,
  type RangeServer,
  type TorrentInfo,
} from '../support/index.js';

const cleanup = new Cleanup();
let root = '';
let own: RangeServer;
let fromMagnet: RangeServer;
let priv: TorrentInfo;
let pub: TorrentInfo;

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('private-ws');
  await writeRandomFile(join(root, 'src', 'private.bin'), 256 * 1024, 'private-ws');
  await writeRandomFile(join(root, 'src', 'public.bin'), 256 * 1024, 'public-ws');
  own = await startRangeServer(cleanup, { root: join(root, 'src') });
  fromMagnet = await startRangeServer(cleanup, { root: join(root, 'src') });
  priv = await createTorrent({ path: join(root, 'src', 'private.bin'), out: join(root, 'private.torrent'), pieceLength: 16 * 1024, private: true, webSeeds: [`${own.url}private.bin`] });
  pub = await createTorrent({ path: join(root, 'src', 'public.bin'), out: join(root, 'public.torrent'), pieceLength: 16 * 1024 });
});
afterAll(() => cleanup.run());

interface WebSeedJson {
  url: string;
  downloaded: number;
}

describe('web seeds of a private torrent', () => {
  it("its own url-list is used: it downloads with no peers at all", async () => {
    const dir = join(root, 'dl-own');
    const r = await tesseraDownload({ torrent: priv.torrentPath, dir, peers: [], configHome: join(root, 'home-own'), timeoutMs: 120_000 });
    assertDownloadOk(r, { torrent: priv, peers: 0, hashFailures: 0 });
    await assertSameFile(join(root, 'src', 'private.bin'), join(dir, 'private.bin'));
    expect(own.paths.filter((p) => p === '/private.bin').length).toBeGreaterThan(0);
  });

  it("a magnet's ws= is ignored for a private torrent and used for a public one", async () => {
    // Slow seeds (about 8 s each for the whole torrent), so that a web seed that is used gets its share.
    const seedOf = (t: TorrentInfo, label: string) =>
      startTesseraSeed(cleanup, { torrent: t.torrentPath, dir: join(root, 'src'), stateDir: join(root, `seed-state-${label}`), extraArgs: ['--upload-limit', '32'] });
    const magnet = (t: TorrentInfo, port: number, file: string): string =>
      `magnet:?xt=urn:btih:${t.infoHash}&x.pe=127.0.0.1:${port}&ws=${encodeURIComponent(`${fromMagnet.url}${file}`)}`;

    const privateSeed = await seedOf(priv, 'private');
    const rp = await tesseraDownload({ torrent: magnet(priv, privateSeed.port, 'private.bin'), dir: join(root, 'dl-priv-magnet'), peers: [], configHome: join(root, 'home-pm'), timeoutMs: 180_000 });
    const jp = assertDownloadOk(rp, { torrent: priv, peers: 1, hashFailures: 0 });
    expect(jp.webSeeds as WebSeedJson[]).toEqual([]);
    expect(fromMagnet.paths).not.toContain('/private.bin');

    const publicSeed = await seedOf(pub, 'public');
    const rq = await tesseraDownload({ torrent: magnet(pub, publicSeed.port, 'public.bin'), dir: join(root, 'dl-pub-magnet'), peers: [], configHome: join(root, 'home-qm'), timeoutMs: 180_000 });
    const jq = assertDownloadOk(rq, { torrent: pub, peers: { min: 0 }, hashFailures: 0 });
    await assertSameFile(join(root, 'src', 'public.bin'), join(root, 'dl-pub-magnet', 'public.bin'));
    expect((jq.webSeeds as WebSeedJson[]).map((w) => w.url)).toEqual([`${fromMagnet.url}public.bin`]);
    expect((jq.webSeeds as WebSeedJson[])[0]!.downloaded).toBeGreaterThan(0);
    expect(fromMagnet.paths).toContain('/public.bin');
  });
});
