/**
 * Piece lengths libtorrent 2.0.8 loads that Tessera once refused or never exercised: the largest
 * libtorrent transfers (32767 blocks of 16 KiB, above 512 MiB), lengths that are not a multiple
 * of 16 KiB (a piece ends in a short block, or is one short block), and tiny ones (5 bytes, many
 * pieces; 1 byte). Each is downloaded by Tessera from a libtorrent seeder and by a libtorrent leecher
 * from `tessera seed`, byte-identical.
 *
 * libtorrent loads any v1 piece length up to 2^30 - 1 but its session refuses to add one above
 * 32767 × 16 KiB ("invalid piece size"), so 512 MiB + 16 KiB and 2^30 - 1 go Tessera to Tessera.
 * The fixtures are hashed by lt_create.py itself (`anyPieceLength`): create_torrent only makes
 * multiples of 16 KiB.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDownloadOk,
  assertSameFile,
  Cleanup,
  createTorrent,
  HostilePeer,
  requireBuiltCli,
  runLtLeecher,
  sha1File,
  startLtSeeder,
  startTesseraSeed,
  tesseraDownload,
  writeRandomFile,
  type TorrentInfo,
} from '../support/index.js';

const FILE = 'data.bin';
const SIZE = 1024 * 1024 + 123;
/** The tiny cases' own files: 1 MiB in 5-byte pieces would be 209716, which takes a libtorrent leecher 10-40 s here. */
const TINY_FILE = 'tiny.bin';
const TINY_SIZE = 64 * 1024 + 3;
const ONE_BYTE_FILE = 'bytes.bin';
const ONE_BYTE_SIZE = 12_345;

interface Case {
  what: string;
  pieceLength: number;
  /** Whether a libtorrent session transfers it (see above). */
  libtorrent: boolean;
  file?: string;
}

const CASES: Case[] = [
  { what: 'above 512 MiB, the largest libtorrent transfers (32767 blocks)', pieceLength: 32767 * 16384, libtorrent: true },
  { what: 'one byte under a block', pieceLength: 16383, libtorrent: true },
  { what: '100000, not a multiple of 16 KiB', pieceLength: 100_000, libtorrent: true },
  { what: '1000', pieceLength: 1000, libtorrent: true },
  { what: '5 (13108 pieces)', pieceLength: 5, libtorrent: true, file: TINY_FILE },
  { what: '1 (12345 pieces)', pieceLength: 1, libtorrent: true, file: ONE_BYTE_FILE },
  { what: '512 MiB + 16 KiB', pieceLength: 536_887_296, libtorrent: false },
  { what: '2^30 - 1, the largest libtorrent loads', pieceLength: 2 ** 30 - 1, libtorrent: false },
];

const cleanup = new Cleanup();
let root = '';
const src = (): string => join(root, 'src');
const torrents = new Map<number, TorrentInfo>();
const fileOf = (c: Case): string => c.file ?? FILE;
const sizeOf = (c: Case): number => (c.file === TINY_FILE ? TINY_SIZE : c.file === ONE_BYTE_FILE ? ONE_BYTE_SIZE : SIZE);

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('piece-lengths');
  await writeRandomFile(join(src(), FILE), SIZE, 'piece-lengths');
  await writeRandomFile(join(src(), TINY_FILE), TINY_SIZE, 'piece-lengths-tiny');
  await writeRandomFile(join(src(), ONE_BYTE_FILE), ONE_BYTE_SIZE, 'piece-lengths-one');
  for (const c of CASES) {
    const t = await createTorrent({ path: join(src(), fileOf(c)), out: join(root, `${c.pieceLength}.torrent`), pieceLength: c.pieceLength, anyPieceLength: true });
    torrents.set(c.pieceLength, t);
  }
}, 120_000);
afterAll(() => cleanup.run());

describe.each(CASES.filter((c) => c.libtorrent))('piece length $pieceLength ($what) with libtorrent', (c) => {
  it('Tessera downloads it from a libtorrent seeder', async () => {
    const torrent = torrents.get(c.pieceLength)!;
    expect(torrent.pieceLength).toBe(c.pieceLength);
    expect(torrent.pieces).toBe(Math.ceil(sizeOf(c) / c.pieceLength));
    const seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: src() });
    const dir = join(root, `dl-${c.pieceLength}`);
    const r = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [seeder.address], configHome: join(root, `home-${c.pieceLength}`), timeoutMs: 120_000 });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0 });
    await assertSameFile(join(src(), fileOf(c)), join(dir, fileOf(c)));
  }, 150_000);

  it('a libtorrent leecher downloads it from tessera seed', async () => {
    const torrent = torrents.get(c.pieceLength)!;
    const seeder = await startTesseraSeed(cleanup, { torrent: torrent.torrentPath, dir: src(), stateDir: join(root, `seed-state-${c.pieceLength}`) });
    expect(seeder.ready).toMatchObject({ infoHash: torrent.infoHash, pieces: torrent.pieces, verified: torrent.pieces });
    const dl = join(root, `lt-dl-${c.pieceLength}`);
    const r = await runLtLeecher(cleanup, { torrent: torrent.torrentPath, save: dl, peers: [seeder.address], timeoutSeconds: 120, progressInterval: 0 });
    await assertSameFile(join(src(), fileOf(c)), join(dl, fileOf(c)));
    expect(r.hashFailures).toBe(0);
    expect(r.peers.find((p) => p.endpoint === seeder.address)?.downloaded).toBeGreaterThanOrEqual(sizeOf(c));
    expect((await seeder.interrupt()).code, seeder.proc.describe()).toBe(0);
  }, 150_000);
});

