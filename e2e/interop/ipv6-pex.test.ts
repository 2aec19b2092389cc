/**
 * Issue 12, item 3: peer exchange over IPv6 (BEP 11 `added6`/`added6.f`) with libtorrent, both
 * ways, the pattern of find-peers-pex.test.ts. libtorrent confuses peers that share an IP, and
 * the machine's loopback has only ::1, so the test makes two network namespaces joined by a
 * veth pair: Tessera on fd77::1, the libtorrent peers each on its own address on the other
 * side (fd77::2 … fd77::4).
 * No tracker, no DHT, no x.pe: Tessera and libtorrent can only learn the other peers by PEX.
 *
 *   B  libtorrent seeder on fd77::3 with all the data; it never dials anyone.
 *   A  libtorrent peer on fd77::2 with the first three quarters, in upload mode; A dials B.
 *
 * 1. `tessera download --peer [fd77::2]:P`: the last quarter exists only at B, so a
 *    byte-identical file proves Tessera learned B from A's `added6`.
 * 2. A libtorrent leecher L (fd77::4) told only about Tessera dials B, which it can only
 *    have heard of from Tessera's `added6`.
 */
import { copyFile, mkdir, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDownloadOk, assertSameFile, Cleanup, createTorrent, requireBuiltCli, requireTool, startLtLeecher, startLtSeeder, tesseraDownload, writeRandomFile, type LtSeeder, type TorrentInfo } from '../support/index.js';
import { createV6Link, type V6Link } from '../support/netns.js';
import { escapeRegExp, pollFor, sleep } from '../support/test-utils.js';

const PIECE = 64 * 1024;
const PIECES = 16;
const SIZE = PIECES * PIECE - 1000;
const A_PIECES = 12;
const TESSERA = 'fd77::1';
const cleanup = new Cleanup();
let root = '';
let link: V6Link;
let torrent: TorrentInfo;
let seederB: LtSeeder;
let partialA: LtSeeder;

/** "ip:port" as libtorrent prints endpoints (no brackets). */
const plain = (host: string, port: number): string => `${host}:${port}`;

function lastPeers(s: LtSeeder): Array<{ endpoint: string; client: string }> {
  const status = s.proc.jsonLines().filter((l) => l.event === 'status');
  return (status.at(-1)?.peers as Array<{ endpoint: string; client: string }> | undefined) ?? [];
}

beforeAll(async () => {
  requireBuiltCli();
  requireTool('libtorrent');
  root = await cleanup.tempDir('ipv6-pex');
  link = createV6Link(cleanup, 'pex6', [TESSERA], ['fd77::2', 'fd77::3', 'fd77::4']);
  await writeRandomFile(join(root, 'full', 'pex6.bin'), SIZE, 'ipv6-pex');
  torrent = await createTorrent({ path: join(root, 'full', 'pex6.bin'), out: join(root, 'pex6.torrent'), pieceLength: PIECE });
  await mkdir(join(root, 'partial'));
  await copyFile(join(root, 'full', 'pex6.bin'), join(root, 'partial', 'pex6.bin'));
  await truncate(join(root, 'partial', 'pex6.bin'), A_PIECES * PIECE);

  seederB = await startLtSeeder(cleanup, {
    netns: link.peers,
    torrents: [torrent.torrentPath],
    save: join(root, 'full'),
    host: 'fd77::3',
    keepRedundant: true,
    statusInterval: 0.1,
    logAlerts: true,
    uploadLimit: 1024 * 1024,
    settings: { seeding_outgoing_connections: false },
  });
  partialA = await startLtSeeder(cleanup, {
    netns: link.peers,
    torrents: [torrent.torrentPath],
    save: join(root, 'partial'),
    host: 'fd77::2',
    allowPartial: true,
    uploadMode: true,
    keepRedundant: true,
    peers: [seederB.address],
    statusInterval: 0.25,
    logAlerts: true,
  });
  // A is connected to B, handshake done, before Tessera comes along (libtorrent's first PEX
  // leaves out peers still in their handshake; the next one comes 60 s later).
  await pollFor('A connects to B', 30_000, () => Promise.resolve(lastPeers(partialA).some((p) => p.endpoint === plain('fd77::3', seederB.port) && p.client !== '') ? true : null), 100);
});
afterAll(() => cleanup.run());

describe('PEX over IPv6 with libtorrent (added6)', () => {
  it("tessera, given only A, learns B from A's added6 and gets the pieces only B has", async () => {
    expect(seederB.address).toBe(`[fd77::3]:${seederB.port}`);
    const dir = join(root, 'dl');
    const r = await tesseraDownload({ netns: link.tessera, torrent: torrent.torrentPath, dir, peers: [partialA.address], configHome: join(root, 'home'), timeoutMs: 90_000, extraArgs: ['--no-dht'] });
    assertDownloadOk(r, { torrent, peers: 2, hashFailures: 0 });
    await assertSameFile(join(root, 'full', 'pex6.bin'), join(dir, 'pex6.bin'));
    // A never downloads (upload mode): the last quarter came from B, which Tessera dialled.
    await sleep(300);
    const uploadedByB = Math.max(0, ...seederB.proc.jsonLines().filter((l) => l.event === 'status').map((l) => Number(l.uploaded)));
    expect(uploadedByB).toBeGreaterThanOrEqual(SIZE - A_PIECES * PIECE);
    expect(partialA.proc.jsonLines().filter((l) => l.event === 'status').every((l) => l.downloaded === 0)).toBe(true);
  });

  it("libtorrent, given only Tessera, learns B from Tessera's added6 and dials it", async () => {
    const port = 20000 + Math.floor(Math.random() * 20000); // Tessera's namespace is ours: any port is free
    const dir = join(root, 'dl-2');
    // Tessera dials B; its download limit (1 MiB at 64 KiB/s) keeps it running while L joins.
    const run = tesseraDownload({
      netns: link.tessera,
      torrent: torrent.torrentPath,
      dir,
      peers: [seederB.address],
      port,
      configHome: join(root, 'home-2'),
      timeoutMs: 90_000,
      extraArgs: ['--no-dht', '--download-limit', '64'],
    });
    let finished = false;
    void run.finally(() => (finished = true));
    await pollFor('B sees Tessera', 30_000, () => Promise.resolve(finished || lastPeers(seederB).some((p) => p.endpoint.startsWith(`${TESSERA}:`) && p.client !== '') ? true : null), 50);
    expect(finished, 'Tessera finished before libtorrent could join').toBe(false);

    const leecher = await startLtLeecher(cleanup, {
      netns: link.peers,
      torrent: torrent.torrentPath,
      host: 'fd77::4',
      peers: [`[${TESSERA}]:${port}`],
      save: join(root, 'lt-2'),
      logAlerts: true,
      timeoutSeconds: 60,
      downloadLimit: 256 * 1024,
    });
    const connect = await leecher.proc.waitForLine(new RegExp(`"type":"peer_connect_alert".*"endpoint":"${escapeRegExp(plain('fd77::3', seederB.port))}"`), 30_000);
    expect(JSON.parse(connect)).toMatchObject({ type: 'peer_connect_alert', endpoint: plain('fd77::3', seederB.port) });
    await leecher.stop();
    assertDownloadOk(await run, { torrent, peers: { min: 1 }, hashFailures: 0 });
    await assertSameFile(join(root, 'full', 'pex6.bin'), join(dir, 'pex6.bin'));
  });
});
