/**
 * Issue 5, torrent creation: `tessera create` on a folder with nested folders and an empty
 * file. libtorrent must load the output with the info-hash Tessera printed, see the same
 * files, options and piece geometry, and — seeding the original folder with it — verify
 * every piece (so the piece hashes and the file order agree with libtorrent's reading).
 * (electron/engine/metainfo/create.test.ts checks the info-hash of the library call on a
 * one-level folder; this goes through the CLI and has libtorrent check the data too.)
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cleanup, PYTHON, requireBuiltCli, requireTool, runTessera, runToEnd, startLtSeeder, writeTree, type FileSpec } from '../support/index.js';

const FILES: FileSpec[] = [
  { path: 'top.bin', size: 70_001 },
  { path: 'disc 1/01 - intro.bin', size: 33_333 },
  { path: 'disc 1/deep/er/still/x.bin', size: 100_000 },
  { path: 'disc 1/empty.txt', size: 0 },
  { path: 'disc 2/ü-名前.bin', size: 5 },
  { path: 'disc 2/z.bin', size: 65_536 },
];
const PIECE = 32 * 1024;

const cleanup = new Cleanup();
let root = '';

const LT_READ = `
import json, sys, libtorrent as lt
ti = lt.torrent_info(sys.argv[1])
fs = ti.files()
print(json.dumps({
  "infoHash": str(ti.info_hashes().v1),
  "name": ti.name(),
  "pieceLength": ti.piece_length(),
  "pieces": ti.num_pieces(),
  "totalSize": ti.total_size(),
  "private": ti.priv(),
  "comment": ti.comment(),
  "trackers": [t.url for t in ti.trackers()],
  "files": [[fs.file_path(i).replace("\\\\", "/"), fs.file_size(i)] for i in range(fs.num_files())],
}))
`;

beforeAll(async () => {
  requireBuiltCli();
  requireTool('libtorrent');
  root = await cleanup.tempDir('lifecycle-create');
  await writeTree(join(root, 'src', 'album'), FILES, 'lifecycle-create');
});
afterAll(() => cleanup.run());

describe('tessera create, read and checked by libtorrent', () => {
  it('libtorrent loads it with the same info-hash and verifies every piece of the original data', async () => {
    const out = join(root, 'album.torrent');
    // v1 here (the default is a hybrid: see v2-libtorrent.test.ts for v2 and hybrid creation).
    const r = await runTessera(['create', join(root, 'src', 'album'), '-o', out, '--format', 'v1', '--piece-length', String(PIECE), '--tracker', 'http://127.0.0.1:1/announce', '--private', '--comment', 'nested'], {
      timeoutMs: 60_000,
    });
    expect(r.exit.code, r.stderr).toBe(0);
    const printed = /info-hash ([0-9a-f]{40})/.exec(r.stdout)?.[1];
    expect(printed, r.stdout).toBeDefined();

    const lt = await runToEnd(PYTHON, ['-c', LT_READ, out], { timeoutMs: 30_000, label: 'lt read' });
    expect(lt.exit.code, lt.stderr).toBe(0);
    const info = JSON.parse(lt.stdout.trim()) as {
      infoHash: string;
      name: string;
      pieceLength: number;
      pieces: number;
      totalSize: number;
      private: boolean;
      comment: string;
      trackers: string[];
      files: Array<[string, number]>;
    };
    expect(info.infoHash).toBe(printed);
    expect(info).toMatchObject({ name: 'album', pieceLength: PIECE, private: true, comment: 'nested', trackers: ['http://127.0.0.1:1/announce'] });
    const total = FILES.reduce((n, f) => n + f.size, 0);
    expect(info.totalSize).toBe(total);
    expect(info.pieces).toBe(Math.ceil(total / PIECE));
    expect(new Map(info.files)).toEqual(new Map(FILES.map((f) => [`album/${f.path}`, f.size])));

    // libtorrent hashes the original folder against Tessera's piece hashes: READY means all verified.
    const seeder = await startLtSeeder(cleanup, { torrents: [out], save: join(root, 'src'), readyTimeoutMs: 60_000 });
    expect(seeder.infoHashes).toEqual([printed]);
    await seeder.stop();
  });
});
