/**
 * uTP over IPv6 (::1) with libtorrent, TCP turned off on its side (enable_outgoing_tcp and
 * enable_incoming_tcp false): every byte goes over uTP on Tessera's IPv6 UDP socket, so a
 * completed, byte-identical download with no hash failure proves uTP runs on IPv6 — both on
 * the socket it shares with the IPv6 DHT node and on its own (DHT off), and for incoming uTP.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDownloadOk, assertSameFile, Cleanup, createTorrent, requireBuiltCli, requireIpv6Loopback, requireTool, runLtLeecher, startLtSeeder, startTesseraSeed,
  tesseraDownload, writeRandomFile, type TorrentInfo,
} from '../support/index.js';

const V6 = '::1';
const SIZE = 2 * 1024 * 1024 + 777;
const cleanup = new Cleanup();
let root = '';
let source = '';
let torrent: TorrentInfo;

beforeAll(async () => {
  requireBuiltCli();
  requireTool('libtorrent');
  await requireIpv6Loopback();
  root = await cleanup.tempDir('utp6');
  source = join(root, 'src', 'utp6.bin');
  await writeRandomFile(source, SIZE, 'utp-ipv6');
  torrent = await createTorrent({ path: source, out: join(root, 'utp6.torrent'), pieceLength: 64 * 1024 });
});
afterAll(() => cleanup.run());

describe('uTP over IPv6 with libtorrent (TCP off on its side, ::1 only)', () => {
  for (const [name, extraArgs] of [
    ['on the UDP socket of the IPv6 DHT node', ['--dht-bootstrap', '[::1]:9']],
    ['on its own IPv6 UDP socket (DHT off)', ['--no-dht']],
  ] as const) {
    it(`Tessera downloads from a uTP-only libtorrent seeder on [::1], ${name}`, async () => {
      const seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), host: V6, utpOnly: true });
      expect(seeder.address).toBe(`[::1]:${seeder.port}`);
      const tag = extraArgs[0].slice(2);
      const dir = join(root, `dl-${tag}`);
      const r = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [seeder.address], configHome: join(root, `home-${tag}`), timeoutMs: 120_000, extraArgs: [...extraArgs] });
      assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0, exactDownloaded: true });
      await assertSameFile(source, join(dir, 'utp6.bin'));
      expect(r.stderr).not.toMatch(/uTP.*(no IPv6|is off)/);
      await seeder.stop();
    });
  }

  it('a uTP-only libtorrent leecher on [::1] downloads from tessera seed', async () => {
    const tessera = await startTesseraSeed(cleanup, { torrent: torrent.torrentPath, dir: join(root, 'src'), stateDir: join(root, 'state-seed') });
    const dl = join(root, 'lt-dl');
    const r = await runLtLeecher(cleanup, {
      torrent: torrent.torrentPath, host: V6, save: dl, peers: [`[::1]:${tessera.port}`], timeoutSeconds: 120, progressInterval: 0, utpOnly: true,
    });
    await assertSameFile(source, join(dl, 'utp6.bin'));
    expect(r.hashFailures).toBe(0);
    expect(r.peers.find((p) => p.endpoint === `::1:${tessera.port}`)?.downloaded).toBeGreaterThanOrEqual(SIZE);
    expect((await tessera.interrupt()).code, tessera.proc.describe()).toBe(0);
  });
});
