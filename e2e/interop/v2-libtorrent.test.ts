/**
 * Issue 13, BEP 52: v2-only and hybrid multi-file torrents made by libtorrent 2.0, with a file
 * smaller than a piece and an empty file. Tessera downloads both from a libtorrent seeder
 * (pieces checked against the merkle piece layers; a hybrid's against SHA-1 too), and a
 * libtorrent leecher downloads both from `tessera seed`. `tessera create` makes v2 and hybrid
 * torrents (hybrid by default) that libtorrent loads with the same info-hashes and checks
 * against the original data.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDownloadOk,
  assertSameTree,
  Cleanup,
  createTorrent,
  listFiles,
  PYTHON,
  requireBuiltCli,
  runTessera,
  runToEnd,
  runLtLeecher,
  startLtSeeder,
  startTesseraSeed,
  tesseraDownload,
  writeTree,
  type FileSpec,
  type LtSeeder,
  type TorrentInfo,
} from '../support/index.js';

const PIECE = 32 * 1024;
const FILES: FileSpec[] = [
  { path: 'big.bin', size: 5 * PIECE + 1234 },
  { path: 'docs/empty.txt', size: 0 },
  { path: 'docs/small.txt', size: 700 },
  { path: 'media/two.bin', size: 2 * PIECE },
  { path: 'media/odd.bin', size: PIECE + 1 },
];

const cleanup = new Cleanup();
let root = '';
let v2: TorrentInfo;
let hybrid: TorrentInfo;
let seeder: LtSeeder;

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('v2-libtorrent');
  await writeTree(join(root, 'src', 'tree'), FILES, 'v2-libtorrent');
  v2 = await createTorrent({ path: join(root, 'src', 'tree'), out: join(root, 'v2.torrent'), pieceLength: PIECE, v2: true });
  hybrid = await createTorrent({ path: join(root, 'src', 'tree'), out: join(root, 'hybrid.torrent'), pieceLength: PIECE, hybrid: true });
  seeder = await startLtSeeder(cleanup, { torrents: [v2.torrentPath, hybrid.torrentPath], save: join(root, 'src') });
});
afterAll(() => cleanup.run());

describe('BEP 52 torrents with libtorrent', () => {
  it('libtorrent made a v2-only and a hybrid torrent of the same files', () => {
    expect(v2.infoHashV2).toMatch(/^[0-9a-f]{64}$/);
    expect(v2.infoHash).toBe(v2.infoHashV2!.slice(0, 40));
    expect(hybrid.infoHashV2).toMatch(/^[0-9a-f]{64}$/);
    expect(hybrid.infoHash).not.toBe(hybrid.infoHashV2!.slice(0, 40));
  });

  for (const kind of ['v2', 'hybrid'] as const) {
    it(`Tessera downloads the ${kind} torrent from libtorrent, every file byte-identical`, async () => {
      const torrent = kind === 'v2' ? v2 : hybrid;
      const dir = join(root, `dl-${kind}`);
      const r = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [seeder.address], configHome: join(root, `home-${kind}`), timeoutMs: 120_000 });
      assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0 });
      await assertSameTree(join(root, 'src', 'tree'), join(dir, 'tree'));
      expect(await listFiles(dir)).toContain('tree/docs/empty.txt');
      // Run again: the resume record keeps what was verified; nothing is hashed or fetched.
      const again = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [seeder.address], configHome: join(root, `home-${kind}`), timeoutMs: 120_000 });
      expect(again.exit.code, again.stderr).toBe(0);
      expect(again.json).toMatchObject({ resumedPieces: torrent.pieces, checkedPieces: 0, downloaded: 0 });
    });

    it(`libtorrent downloads the ${kind} torrent from tessera seed`, async () => {
      const torrent = kind === 'v2' ? v2 : hybrid;
      const tessera = await startTesseraSeed(cleanup, { torrent: torrent.torrentPath, dir: join(root, 'src'), stateDir: join(root, `seed-state-${kind}`) });
      expect(tessera.ready).toMatchObject({ infoHash: torrent.infoHash, pieces: torrent.pieces, verified: torrent.pieces });
      const dl = join(root, `lt-dl-${kind}`);
      const r = await runLtLeecher(cleanup, { torrent: torrent.torrentPath, save: dl, peers: [tessera.address], timeoutSeconds: 120, progressInterval: 0 });
      expect(r.hashFailures).toBe(0);
      await assertSameTree(join(root, 'src', 'tree'), join(dl, 'tree'));
      expect(r.peers.find((p) => p.endpoint === tessera.address)?.client).toMatch(/^Tessera /);
      if (kind === 'hybrid') {
        // BEP 52: a hybrid answers a handshake with either of its hashes, echoing the one used.
        for (const hash of [hybrid.infoHash, hybrid.infoHashV2!.slice(0, 40)]) expect(await handshakeHash(tessera.address, hash)).toBe(hash);
      }
      const exit = await tessera.interrupt();
      expect(exit.code, tessera.proc.describe()).toBe(0);
    });
  }

  it('a v2 magnet (urn:btmh) with x.pe: metadata and piece layers from libtorrent, then every file', async () => {
    const magnet = `magnet:?xt=urn:btmh:1220${v2.infoHashV2!}&dn=tree&x.pe=${seeder.address}`;
    const dir = join(root, 'dl-magnet');
    const r = await tesseraDownload({ torrent: magnet, dir, peers: [], configHome: join(root, 'home-magnet'), timeoutMs: 120_000 });
    assertDownloadOk(r, { torrent: v2, peers: 1, hashFailures: 0 });
    await assertSameTree(join(root, 'src', 'tree'), join(dir, 'tree'));
  });

  it('a hybrid magnet (btih + btmh) with x.pe completes through its v1 hashes', async () => {
    const magnet = `magnet:?xt=urn:btih:${hybrid.infoHash}&xt=urn:btmh:1220${hybrid.infoHashV2!}&x.pe=${seeder.address}`;
    const dir = join(root, 'dl-hybrid-magnet');
    const r = await tesseraDownload({ torrent: magnet, dir, peers: [], configHome: join(root, 'home-hybrid-magnet'), timeoutMs: 120_000 });
    assertDownloadOk(r, { torrent: hybrid, peers: 1, hashFailures: 0 });
    await assertSameTree(join(root, 'src', 'tree'), join(dir, 'tree'));
  });

  it('libtorrent fetches a v2 magnet from tessera seed: metadata, then piece layers in hash messages', async () => {
    const tessera = await startTesseraSeed(cleanup, { torrent: v2.torrentPath, dir: join(root, 'src'), stateDir: join(root, 'seed-state-magnet') });
    const dl = join(root, 'lt-dl-magnet');
    const magnet = `magnet:?xt=urn:btmh:1220${v2.infoHashV2!}&dn=tree`;
    const r = await runLtLeecher(cleanup, { magnet, save: dl, peers: [tessera.address], timeoutSeconds: 120, progressInterval: 0 });
    expect(r.hashFailures).toBe(0);
    await assertSameTree(join(root, 'src', 'tree'), join(dl, 'tree'));
    const exit = await tessera.interrupt();
    expect(exit.code, tessera.proc.describe()).toBe(0);
  });

  for (const format of ['v2', 'hybrid', undefined] as const) {
    it(`tessera create${format ? ` --format ${format}` : ' (hybrid by default)'}: libtorrent loads it with the same info-hashes and verifies the data`, async () => {
      const out = join(root, `created-${format ?? 'default'}.torrent`);
      const args = ['create', join(root, 'src', 'tree'), '-o', out, '--piece-length', String(PIECE), ...(format ? ['--format', format] : [])];
      const r = await runTessera(args, { timeoutMs: 60_000 });
      expect(r.exit.code, r.stderr).toBe(0);
      const v1 = /^info-hash ([0-9a-f]{40})$/m.exec(r.stdout)?.[1];
      const v2hash = /^v2 info-hash ([0-9a-f]{64})$/m.exec(r.stdout)?.[1];
      expect(v2hash, r.stdout).toBeDefined();
      const lt = await runToEnd(PYTHON, ['-c', LT_HASHES, out], { timeoutMs: 30_000, label: 'lt read' });
      expect(lt.exit.code, lt.stderr).toBe(0);
      const hashes = JSON.parse(lt.stdout.trim()) as { v1: string | null; v2: string | null };
      expect(hashes.v2).toBe(v2hash);
      if (format === 'v2') expect([hashes.v1, v1]).toEqual([null, v2hash!.slice(0, 40)]);
      else expect(hashes.v1).toBe(v1);
      // libtorrent checks the original files against Tessera's hashes: READY means all verified.
      const check = await startLtSeeder(cleanup, { torrents: [out], save: join(root, 'src'), readyTimeoutMs: 60_000 });
      await check.stop();
    });
  }
});

const LT_HASHES = `
import json, sys, libtorrent as lt
h = lt.torrent_info(sys.argv[1]).info_hashes()
print(json.dumps({"v1": str(h.v1) if h.has_v1() else None, "v2": str(h.v2) if h.has_v2() else None}))
`;

/** Sends a plaintext BitTorrent handshake for `hashHex` and returns the info-hash of the reply. */
function handshakeHash(address: string, hashHex: string): Promise<string> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const hello = Buffer.concat([Buffer.from([19]), Buffer.from('BitTorrent protocol'), Buffer.alloc(8), Buffer.from(hashHex, 'hex'), Buffer.from('-XX0000-v2handshake1')]);
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => socket.write(hello));
    let got = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 48) {
        socket.destroy();
        resolve(got.subarray(28, 48).toString('hex'));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed after ${got.length} bytes`)));
  });
}
