/**
 * `tessera create` against libtorrent's create_torrent (python3-libtorrent 2.0): libtorrent
 * sees the tracker tiers, web seeds and 'source' Tessera writes; on the same folder (nested
 * folders, mixed case, dotfiles, empty, executable and non-ASCII files) v2 and hybrid
 * torrents are the same info dictionary, byte for byte, with a given piece length and with
 * the automatic one; a v1 torrent lists the same files in the order libtorrent gives the
 * hybrid (libtorrent's own v1 order is the file system's listing order). And Ctrl-C while
 * hashing leaves no .torrent and no temp file.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cleanup, ManagedProcess, PYTHON, REPO_ROOT, requireBuiltCli, requireTool, runTessera, runToEnd, writeTree, type FileSpec } from '../support/index.js';
import { tesseraEnv } from '../support/tessera.js';

const FILES: FileSpec[] = [
  { path: 'Zeta.bin', size: 70_001 },
  { path: 'alpha/one.bin', size: 33_333 },
  { path: 'alpha/Deep/er/x.bin', size: 100_000 },
  { path: 'alpha/empty.txt', size: 0 },
  { path: 'alpha-b.bin', size: 5 },
  { path: '.hidden', size: 12 },
  { path: '.config/settings', size: 700 },
  { path: 'ü-名前.bin', size: 16_384 },
  { path: 'Ä.txt', size: 3 },
  { path: '10.bin', size: 65_536 },
  { path: '9.bin', size: 1 },
  { path: 'zz-empty', size: 0 },
];
const EXECUTABLE = 'alpha/one.bin';

const cleanup = new Cleanup();
let root = '';
let album = '';

/** libtorrent's torrent of a path: lt.add_files + create_torrent, no creation date. Prints its hashes and files. */
const LT_MAKE = `
import hashlib, json, os, sys, libtorrent as lt
path, fmt, piece, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
fs = lt.file_storage()
lt.add_files(fs, path)
flags = {"v1": lt.create_torrent.v1_only, "v2": lt.create_torrent.v2_only, "hybrid": 0}[fmt]
ct = lt.create_torrent(fs, piece, flags=flags)
lt.set_piece_hashes(ct, os.path.dirname(path))
e = ct.generate()
e.pop(b"creation date", None)
open(out, "wb").write(lt.bencode(e))
info = lt.bencode(e[b"info"])
files = ct.files()
print(json.dumps({
  "sha1": hashlib.sha1(info).hexdigest(),
  "sha256": hashlib.sha256(info).hexdigest(),
  "pieceLength": ct.piece_length(),
  "files": [files.file_path(i) for i in range(files.num_files()) if not files.file_flags(i) & 1],
}))
`;

/** What libtorrent reads from a .torrent. */
const LT_READ = `
import json, sys, libtorrent as lt
ti = lt.torrent_info(sys.argv[1])
info = lt.bdecode(ti.info_section())
fs = ti.files()
print(json.dumps({
  "infoHash": str(ti.info_hashes().v1),
  "trackers": [[t.url, t.tier] for t in ti.trackers()],
  "webSeeds": [w["url"] for w in ti.web_seeds()],
  "source": info.get(b"source", b"").decode(),
  "files": [fs.file_path(i) for i in range(fs.num_files()) if not fs.file_flags(i) & 1],
}))
`;

interface LtMade {
  sha1: string;
  sha256: string;
  pieceLength: number;
  files: string[];
}

async function python<T>(script: string, args: string[]): Promise<T> {
  const r = await runToEnd(PYTHON, ['-c', script, ...args], { timeoutMs: 60_000, label: 'libtorrent' });
  expect(r.exit.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim()) as T;
}

async function tesseraCreate(out: string, args: string[]): Promise<{ v1: string | null; v2: string | null }> {
  const r = await runTessera(['create', album, '-o', out, '--no-date', ...args], { timeoutMs: 60_000 });
  expect(r.exit.code, r.stderr).toBe(0);
  return { v1: /^info-hash ([0-9a-f]{40})$/m.exec(r.stdout)?.[1] ?? null, v2: /^v2 info-hash ([0-9a-f]{64})$/m.exec(r.stdout)?.[1] ?? null };
}

