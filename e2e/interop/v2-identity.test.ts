/**
 * BEP 52 identities against libtorrent: a hybrid torrent is one torrent whatever hash names it.
 *  - A magnet with only `urn:btmh` of a hybrid becomes the hybrid once its metadata arrives (as
 *    libtorrent's set_metadata): it learns its v1 hash, so a v1-only libtorrent (a btih magnet)
 *    connects and downloads from it; the .torrent and the btih magnet added later are the same
 *    torrent; it is restored after a restart.
 *  - A magnet waiting for its metadata takes it from its .torrent added again.
 *  - A btih magnet and a btmh magnet of one hybrid, both waiting for metadata, become one
 *    torrent once the metadata shows they are the same (the one without metadata goes).
 *  - libtorrent dialling a BEP 52 peer (pex_lt_v2) uses the truncated v2 hash, here under
 *    forced RC4 encryption: `tessera seed` routes the MSE handshake by it, v2-only and hybrid.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, type EngineSession, type EngineTorrent } from '../../electron/engine/index.js';
import { StateStore } from '../../electron/engine/resume/state-store.js';
import {
  assertSameTree,
  Cleanup,
  createTorrent,
  requireBuiltCli,
  runLtLeecher,
  startLtSeeder,
  startTesseraSeed,
  waitForTorrent,
  writeTree,
  type FileSpec,
  type LtSeeder,
  type TorrentInfo,
} from '../support/index.js';

const PIECE = 32 * 1024;
const FILES: FileSpec[] = [
  { path: 'big.bin', size: 6 * PIECE + 999 },
  { path: 'docs/small.txt', size: 700 },
  { path: 'media/two.bin', size: 2 * PIECE },
];
/** libtorrent settings: encryption forced both ways, RC4 only (pe_forced = 0, pe_rc4 = 2). */
const FORCED_RC4 = { out_enc_policy: 0, in_enc_policy: 0, allowed_enc_level: 2 };

const cleanup = new Cleanup();
let root = '';
let v2: TorrentInfo;
let hybrid: TorrentInfo;
let seeder: LtSeeder;

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('v2-identity');
  await writeTree(join(root, 'src', 'tree'), FILES, 'v2-identity');
  v2 = await createTorrent({ path: join(root, 'src', 'tree'), out: join(root, 'v2.torrent'), pieceLength: PIECE, v2: true });
  hybrid = await createTorrent({ path: join(root, 'src', 'tree'), out: join(root, 'hybrid.torrent'), pieceLength: PIECE, hybrid: true });
  seeder = await startLtSeeder(cleanup, { torrents: [v2.torrentPath, hybrid.torrentPath], save: join(root, 'src') });
});
afterAll(() => cleanup.run());

function openSession(name: string): Promise<EngineSession> {
  return createSession({ downloadDir: join(root, name), port: 0, listenHost: '127.0.0.1', dht: false, stateDir: join(root, `${name}-state`), restore: true });
}

const seederPeer = (): { host: string; port: number } => ({ host: '127.0.0.1', port: seeder.port });
const btmh = (): string => `urn:btmh:1220${hybrid.infoHashV2!}`;
const waitSeeding = (t: EngineTorrent): Promise<void> => waitForTorrent(t, 'seeding', () => t.stats().state === 'seeding', 120_000);

