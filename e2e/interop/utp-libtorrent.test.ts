/**
 * uTP (BEP 29) against libtorrent with TCP turned off on its side (enable_outgoing_tcp and
 * enable_incoming_tcp false): every byte goes over uTP, both directions, and with MSE forced
 * over uTP. A completed, byte-identical download with no hash failure proves the transport.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDownloadOk, assertSameFile, Cleanup, createTorrent, requireBuiltCli, runLtLeecher, startLtSeeder, startTesseraSeed,
  tesseraDownload, writeRandomFile, type TorrentInfo,
} from '../support/index.js';

const SIZE = 3 * 1024 * 1024 + 4321;
/** libtorrent's enums: out/in_enc_policy forced = 0; allowed_enc_level rc4 = 2. */
const FORCED = 0;
const RC4 = 2;

const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let source = '';

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('utp');
  source = join(root, 'src', 'utp.bin');
  await writeRandomFile(source, SIZE, 'utp');
  torrent = await createTorrent({ path: source, out: join(root, 'utp.torrent'), pieceLength: 128 * 1024 });
});
afterAll(() => cleanup.run());

describe('uTP with libtorrent (TCP off on its side)', () => {
  it('Tessera downloads from a uTP-only libtorrent seeder', async () => {
    const seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), host: '127.0.0.2', utpOnly: true });
    const dir = join(root, 'dl-plain');
    const r = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [seeder.address], configHome: join(root, 'home-plain'), timeoutMs: 120_000 });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0, exactDownloaded: true });
    await assertSameFile(source, join(dir, 'utp.bin'));
    await seeder.stop();
  });

  it('Tessera downloads from a uTP-only libtorrent seeder that forces RC4 encryption (MSE over uTP)', async () => {
    const seeder = await startLtSeeder(cleanup, {
      torrents: [torrent.torrentPath], save: join(root, 'src'), host: '127.0.0.3', utpOnly: true,
      settings: { in_enc_policy: FORCED, out_enc_policy: FORCED, allowed_enc_level: RC4, prefer_rc4: true },
    });
    const dir = join(root, 'dl-rc4');
    const r = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [seeder.address], configHome: join(root, 'home-rc4'), timeoutMs: 120_000 });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0, exactDownloaded: true });
    await assertSameFile(source, join(dir, 'utp.bin'));
    await seeder.stop();
  });

  it('over the UDP socket it shares with its DHT node (datagrams demultiplexed), Tessera downloads from a uTP-only seeder', async () => {
    const seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), host: '127.0.0.4', utpOnly: true });
    const dir = join(root, 'dl-dht');
    // A DHT node with a bootstrap address nobody answers: the DHT runs on the uTP port, finds nothing.
    const r = await tesseraDownload({
      torrent: torrent.torrentPath, dir, peers: [seeder.address], configHome: join(root, 'home-dht'), timeoutMs: 120_000,
      extraArgs: ['--dht-bootstrap', '127.0.0.1:9', '--verbose'],
    });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0, exactDownloaded: true });
    await assertSameFile(source, join(dir, 'utp.bin'));
    expect(r.stderr).not.toMatch(/uTP.* on UDP port/); // uTP did not fail to bind a socket of its own
    await seeder.stop();
  });

  it('a uTP-only libtorrent leecher downloads from tessera seed', async () => {
    const seeder = await startTesseraSeed(cleanup, { torrent: torrent.torrentPath, dir: join(root, 'src'), stateDir: join(root, 'state-seed') });
    const dl = join(root, 'lt-dl');
    const r = await runLtLeecher(cleanup, { torrent: torrent.torrentPath, save: dl, peers: [seeder.address], timeoutSeconds: 120, progressInterval: 0, utpOnly: true });
    await assertSameFile(source, join(dl, 'utp.bin'));
    expect(r.hashFailures).toBe(0);
    expect(r.peers.find((p) => p.endpoint === seeder.address)?.downloaded).toBeGreaterThanOrEqual(SIZE);
    expect((await seeder.interrupt()).code, seeder.proc.describe()).toBe(0);
  });

  it('a uTP-only libtorrent leecher that forces RC4 downloads from tessera seed', async () => {
    const seeder = await startTesseraSeed(cleanup, { torrent: torrent.torrentPath, dir: join(root, 'src'), stateDir: join(root, 'state-seed-rc4') });
    const dl = join(root, 'lt-dl-rc4');
    const r = await runLtLeecher(cleanup, {
      torrent: torrent.torrentPath, save: dl, peers: [seeder.address], timeoutSeconds: 120, progressInterval: 0, utpOnly: true,
      settings: { out_enc_policy: FORCED, in_enc_policy: FORCED, allowed_enc_level: RC4, prefer_rc4: true },
    });
    await assertSameFile(source, join(dl, 'utp.bin'));
    expect(r.hashFailures).toBe(0);
    expect((await seeder.interrupt()).code, seeder.proc.describe()).toBe(0);
  });
});
