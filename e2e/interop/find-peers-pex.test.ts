/**
 * Issue 4: peer exchange (BEP 11) with libtorrent, each peer on its own loopback address
 * (on one shared IP libtorrent confuses peers; e2e/support/README.md). No tracker, no DHT, no x.pe.
 *
 *   B  libtorrent seeder on 127.0.0.3 with all the data; it never dials anyone
 *      (seeding_outgoing_connections=false), so a connection between B and Tessera is Tessera's.
 *   A  libtorrent peer on 127.0.0.2 with only the first three quarters, in upload mode (it never
 *      downloads, so it stays partial). A dials B: libtorrent advertises only peers it dialled
 *      or that sent `p`, and its first PEX goes out within a second once it has ≥ 2 peers whose
 *      handshake is done. Both keep the connection (close_redundant_connections=false).
 *
 * 1. `tessera download X.torrent --peer A`: the last quarter exists only at B, so a
 *    byte-identical file proves Tessera learned B from A's PEX (B saw it dial in, uploaded to it).
 * 2. The other direction: a libtorrent leecher L (127.0.0.4) told only about Tessera dials B,
 *    which it can only have heard of from Tessera's PEX.
 * 3. A peer that joins Tessera after L did (C, 127.0.0.5, no ut_pex of its own) reaches L within
 *    seconds, as libtorrent would do it — not a minute later on a timer.
 */
import { truncate, copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDownloadOk,
  assertSameFile,
  Cleanup,
  createTorrent,
  freePort,
  requireBuiltCli,
  requireTool,
  startLtLeecher,
  startLtSeeder,
  tesseraDownload,
  writeRandomFile,
  waitForListening,
  type LtSeeder,
  type TorrentInfo,
} from '../support/index.js';
import { escapeRegExp, sleep } from '../support/test-utils.js';

const PIECE = 256 * 1024;
const PIECES = 32;
const SIZE = PIECES * PIECE - 1000;
const A_PIECES = 24;
const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let seederB: LtSeeder;
let partialA: LtSeeder;

interface StatusPeer {
  endpoint: string;
  /** Empty until the BitTorrent handshake is done. */
  client: string;
}

/** The peers in a libtorrent helper's latest status line. */
function lastPeers(s: LtSeeder): StatusPeer[] {
  const status = s.proc.jsonLines().filter((l) => l.event === 'status');
  return (status[status.length - 1]?.peers as StatusPeer[] | undefined) ?? [];
}

beforeAll(async () => {
  requireBuiltCli();
  requireTool('libtorrent');
  root = await cleanup.tempDir('find-peers-pex');
  await writeRandomFile(join(root, 'full', 'pex.bin'), SIZE, 'find-peers-pex');
  torrent = await createTorrent({ path: join(root, 'full', 'pex.bin'), out: join(root, 'pex.torrent'), pieceLength: PIECE });
  expect(torrent.pieces).toBe(PIECES);
  await mkdir(join(root, 'partial'));
  await copyFile(join(root, 'full', 'pex.bin'), join(root, 'partial', 'pex.bin'));
  await truncate(join(root, 'partial', 'pex.bin'), A_PIECES * PIECE);

  seederB = await startLtSeeder(cleanup, {
    torrents: [torrent.torrentPath],
    save: join(root, 'full'),
    host: '127.0.0.3',
    keepRedundant: true,
    statusInterval: 0.1,
    logAlerts: true,
    // Keeps Tessera downloading for a few seconds in the second test.
    uploadLimit: 2 * 1024 * 1024,
    settings: { seeding_outgoing_connections: false },
  });
  partialA = await startLtSeeder(cleanup, {
    torrents: [torrent.torrentPath],
    save: join(root, 'partial'),
    host: '127.0.0.2',
    allowPartial: true,
    uploadMode: true,
    keepRedundant: true,
    peers: [seederB.address],
    statusInterval: 0.25,
    logAlerts: true,
  });
  // A is connected to B, handshake done, before Tessera comes along: libtorrent's first PEX
  // leaves out peers still in their handshake, and the next one comes only 60 s later.
  const deadline = Date.now() + 30_000;
  while (!lastPeers(partialA).some((p) => p.endpoint === seederB.address && p.client !== '')) {
    if (Date.now() > deadline) throw new Error(`A never connected to B.\n${partialA.proc.describe()}\n${seederB.proc.describe()}`);
    await sleep(100);
  }
});
afterAll(() => cleanup.run());

