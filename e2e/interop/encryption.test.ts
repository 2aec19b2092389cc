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
  assertDownloadOk, assertSameFile, Cleanup, createTorrent, requireBuiltCli, runLtLeecher, startLtLeecher, startLtSeeder, startTesseraSeed,
  tesseraDownload, writeRandomFile, type TesseraSeeder, type TorrentInfo,
} from '../support/index.js';

const SIZE = 12 * 1024 * 1024 + 12_345;
/** libtorrent's enums: out/in_enc_policy forced = 0, disabled = 2; allowed_enc_level plaintext = 1, rc4 = 2, both = 3. */
const FORCED = 0;
const DISABLED = 2;
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

/** A libtorrent leecher with `settings` that must get nothing from `seeder` within a few seconds. */
async function expectNothingFrom(seeder: TesseraSeeder, name: string, settings: Record<string, number | boolean>): Promise<void> {
  const l = await startLtLeecher(cleanup, { torrent: torrent.torrentPath, save: join(root, `refused-${name}`), peers: [seeder.address], timeoutSeconds: 5, progressInterval: 0, settings });
  await l.proc.exited;
  const end = l.proc.jsonLines().find((j) => j.event === 'timeout' || j.event === 'done');
  expect(end, l.proc.describe()).toMatchObject({ event: 'timeout', bytes: 0 });
}

describe('encryption modes (tessera --encryption)', () => {
  it('require: only RC4 connections — plain and MSE-then-plaintext leechers get nothing, a default libtorrent gets all', async () => {
    const seeder = await startTesseraSeed(cleanup, { torrent: torrent.torrentPath, dir: join(root, 'src'), stateDir: join(root, 'state-require'), extraArgs: ['--encryption', 'require'] });
    await expectNothingFrom(seeder, 'plain', { out_enc_policy: DISABLED, in_enc_policy: DISABLED });
    await expectNothingFrom(seeder, 'mse-plaintext', { out_enc_policy: FORCED, allowed_enc_level: PLAINTEXT });
    const dl = join(root, 'lt-dl-require');
    const r = await runLtLeecher(cleanup, { torrent: torrent.torrentPath, save: dl, peers: [seeder.address], timeoutSeconds: 60, progressInterval: 0 });
    expect(r.hashFailures).toBe(0);
    await assertSameFile(source, join(dl, 'secret.bin'));
    expect((await seeder.interrupt()).code, seeder.proc.describe()).toBe(0);
  });

  it('disable: an MSE-only leecher gets nothing, a default libtorrent (falling back to plain) gets all', async () => {
    const seeder = await startTesseraSeed(cleanup, { torrent: torrent.torrentPath, dir: join(root, 'src'), stateDir: join(root, 'state-disable'), extraArgs: ['--encryption', 'disable'] });
    await expectNothingFrom(seeder, 'forced', { out_enc_policy: FORCED, allowed_enc_level: BOTH });
    const dl = join(root, 'lt-dl-disable');
    const r = await runLtLeecher(cleanup, { torrent: torrent.torrentPath, save: dl, peers: [seeder.address], timeoutSeconds: 60, progressInterval: 0 });
    expect(r.hashFailures).toBe(0);
    await assertSameFile(source, join(dl, 'secret.bin'));
    expect((await seeder.interrupt()).code, seeder.proc.describe()).toBe(0);
  });

  it('require: Tessera dials with RC4 at once, and gets nothing from a libtorrent seeder that only speaks plain', async () => {
    const rc4Only = await startLtSeeder(cleanup, {
      torrents: [torrent.torrentPath], save: join(root, 'src'), host: '127.0.0.2',
      settings: { in_enc_policy: FORCED, allowed_enc_level: RC4, prefer_rc4: true },
    });
    const dir = join(root, 'tessera-dl-require');
    const ok = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [rc4Only.address], configHome: join(root, 'home-require'), timeoutMs: 60_000, extraArgs: ['--encryption', 'require'] });
    assertDownloadOk(ok, { torrent, peers: 1, hashFailures: 0, exactDownloaded: true });
    await assertSameFile(source, join(dir, 'secret.bin'));
    await rc4Only.stop();

    const plainOnly = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), host: '127.0.0.3', settings: { in_enc_policy: DISABLED } });
    const refused = await tesseraDownload({
      torrent: torrent.torrentPath, dir: join(root, 'tessera-dl-refused'), peers: [plainOnly.address], configHome: join(root, 'home-refused'),
      timeoutMs: 5_000, extraArgs: ['--encryption', 'require'],
    });
    expect(refused.timedOut, `tessera finished against a plain-only peer: ${refused.stdout}`).toBe(true);
    await plainOnly.stop();
  });
});