describe.each(CASES.filter((c) => !c.libtorrent))('piece length $pieceLength ($what), Tessera to Tessera', (c) => {
  it('Tessera downloads it from tessera seed, from the .torrent and from a magnet', async () => {
    const torrent = torrents.get(c.pieceLength)!;
    expect(torrent.pieces).toBe(1);
    const seeder = await startTesseraSeed(cleanup, { torrent: torrent.torrentPath, dir: src(), stateDir: join(root, `seed-state-${c.pieceLength}`) });
    expect(seeder.ready).toMatchObject({ infoHash: torrent.infoHash, pieces: 1, verified: 1 });
    const dir = join(root, `tt-${c.pieceLength}`);
    const r = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [seeder.address], configHome: join(root, `home-tt-${c.pieceLength}`), timeoutMs: 120_000 });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0 });
    await assertSameFile(join(src(), fileOf(c)), join(dir, fileOf(c)));

    // The same from a magnet: the metadata declares the huge piece length, nothing is sized by it.
    const magnetDir = join(root, `tt-magnet-${c.pieceLength}`);
    const magnet = `magnet:?xt=urn:btih:${torrent.infoHash}&x.pe=${seeder.address}`;
    const m = await tesseraDownload({ torrent: magnet, dir: magnetDir, peers: [], configHome: join(root, `home-tt-magnet-${c.pieceLength}`), timeoutMs: 120_000 });
    assertDownloadOk(m, { torrent, peers: 1, hashFailures: 0 });
    await assertSameFile(join(src(), fileOf(c)), join(magnetDir, fileOf(c)));
    expect((await seeder.interrupt()).code, seeder.proc.describe()).toBe(0);
  }, 150_000);
});

/**
 * A piece above 8 MiB is not held in memory while it downloads: its blocks go to disk as they
 * arrive and it is hashed by reading it back (StagedWrites). Before, each piece in flight was one
 * buffer of its length: ~600 MiB in pieces of 512 MiB - 16 KiB peaked at 694 MB RSS.
 */
describe('a big-piece download from libtorrent', () => {
  const BIG_FILE = 'big.bin';
  const BIG_SIZE = 600 * 1024 * 1024 + 12_345;
  const BIG_PIECE = 32767 * 16384;
  /** Node, the engine and its buffers take ~120-170 MB downloading small pieces; a 512 MiB buffer would not fit. */
  const MAX_PEAK_RSS = 250 * 1024 * 1024;

  it('keeps peak RSS under 250 MB for ~600 MiB in 512 MiB - 16 KiB pieces, data intact', async () => {
    const bigRoot = await cleanup.tempDir('big-pieces');
    const source = join(bigRoot, 'src');
    await writeRandomFile(join(source, BIG_FILE), BIG_SIZE, 'big-pieces');
    const torrent = await createTorrent({ path: join(source, BIG_FILE), out: join(bigRoot, 'big.torrent'), pieceLength: BIG_PIECE, anyPieceLength: true });
    expect(torrent.pieces).toBe(2);
    const seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: source });
    const dir = join(bigRoot, 'dl');
    const r = await tesseraDownload({
      torrent: torrent.torrentPath,
      dir,
      peers: [seeder.address],
      configHome: join(bigRoot, 'home'),
      timeoutMs: 300_000,
      measureTo: join(bigRoot, 'usage.json'),
    });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0 });
    expect(await sha1File(join(dir, BIG_FILE))).toBe(await sha1File(join(source, BIG_FILE)));
    expect(r.usage, 'rusage of the download').toBeDefined();
    expect(r.usage!.peakRssBytes, `peak RSS ${Math.round(r.usage!.peakRssBytes / 1e6)} MB`).toBeLessThan(MAX_PEAK_RSS);
  }, 360_000);
});

/**
 * A peer that corrupts the blocks it sends, next to an honest libtorrent seeder, on pieces big
 * enough to be staged (16 MiB + 16 KiB: written block by block, hashed read back): the pieces it
 * touched fail the hash, are fetched again, and the file ends byte-identical.
 */
describe('a corrupted block of a big piece', () => {
  const PIECE = 1025 * 16384;
  const FILE_SIZE = 3 * PIECE - 777;

  it('fails the hash, is fetched again, and the data ends right', async () => {
    const dir = await cleanup.tempDir('big-corrupt');
    const source = join(dir, 'src');
    await writeRandomFile(join(source, 'c.bin'), FILE_SIZE, 'big-corrupt');
    const torrent = await createTorrent({ path: join(source, 'c.bin'), out: join(dir, 'c.torrent'), pieceLength: PIECE });
    // Rate-limited, so the hostile peer's blocks go into pieces before the honest seeder has sent them all.
    const seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: source, uploadLimit: 8_000_000 });
    const bad = await HostilePeer.listen({ mode: 'corrupt-data', torrent, fallbackMs: 1000 });
    try {
      const r = await tesseraDownload({ torrent: torrent.torrentPath, dir: join(dir, 'dl'), peers: [bad.address, seeder.address], configHome: join(dir, 'home'), timeoutMs: 120_000 });
      assertDownloadOk(r, { torrent, peers: { min: 1 }, hashFailures: { min: 1 } });
      expect(bad.connections.some((c) => c.blocksSent > 0), bad.describe()).toBe(true);
      await assertSameFile(join(source, 'c.bin'), join(dir, 'dl', 'c.bin'));
    } finally {
      await bad.close();
    }
  }, 150_000);
});