describe('three-peer swarm: the third peer comes from PEX only', () => {
  it('tessera, given only A, learns B from A and gets the pieces only B has, byte-identical', async () => {
    const dir = join(root, 'dl');
    const r = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [partialA.address], configHome: join(root, 'home'), timeoutMs: 90_000 });
    assertDownloadOk(r, { torrent, peers: 2, hashFailures: 0 });
    await assertSameFile(join(root, 'full', 'pex.bin'), join(dir, 'pex.bin'));

    // A stayed partial: the last quarter can only have come from B.
    await sleep(600);
    const aView = lastPeers(partialA);
    expect(aView.find((p) => p.endpoint === seederB.address), 'A is still connected to B').toBeDefined();
    // B's side: Tessera (the only peer on 127.0.0.1) dialled it and got payload from it.
    const incoming = seederB.proc.jsonLines().filter((l) => l.type === 'incoming_connection_alert' && String(l.endpoint).startsWith('127.0.0.1:'));
    expect(incoming.length, seederB.proc.describe()).toBeGreaterThan(0);
    // B's payload uploads (A downloads nothing in upload mode, so they all went to Tessera).
    const uploadedByB = Math.max(0, ...seederB.proc.jsonLines().filter((l) => l.event === 'status').map((l) => Number(l.uploaded)));
    expect(uploadedByB).toBeGreaterThanOrEqual(SIZE - A_PIECES * PIECE);
    expect(partialA.proc.jsonLines().filter((l) => l.event === 'status').every((l) => l.downloaded === 0)).toBe(true);
  });

  it('libtorrent, given only Tessera, learns B from Tessera\'s PEX and dials it', async () => {
    const port = await freePort('127.0.0.1');
    const dir = join(root, 'dl-2');
    // Tessera knows B (it dials it). Its own download limit (8 MiB at 1 MiB/s) keeps it running
    // for several seconds: it may also learn A from B and get three quarters from A at once, and
    // a Tessera that has finished and exited cannot tell L about anyone.
    const run = tesseraDownload({
      torrent: torrent.torrentPath,
      dir,
      peers: [seederB.address],
      port,
      configHome: join(root, 'home-2'),
      timeoutMs: 90_000,
      extraArgs: ['--download-limit', '1024'],
    });
    let finished = false;
    void run.finally(() => (finished = true));
    const bSawTessera = (): boolean => lastPeers(seederB).some((p) => p.endpoint.startsWith('127.0.0.1:'));
    while (!bSawTessera() && !finished) await sleep(50);
    expect(finished, 'Tessera finished before libtorrent could join').toBe(false);

    // L on 127.0.0.4 is told about Tessera only (no tracker, no DHT).
    const leecher = await startLtLeecher(cleanup, {
      torrent: torrent.torrentPath,
      host: '127.0.0.4',
      peers: [`127.0.0.1:${port}`],
      save: join(root, 'lt-2'),
      logAlerts: true,
      timeoutSeconds: 60,
      // Slow enough that L is still downloading when Tessera's PEX names B: Tessera may
      // already hold most pieces (it had them from A and B), and a finished L dials nobody.
      downloadLimit: 1024 * 1024,
    });
    const connect = await leecher.proc.waitForLine(new RegExp(`"type":"peer_connect_alert".*"endpoint":"${escapeRegExp(seederB.address)}"`), 20_000);
    expect(JSON.parse(connect)).toMatchObject({ type: 'peer_connect_alert', endpoint: seederB.address });
    await leecher.stop();
    assertDownloadOk(await run, { torrent, peers: { min: 1 }, hashFailures: 0 });
    await assertSameFile(join(root, 'full', 'pex.bin'), join(dir, 'pex.bin'));
  });

  it('a peer that joins Tessera later is passed on to an earlier libtorrent peer within seconds', async () => {
    const port = await freePort('127.0.0.1');
    const dir = join(root, 'dl-3');
    // Tessera starts knowing nobody: it waits for peers to dial it.
    const run = tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [], port, configHome: join(root, 'home-3'), timeoutMs: 90_000 });
    await waitForListening('127.0.0.1', port, 20_000);

    // L (127.0.0.4) dials Tessera: at its extension handshake Tessera has nobody to tell it about.
    const leecher = await startLtLeecher(cleanup, {
      torrent: torrent.torrentPath,
      host: '127.0.0.4',
      peers: [`127.0.0.1:${port}`],
      save: join(root, 'lt-3'),
      logAlerts: true,
      timeoutSeconds: 60,
    });
    await leecher.proc.waitForLine(new RegExp(`"type":"peer_connect_alert".*"endpoint":"${escapeRegExp(`127.0.0.1:${port}`)}"`), 20_000);
    await sleep(1500);

    // Then C (127.0.0.5, a seeder) dials Tessera. L can only hear of C from Tessera's PEX.
    const lateSeeder = await startLtSeeder(cleanup, {
      torrents: [torrent.torrentPath],
      save: join(root, 'full'),
      host: '127.0.0.5',
      keepRedundant: true,
      peers: [`127.0.0.1:${port}`],
      uploadLimit: 2 * 1024 * 1024,
      // Without ut_pex C never hears of L, so it cannot dial L: a connection between L and C
      // must be L dialling what Tessera told it.
      noPex: true,
    });
    const joinedAt = Date.now();
    const connect = await leecher.proc.waitForLine(new RegExp(`"type":"peer_connect_alert".*"endpoint":"${escapeRegExp(lateSeeder.address)}"`), 20_000);
    expect(JSON.parse(connect)).toMatchObject({ type: 'peer_connect_alert', endpoint: lateSeeder.address });
    expect(Date.now() - joinedAt, 'libtorrent sends its first PEX within a second of having something to say; so should Tessera').toBeLessThan(10_000);
    await leecher.stop();
    assertDownloadOk(await run, { torrent, peers: { min: 1 }, hashFailures: 0 });
    await assertSameFile(join(root, 'full', 'pex.bin'), join(dir, 'pex.bin'));
  });
});
