/**
 * Issue 5, seeding: a libtorrent leecher downloads 64 MiB from `tessera seed` alone,
 * byte-identical. Tessera is its only peer, so every byte it verified came from Tessera;
 * both sides' counters say so. Ctrl-C then stops the seeder cleanly (exit 0).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSameFile, Cleanup, createTorrent, requireBuiltCli, runLtLeecher, startTesseraSeed, writeRandomFile, type TorrentInfo } from '../support/index.js';

const SIZE = 64 * 1024 * 1024;
const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('seeding-lt-leecher');
  await writeRandomFile(join(root, 'src', 'sixty-four.bin'), SIZE, 'seeding-lt-leecher');
  torrent = await createTorrent({ path: join(root, 'src', 'sixty-four.bin'), out: join(root, 'sixty-four.torrent'), pieceLength: 256 * 1024 });
});
afterAll(() => cleanup.run());

describe('tessera seed → libtorrent leecher', () => {
  it('a libtorrent leecher downloads 64 MiB from Tessera alone, byte-identical', async () => {
    const seeder = await startTesseraSeed(cleanup, { torrent: torrent.torrentPath, dir: join(root, 'src'), stateDir: join(root, 'state') });
    expect(seeder.ready).toMatchObject({ infoHash: torrent.infoHash, pieces: torrent.pieces, verified: torrent.pieces });

    const dl = join(root, 'dl');
    const r = await runLtLeecher(cleanup, { torrent: torrent.torrentPath, save: dl, peers: [seeder.address], timeoutSeconds: 120, progressInterval: 0 });
    await assertSameFile(join(root, 'src', 'sixty-four.bin'), join(dl, 'sixty-four.bin'));
    expect(r.hashFailures).toBe(0);
    // The leecher's own per-peer account: everything from Tessera's listening endpoint.
    const fromTessera = r.peers.find((p) => p.endpoint === seeder.address);
    expect(fromTessera, `leecher peers: ${JSON.stringify(r.peers)}`).toBeDefined();
    expect(fromTessera!.downloaded).toBeGreaterThanOrEqual(SIZE);
    expect(fromTessera!.client).toMatch(/^Tessera /);
    expect(r.peers).toHaveLength(1);

    // Tessera's account: the status lines (one a second) reach the full size.
    const deadline = Date.now() + 5_000;
    while (Number(seeder.lastStatus()?.uploaded ?? 0) < SIZE && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    const status = seeder.lastStatus();
    expect(status?.state).toBe('seeding');
    expect(Number(status?.uploaded)).toBeGreaterThanOrEqual(SIZE);

    const exit = await seeder.interrupt();
    expect(exit.code, seeder.proc.describe()).toBe(0);
  });
});
