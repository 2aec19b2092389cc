/**
 * Message Stream Encryption (MSE/PE) against libtorrent, both directions. libtorrent set to
 * `forced` refuses every unencrypted connection, and with `allowed_enc_level` = RC4 it refuses
 * to fall back to plaintext after the MSE handshake — so a download that completes proves the
 * handshake and the RC4 stream both ways are right (one wrong byte would fail a hash or the
 * handshake).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDownloadOk, assertSameFile, Cleanup, createTorrent, requireBuiltCli, runLtLeecher, startLtSeeder, startTesseraSeed,
  tesseraDownload, writeRandomFile, type TorrentInfo,
} from '../support/index.js';

const SIZE = 12 * 1024 * 1024 + 12_345;
/** libtorrent's enums: out/in_enc_policy forced = 0; allowed_enc_level plaintext = 1, rc4 = 2, both = 3. */
const FORCED = 0;
const PLAINTEXT = 1;
const RC4 = 2;
const BOTH = 3;

const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let source = '';

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('encryption');
  source = join(root, 'src', 'secret.bin');
  await writeRandomFile(source, SIZE, 'encryption');
  torrent = await createTorrent({ path: source, out: join(root, 'secret.torrent'), pieceLength: 256 * 1024 });
});
afterAll(() => cleanup.run());

describe('MSE: libtorrent dials Tessera', () => {
  for (const [level, name] of [[RC4, 'RC4'], [PLAINTEXT, 'plaintext after the MSE handshake']] as const) {
    it(`a libtorrent leecher that forces encryption (${name}) downloads from tessera seed`, async () => {
      const seeder = await startTesseraSeed(cleanup, { torrent: torrent.torrentPath, dir: join(root, 'src'), stateDir: join(root, `state-${level}`) });
      const dl = join(root, `lt-dl-${level}`);
      const r = await runLtLeecher(cleanup, {
        torrent: torrent.torrentPath,
        save: dl,
        peers: [seeder.address],
        timeoutSeconds: 60,
        progressInterval: 0,
        settings: { out_enc_policy: FORCED, in_enc_policy: FORCED, allowed_enc_level: level, prefer_rc4: level === RC4 },
      });
      await assertSameFile(source, join(dl, 'secret.bin'));
      expect(r.hashFailures).toBe(0);
      expect(r.peers.find((p) => p.endpoint === seeder.address)?.downloaded).toBeGreaterThanOrEqual(SIZE);
      expect((await seeder.interrupt()).code, seeder.proc.describe()).toBe(0);
    });
  }
});

describe('MSE: Tessera dials libtorrent', () => {
  for (const [level, name] of [[RC4, 'RC4 only'], [BOTH, 'RC4 or plaintext']] as const) {
    it(`downloads from a libtorrent seeder that refuses unencrypted peers (${name})`, async () => {
      const seeder = await startLtSeeder(cleanup, {
        torrents: [torrent.torrentPath],
        save: join(root, 'src'),
        host: '127.0.0.2',
        settings: { in_enc_policy: FORCED, out_enc_policy: FORCED, allowed_enc_level: level, prefer_rc4: level === RC4 },
      });
      const dir = join(root, `tessera-dl-${level}`);
      const r = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [seeder.address], configHome: join(root, `home-${level}`), timeoutMs: 90_000 });
      assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0, exactDownloaded: true });
      await assertSameFile(source, join(dir, 'secret.bin'));
      await seeder.stop();
    });
  }
});
