/**
 * Issue 2, test 3: 64 MiB from three libtorrent seeders at once (three --peer flags).
 * More than one peer must have sent data, by Tessera's own count and by the seeders'.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDownloadOk, assertSameFile, Cleanup, createTorrent, requireBuiltCli, startLtSeeder, tesseraDownload, writeRandomFile, type LtSeeder, type TorrentInfo } from '../support/index.js';

const SIZE = 64 * 1024 * 1024;
const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
const seeders: LtSeeder[] = [];

/** Payload bytes a seeder reports having uploaded (its latest status line). */
function uploadedBy(s: LtSeeder): number {
  const status = s.proc.jsonLines().filter((l) => l.event === 'status');
  const last = status[status.length - 1];
  return typeof last?.uploaded === 'number' ? last.uploaded : 0;
}

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('three-seeders');
  await writeRandomFile(join(root, 'src', 'sixty-four.bin'), SIZE, 'three-seeders');
  torrent = await createTorrent({ path: join(root, 'src', 'sixty-four.bin'), out: join(root, 'sixty-four.torrent'), pieceLength: 256 * 1024 });
  for (let i = 0; i < 3; i++) {
    seeders.push(await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), statusInterval: 0.25 }));
  }
});
afterAll(() => cleanup.run());

describe('64 MiB from three libtorrent seeders at once', () => {
  it('downloads byte-identical using more than one seeder', async () => {
    const dir = join(root, 'dl');
    const r = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: seeders.map((s) => s.address), configHome: join(root, 'home'), timeoutMs: 180_000 });
    const j = assertDownloadOk(r, { torrent, peers: { min: 2 }, hashFailures: 0 });
    expect(j.peers).toBeLessThanOrEqual(3);
    await assertSameFile(join(root, 'src', 'sixty-four.bin'), join(dir, 'sixty-four.bin'));

    // The seeders' side of the story: at least two of them uploaded payload.
    await new Promise((res) => setTimeout(res, 800));
    const uploaded = seeders.map(uploadedBy);
    expect(uploaded.filter((u) => u > 0).length, `seeders uploaded ${JSON.stringify(uploaded)}`).toBeGreaterThanOrEqual(2);
    expect(uploaded.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(SIZE);
  });
});
