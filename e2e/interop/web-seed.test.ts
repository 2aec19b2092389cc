/**
 * Issue 13, item 2: web seeds. A torrent with no peers at all downloads from its web seed alone
 * (Debian's nginx; BEP 19 single- and multi-file, BEP 47 pad files never fetched), from a
 * server that fails every third request (it still completes), and alongside a libtorrent
 * seeder (both contribute).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDownloadOk,
  assertSameFile,
  assertSameTree,
  Cleanup,
  createTorrent,
  requireBuiltCli,
  startLtSeeder,
  startNginx,
  startRangeServer,
  tesseraDownload,
  writeRandomFile,
  writeTree,
  type FileSpec,
  type Nginx,
  freePort,
  startTessera,
  downloadArgs,
} from '../support/index.js';
import { waitUntil } from '../support/test-utils.js';

const PIECE = 32 * 1024;
const FILES: FileSpec[] = [
  { path: 'a.bin', size: 10_000 },
  { path: 'dir 1/b #1.bin', size: 50_000 },
  { path: 'dir 1/empty.txt', size: 0 },
  { path: 'dir 1/sub/c.bin', size: 100_001 },
  { path: 'd.bin', size: 1 },
  { path: 'dir2/é.bin', size: 70_000 },
];

interface WebSeedJson {
  url: string;
  downloaded: number;
}

const cleanup = new Cleanup();
let root = '';
let nginx: Nginx;

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('webseed');
  await writeRandomFile(join(root, 'www', 'single.bin'), 700_001, 'webseed-single');
  await writeTree(join(root, 'www', 'tree'), FILES, 'webseed-tree');
  nginx = await startNginx(cleanup, { dir: await cleanup.tempDir('nginx'), root: join(root, 'www') });
});
afterAll(() => cleanup.run());

function webSeedsOf(json: Record<string, unknown> | null): WebSeedJson[] {
  return (json?.webSeeds as WebSeedJson[] | undefined) ?? [];
}

describe('web seed only (nginx, no peers at all)', () => {
  it('single file: the URL names the file', async () => {
    const t = await createTorrent({ path: join(root, 'www', 'single.bin'), out: join(root, 'single.torrent'), pieceLength: PIECE, webSeeds: [`${nginx.url}single.bin`] });
    const dir = join(root, 'dl-single');
    const r = await tesseraDownload({ torrent: t.torrentPath, dir, peers: [], configHome: join(root, 'home-single'), timeoutMs: 180_000 });
    const j = assertDownloadOk(r, { torrent: t, peers: 0, hashFailures: 0 });
    await assertSameFile(join(root, 'www', 'single.bin'), join(dir, 'single.bin'));
    expect(webSeedsOf(j).map((w) => w.downloaded)).toEqual([t.totalSize]);
    // Range requests only: nginx answered 206 each time, never the whole file with 200.
    const log = await nginx.accessLog();
    expect(log.filter((l) => l.includes('/single.bin')).every((l) => l.startsWith('206 '))).toBe(true);
  });

  it('multi-file with pad files: url + name + path, percent-encoded; pad files are not asked for', async () => {
    const t = await createTorrent({ path: join(root, 'www', 'tree'), out: join(root, 'tree.torrent'), pieceLength: PIECE, pad: true, webSeeds: [nginx.url] });
    expect(t.files.some((f) => f.pad)).toBe(true);
    const dir = join(root, 'dl-tree');
    const r = await tesseraDownload({ torrent: t.torrentPath, dir, peers: [], configHome: join(root, 'home-tree'), timeoutMs: 180_000 });
    const j = assertDownloadOk(r, { torrent: t, peers: 0, hashFailures: 0 });
    await assertSameTree(join(root, 'www', 'tree'), join(dir, 'tree'));
    expect(webSeedsOf(j)[0]?.downloaded).toBeGreaterThanOrEqual(t.totalSize - t.files.filter((f) => f.pad).reduce((n, f) => n + f.size, 0));
    const log = await nginx.accessLog();
    expect(log.some((l) => l.includes('/tree/dir%201/b%20%231.bin'))).toBe(true);
    expect(log.some((l) => l.includes('/tree/dir2/%C3%A9.bin'))).toBe(true);
    expect(log.filter((l) => l.includes('/tree/')).every((l) => l.startsWith('206 '))).toBe(true);
    expect(log.some((l) => l.includes('.pad'))).toBe(false);
  });
});

describe('BEP 17 HTTP seed', () => {
  it('a torrent whose only source is its httpseeds entry downloads by piece', async () => {
    await writeRandomFile(join(root, 'www', 'bep17.bin'), 300_001, 'webseed-bep17');
    const first = await createTorrent({ path: join(root, 'www', 'bep17.bin'), out: join(root, 'bep17-probe.torrent'), pieceLength: PIECE });
    const server = await startRangeServer(cleanup, { root: join(root, 'www'), httpSeed: { file: 'bep17.bin', pieceLength: PIECE, infoHash: first.infoHash } });
    // httpseeds sits outside the info dictionary: the info-hash is the same as the probe's.
    const t = await createTorrent({ path: join(root, 'www', 'bep17.bin'), out: join(root, 'bep17.torrent'), pieceLength: PIECE, httpSeeds: [`${server.url}seed.php`] });
    expect(t.infoHash).toBe(first.infoHash);
    const dir = join(root, 'dl-bep17');
    const r = await tesseraDownload({ torrent: t.torrentPath, dir, peers: [], configHome: join(root, 'home-bep17'), timeoutMs: 180_000 });
    const j = assertDownloadOk(r, { torrent: t, peers: 0, hashFailures: 0 });
    await assertSameFile(join(root, 'www', 'bep17.bin'), join(dir, 'bep17.bin'));
    expect(webSeedsOf(j).map((w) => w.downloaded)).toEqual([t.totalSize]);
    expect(server.paths.every((p) => p === '/seed.php')).toBe(true);
    expect(server.bytesSent).toBe(t.totalSize);
  });
});

describe('a flaky web seed', () => {
  it('every third request fails with 503: backed off, retried, completes', async () => {
    const server = await startRangeServer(cleanup, { root: join(root, 'www'), failEvery: 3 });
    const t = await createTorrent({ path: join(root, 'www', 'tree'), out: join(root, 'tree-flaky.torrent'), pieceLength: 16 * 1024, webSeeds: [server.url] });
    const dir = join(root, 'dl-flaky');
    const r = await tesseraDownload({ torrent: t.torrentPath, dir, peers: [], configHome: join(root, 'home-flaky'), timeoutMs: 240_000, extraArgs: ['--verbose'] });
    assertDownloadOk(r, { torrent: t, peers: 0, hashFailures: 0 });
    await assertSameTree(join(root, 'www', 'tree'), join(dir, 'tree'));
    expect(server.failed).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/web seed .*HTTP 503/);
  });
});

describe('web seed and a libtorrent seeder together', () => {
  it('both contribute bytes; the web seed, refused at first, is retried once its server is up', async () => {
    await writeRandomFile(join(root, 'www', 'mixed.bin'), 4 * 1024 * 1024, 'webseed-mixed');
    const port = await freePort();
    const t = await createTorrent({ path: join(root, 'www', 'mixed.bin'), out: join(root, 'mixed.torrent'), pieceLength: PIECE, webSeeds: [`http://127.0.0.1:${port}/mixed.bin`] });
    // The seeder alone would need about 30 s (128 KiB/s); the web server starts only once the
    // seeder has sent something, so each source is sure to get pieces.
    const seeder = await startLtSeeder(cleanup, { torrents: [t.torrentPath], save: join(root, 'www'), uploadLimit: 128 * 1024, statusInterval: 0.2 });
    const dir = join(root, 'dl-mixed');
    const download = tesseraDownload({ torrent: t.torrentPath, dir, peers: [seeder.address], configHome: join(root, 'home-mixed'), timeoutMs: 240_000, extraArgs: ['--verbose'] });
    await waitUntil('the libtorrent seeder to upload', () => seeder.proc.jsonLines().some((l) => l.event === 'status' && Number(l.uploaded) > 0));
    await startNginx(cleanup, { dir: await cleanup.tempDir('nginx-late'), root: join(root, 'www'), port });
    const r = await download;
    const j = assertDownloadOk(r, { torrent: t, peers: 1, hashFailures: 0 });
    await assertSameFile(join(root, 'www', 'mixed.bin'), join(dir, 'mixed.bin'));
    expect(r.stderr).toMatch(/web seed .*ECONNREFUSED/);
    const fromWeb = webSeedsOf(j)[0]?.downloaded ?? 0;
    expect(fromWeb).toBeGreaterThan(0);
    expect(j.downloaded - fromWeb).toBeGreaterThan(0);
  });
});

describe('a web seed that sends bad data', () => {
  it('is dropped after a few pieces fail their hash; a good web seed completes the download', async () => {
    await writeRandomFile(join(root, 'www', 'bad.bin'), 512 * 1024, 'webseed-bad');
    const liar = await startRangeServer(cleanup, { root: join(root, 'www'), corrupt: true });
    const port = await freePort();
    const t = await createTorrent({
      path: join(root, 'www', 'bad.bin'),
      out: join(root, 'bad.torrent'),
      pieceLength: 16 * 1024,
      webSeeds: [`${liar.url}bad.bin`, `http://127.0.0.1:${port}/bad.bin`],
    });
    const dir = join(root, 'dl-bad');
    const proc = startTessera(cleanup, downloadArgs({ torrent: t.torrentPath, dir, peers: [], extraArgs: ['--verbose'] }), { configHome: join(root, 'home-bad') });
    // The good server comes up only once the liar is dropped: every failed piece is the liar's.
    await waitUntil('the lying web seed to be dropped', () => /web seed .* dropped after \d+ pieces failed/.test(proc.stderr), { alive: () => proc.exitInfo === null });
    await startNginx(cleanup, { dir: await cleanup.tempDir('nginx-good'), root: join(root, 'www'), port });
    const exit = await proc.exited;
    expect(exit.code, proc.describe()).toBe(0);
    await assertSameFile(join(root, 'www', 'bad.bin'), join(dir, 'bad.bin'));
    const j = proc.jsonLines().at(-1)!;
    expect(j.hashFailures).toBeGreaterThanOrEqual(3);
    const seeds = j.webSeeds as WebSeedJson[];
    expect(seeds.map((w) => w.url)).toEqual([`${liar.url}bad.bin`, `http://127.0.0.1:${port}/bad.bin`]);
    expect(seeds[1]!.downloaded).toBeGreaterThanOrEqual(t.totalSize);
  });
});