describe('one hybrid torrent, whichever hash names it', () => {
  it('a btmh-only magnet becomes the hybrid: v1-only peers reach it, other adds are duplicates, a restart restores it', async () => {
    let session = await openSession('btmh');
    try {
      const dir = join(root, 'btmh');
      const t = await session.add({ kind: 'magnet', uri: `magnet:?xt=${btmh()}&dn=tree` }, { savePath: dir, peers: [seederPeer()] });
      await waitSeeding(t);
      await assertSameTree(join(root, 'src', 'tree'), join(dir, 'tree'));
      expect(session.get(hybrid.infoHash)).toBe(t);
      for (const source of [
        { kind: 'torrent' as const, bytes: await readFile(hybrid.torrentPath) },
        { kind: 'magnet' as const, uri: `magnet:?xt=urn:btih:${hybrid.infoHash}` },
        { kind: 'magnet' as const, uri: `magnet:?xt=urn:btih:${hybrid.infoHash}&xt=${btmh()}` },
      ]) {
        expect(await session.add(source, { savePath: dir })).toBe(t);
      }
      expect(session.list()).toHaveLength(1);

      // libtorrent knowing only the v1 hash dials by it (plain or MSE) and gets everything from Tessera.
      const lt = join(root, 'lt-v1');
      const r = await runLtLeecher(cleanup, { magnet: `magnet:?xt=urn:btih:${hybrid.infoHash}&dn=tree`, save: lt, peers: [`127.0.0.1:${session.port}`], timeoutSeconds: 120, progressInterval: 0 });
      expect(r.hashFailures).toBe(0);
      await assertSameTree(join(root, 'src', 'tree'), join(lt, 'tree'));

      await session.close();
      session = await openSession('btmh');
      const again = session.list();
      expect(again.map((x) => x.infoHash)).toEqual([t.infoHash]);
      await waitSeeding(again[0]!);
      expect(again[0]!.stats()).toMatchObject({ verifiedPieces: hybrid.pieces, resumedPieces: hybrid.pieces });
      expect(session.get(hybrid.infoHash)).toBe(again[0]);
    } finally {
      await session.close();
    }
  });

  it('the .torrent added in a session that restores nothing (the CLI) finds the record its btmh magnet left: no re-hash, one record', async () => {
    const dir = join(root, 'rekey');
    const first = await openSession('rekey');
    try {
      const t = await first.add({ kind: 'magnet', uri: `magnet:?xt=${btmh()}&dn=tree` }, { savePath: dir, peers: [seederPeer()] });
      await waitSeeding(t);
    } finally {
      await first.close();
    }
    const records = async (): Promise<string[]> => new StateStore(join(root, 'rekey-state')).list();
    expect(await records()).toEqual([hybrid.infoHashV2!.slice(0, 40)]);

    const cli = await createSession({ downloadDir: dir, port: 0, listenHost: '127.0.0.1', dht: false, stateDir: join(root, 'rekey-state'), restore: false });
    try {
      const t = await cli.add({ kind: 'torrent', bytes: await readFile(hybrid.torrentPath) }, { savePath: dir });
      await waitSeeding(t);
      expect(t.stats()).toMatchObject({ resumedPieces: hybrid.pieces, checkedPieces: 0 });
      await expect.poll(records, { timeout: 10_000 }).toEqual([hybrid.infoHash]);
    } finally {
      await cli.close();
    }

    // Two records of the one torrent (as an older version left them): a restart runs one of them.
    const store = new StateStore(join(root, 'rekey-state'));
    const kept = await store.load(hybrid.infoHash);
    const v2Key = hybrid.infoHashV2!.slice(0, 40);
    await store.saveTorrent(v2Key, kept.torrent!);
    await store.saveResume({ ...kept.resume!, infoHash: v2Key });
    expect(await records()).toHaveLength(2);
    const again = await openSession('rekey');
    try {
      expect(again.list()).toHaveLength(1);
    } finally {
      await again.close();
    }
  });

  it('a btih+btmh magnet is the same torrent as its .torrent and as its btmh-only magnet, and takes its metadata from the .torrent', async () => {
    const session = await openSession('both');
    try {
      const t = await session.add({ kind: 'magnet', uri: `magnet:?xt=urn:btih:${hybrid.infoHash}&xt=${btmh()}` }, { savePath: join(root, 'both') });
      expect(await session.add({ kind: 'magnet', uri: `magnet:?xt=${btmh()}` })).toBe(t);
      expect(await session.add({ kind: 'torrent', bytes: await readFile(hybrid.torrentPath) })).toBe(t);
      expect(session.list()).toHaveLength(1);
      // The magnet had no peer: its metadata came from the .torrent added again.
      await waitForTorrent(t, 'metadata from the .torrent', () => t.stats().pieceCount === hybrid.pieces);
      t.addPeers([seederPeer()]);
      await waitSeeding(t);
      await assertSameTree(join(root, 'src', 'tree'), join(root, 'both', 'tree'));
    } finally {
      await session.close();
    }
  });

  it('a btih magnet and a btmh magnet waiting for metadata become one torrent when it arrives', async () => {
    const session = await openSession('pair');
    try {
      const tracker = 'http://127.0.0.1:9/announce';
      const waiting = await session.add({ kind: 'magnet', uri: `magnet:?xt=${btmh()}&tr=${encodeURIComponent(tracker)}` }, { savePath: join(root, 'pair') });
      const fetching = await session.add({ kind: 'magnet', uri: `magnet:?xt=urn:btih:${hybrid.infoHash}` }, { savePath: join(root, 'pair'), peers: [seederPeer()] });
      expect(session.list()).toHaveLength(2);
      await waitSeeding(fetching);
      await waitForTorrent(fetching, 'the other magnet removed', () => session.list().length === 1);
      expect(session.list()[0]).toBe(fetching);
      expect(session.get(waiting.infoHash)).toBe(fetching);
      expect(fetching.trackers().map((x) => x.url)).toContain(tracker);
    } finally {
      await session.close();
    }
  });

  for (const kind of ['v2', 'hybrid'] as const) {
    it(`libtorrent dials tessera seed (${kind}) by the v2 hash with RC4 forced, and downloads everything`, async () => {
      const torrent = kind === 'v2' ? v2 : hybrid;
      const tessera = await startTesseraSeed(cleanup, { torrent: torrent.torrentPath, dir: join(root, 'src'), stateDir: join(root, `enc-seed-${kind}`) });
      const dl = join(root, `lt-enc-${kind}`);
      const r = await runLtLeecher(cleanup, { torrent: torrent.torrentPath, save: dl, peersV2: [tessera.address], settings: FORCED_RC4, timeoutSeconds: 120, progressInterval: 0 });
      expect(r.hashFailures).toBe(0);
      await assertSameTree(join(root, 'src', 'tree'), join(dl, 'tree'));
      expect(r.peers.find((p) => p.endpoint === tessera.address)?.client).toMatch(/^Tessera /);
      const exit = await tessera.interrupt();
      expect(exit.code, tessera.proc.describe()).toBe(0);
    });
  }
});