beforeAll(async () => {
  requireBuiltCli();
  requireTool('libtorrent');
  root = await cleanup.tempDir('create-libtorrent');
  album = join(root, 'Album');
  await writeTree(album, FILES, 'create-libtorrent');
  chmodSync(join(album, EXECUTABLE), 0o755);
  // Sparse, 6 MiB in all: libtorrent's automatic piece length is then 32 KiB, not the smallest.
  const sparse = join(album, 'alpha', 'Deep', 'sparse.bin');
  writeFileSync(sparse, '');
  truncateSync(sparse, 6 * 1024 * 1024);
});
afterAll(() => cleanup.run());

describe('tessera create, compared with libtorrent create_torrent', () => {
  it('libtorrent sees the tracker tiers, web seeds and source', async () => {
    const out = join(root, 'announce.torrent');
    const made = await tesseraCreate(out, [
      '--format', 'v1',
      '--tracker', 'http://127.0.0.1:1/announce,udp://127.0.0.1:2',
      '--tracker', 'http://127.0.0.1:3/announce',
      '--web-seed', 'http://127.0.0.1:4/files/',
      '--web-seed', 'https://127.0.0.1:5/files/',
      '--source', 'TESSERA-TEST',
    ]);
    const lt = await python<{ infoHash: string; trackers: Array<[string, number]>; webSeeds: string[]; source: string }>(LT_READ, [out]);
    expect(lt.infoHash).toBe(made.v1);
    // libtorrent shuffles the trackers within a tier as it loads them (BEP 12).
    expect([...lt.trackers].sort()).toEqual([
      ['http://127.0.0.1:1/announce', 0],
      ['http://127.0.0.1:3/announce', 1],
      ['udp://127.0.0.1:2', 0],
    ]);
    expect(lt.webSeeds).toEqual(['http://127.0.0.1:4/files/', 'https://127.0.0.1:5/files/']);
    expect(lt.source).toBe('TESSERA-TEST');
  });

  it.each([
    ['hybrid', 32 * 1024],
    ['v2', 32 * 1024],
    ['hybrid', 0],
    ['v2', 0],
  ] as const)('%s, piece length %i (0: automatic): the same info dictionary as libtorrent', async (format, piece) => {
    const ltOut = join(root, `lt-${format}-${piece}.torrent`);
    const lt = await python<LtMade>(LT_MAKE, [album, format, String(piece), ltOut]);
    const ours = await tesseraCreate(join(root, `tessera-${format}-${piece}.torrent`), ['--format', format, ...(piece > 0 ? ['--piece-length', String(piece)] : [])]);
    expect(ours.v2).toBe(lt.sha256);
    if (format === 'hybrid') expect(ours.v1).toBe(lt.sha1);
  });

  it('v1: the same files as libtorrent, in the order libtorrent gives its hybrid', async () => {
    const hybrid = await python<LtMade>(LT_MAKE, [album, 'hybrid', String(32 * 1024), join(root, 'lt-order.torrent')]);
    const v1 = await python<LtMade>(LT_MAKE, [album, 'v1', String(32 * 1024), join(root, 'lt-v1.torrent')]);
    const out = join(root, 'tessera-v1.torrent');
    await tesseraCreate(out, ['--format', 'v1', '--piece-length', String(32 * 1024)]);
    const ours = await python<{ files: string[] }>(LT_READ, [out]);
    expect(ours.files).toEqual(hybrid.files);
    expect([...ours.files].sort()).toEqual([...v1.files].sort());
  });
});

describe('tessera create interrupted', () => {
  it('Ctrl-C while hashing leaves no .torrent and no temp file', async () => {
    const dir = join(root, 'big');
    mkdirSync(dir);
    // Sparse: 4 GiB that cost no disk and take seconds to hash.
    const big = join(dir, 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, 4 * 1024 ** 3);
    const outDir = join(root, 'big-out');
    mkdirSync(outDir);
    const out = join(outDir, 'big.torrent');
    const proc = new ManagedProcess(process.execPath, [requireBuiltCli(), 'create', big, '-o', out, '--format', 'v1'], {
      cwd: REPO_ROOT,
      env: tesseraEnv(),
      label: 'tessera create',
    });
    cleanup.add(() => proc.stop());
    // The first progress line (10 %) says hashing is under way.
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      proc.child.stderr?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (/hashing: \d+%/.test(seen)) resolve();
      });
      void proc.exited.then(() => reject(new Error(`exited before any progress line:\n${proc.stderr}`)));
    });
    proc.child.kill('SIGINT');
    const exit = await proc.exited;
    expect(exit.code === 130 || exit.signal === 'SIGINT', JSON.stringify(exit)).toBe(true);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(outDir)).toEqual([]);
  });
});
