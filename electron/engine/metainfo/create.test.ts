import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BDict, decode, getDict, getList, getString } from '../bencode/index.js';
import { autoPieceLength, createTorrent, parseTorrent } from './index.js';
import { fileData } from './test-torrents.js';

const root = mkdtempSync(path.join(tmpdir(), 'tessera-create-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function expectPiecesMatch(torrent: Buffer, data: Buffer): void {
  const m = parseTorrent(torrent);
  expect(m.totalLength).toBe(data.length);
  for (let i = 0; i < m.pieceCount; i++) {
    const piece = data.subarray(i * m.pieceLength, (i + 1) * m.pieceLength);
    const expected = createHash('sha1').update(piece).digest();
    expect(m.pieceHashes.subarray(i * 20, i * 20 + 20).equals(expected)).toBe(true);
  }
}

describe('autoPieceLength', () => {
  it('picks what libtorrent 2.0 create_torrent picks (checked against it)', () => {
    const KiB = 1024;
    const MiB = 1024 * KiB;
    // Sizes and piece lengths printed by lt.create_torrent(fs).piece_length() for one file of that size.
    const fromLibtorrent: Array<[number, number]> = [
      [1, 16 * KiB],
      [2_684_355, 16 * KiB],
      [2_684_356, 32 * KiB],
      [5 * MiB, 32 * KiB],
      [100 * MiB, 128 * KiB],
      [1024 * MiB, 512 * KiB],
      [8 * 1024 * MiB, 1 * MiB],
      [64 * 1024 * MiB, 4 * MiB],
      [703_687_441_777, 8 * MiB],
      [703_687_441_778, 16 * MiB],
      [1024 ** 5, 16 * MiB],
    ];
    for (const [size, piece] of fromLibtorrent) expect([size, autoPieceLength(size)]).toEqual([size, piece]);
  });
});

describe('createTorrent', () => {
  it('creates a single-file torrent whose hashes match the data', async () => {
    const data = fileData(1_799_542, 1);
    const file = path.join(root, 'walkthrough.bin');
    writeFileSync(file, data);
    const torrent = await createTorrent({ sourcePath: file, pieceLength: 16384, creationDate: null });
    const m = parseTorrent(torrent);
    expect(m.name).toBe('walkthrough.bin');
    expect(m.multiFile).toBe(false);
    expect(m.pieceCount).toBe(110);
    expect(m.lastPieceLength).toBe(13_686);
    expect(m.creationDate).toBeNull();
    expectPiecesMatch(torrent, data);
  });

  it('creates a folder torrent: sorted paths, empty files kept, pieces across files', async () => {
    const dir = path.join(root, 'album');
    mkdirSync(path.join(dir, 'b-dir'), { recursive: true });
    mkdirSync(path.join(dir, 'a-dir', 'deep'), { recursive: true });
    const contents: Array<[string[], Buffer]> = [
      [['z.txt'], fileData(20_000, 2)],
      [['a-dir', 'deep', 'x.bin'], fileData(50_000, 3)],
      [['a-dir', 'empty'], Buffer.alloc(0)],
      [['b-dir', 'y.bin'], fileData(33_000, 4)],
      [['A.txt'], fileData(7, 5)],
    ];
    for (const [p, d] of contents) writeFileSync(path.join(dir, ...p), d);

    const torrent = await createTorrent({ sourcePath: dir, pieceLength: 16384, creationDate: null });
    const m = parseTorrent(torrent);
    expect(m.multiFile).toBe(true);
    expect(m.files.map((f) => f.path)).toEqual([
      'album/A.txt',
      'album/a-dir/deep/x.bin',
      'album/a-dir/empty',
      'album/b-dir/y.bin',
      'album/z.txt',
    ]);
    const byPath = new Map(contents.map(([p, d]) => [`album/${p.join('/')}`, d]));
    expectPiecesMatch(torrent, Buffer.concat(m.files.map((f) => byPath.get(f.path) as Buffer)));

    // Deterministic: the same input gives the same bytes.
    expect((await createTorrent({ sourcePath: dir, pieceLength: 16384, creationDate: null })).equals(torrent)).toBe(true);
  });

  it('follows symbolic links to files and folders; skips dangling links and loops with a warning', async () => {
    const outside = path.join(root, 'outside');
    mkdirSync(path.join(outside, 'sub'), { recursive: true });
    writeFileSync(path.join(outside, 'sub', 'in-linked-dir.bin'), fileData(3_000, 7));
    writeFileSync(path.join(outside, 'target.bin'), fileData(2_000, 8));
    const dir = path.join(root, 'links');
    mkdirSync(path.join(dir, 'real'), { recursive: true });
    writeFileSync(path.join(dir, 'real', 'r.bin'), fileData(1_000, 9));
    symlinkSync(path.join(outside, 'target.bin'), path.join(dir, 'file-link'));
    symlinkSync(path.join(outside, 'sub'), path.join(dir, 'dir-link'));
    symlinkSync(path.join(root, 'no-such-file'), path.join(dir, 'dangling'));
    symlinkSync(dir, path.join(dir, 'real', 'loop')); // back to the torrent's own root

    const warnings: string[] = [];
    const torrent = await createTorrent({ sourcePath: dir, pieceLength: 16384, creationDate: null, onWarning: (m) => warnings.push(m) });
    const m = parseTorrent(torrent);
    expect(m.files.map((f) => [f.path, f.length])).toEqual([
      ['links/dir-link/in-linked-dir.bin', 3_000],
      ['links/file-link', 2_000],
      ['links/real/r.bin', 1_000],
    ]);
    expect(m.files.every((f) => f.symlinkTarget === null)).toBe(true);
    expectPiecesMatch(torrent, Buffer.concat([fileData(3_000, 7), fileData(2_000, 8), fileData(1_000, 9)]));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/dangling: a symbolic link that points nowhere/);
    expect(warnings[1]).toMatch(/loop: it leads to .*links, a folder already included/);
  });

  it('includes a folder reached by two links once', async () => {
    const shared = path.join(root, 'shared');
    mkdirSync(shared, { recursive: true });
    writeFileSync(path.join(shared, 's.bin'), fileData(500, 10));
    const dir = path.join(root, 'twice');
    mkdirSync(dir, { recursive: true });
    symlinkSync(shared, path.join(dir, 'a'));
    symlinkSync(shared, path.join(dir, 'b'));
    const warnings: string[] = [];
    const m = parseTorrent(await createTorrent({ sourcePath: dir, creationDate: null, onWarning: (w) => warnings.push(w) }));
    expect(m.files.map((f) => f.path)).toEqual(['twice/a/s.bin']);
    expect(warnings).toEqual([expect.stringMatching(/twice\/b: it leads to .*shared, a folder already included/)]);
  });

  it("adds the '/' a folder's web seed needs (BEP 19 clients append the name only after one), saying so; a file's stays as given", async () => {
    const dir = path.join(root, 'mirrored');
    mkdirSync(path.join(dir, 'cd 1'), { recursive: true });
    writeFileSync(path.join(dir, 'cd 1', 'a.flac'), fileData(700, 11));
    const warnings: string[] = [];
    const m = parseTorrent(
      await createTorrent({ sourcePath: dir, webSeeds: ['http://m.example/pub', 'https://n.example/files/', 'http://q.example/get?id=7'], onWarning: (w) => warnings.push(w) }),
    );
    expect(m.urlList).toEqual(['http://m.example/pub/', 'https://n.example/files/', 'http://q.example/get?id=7']);
    expect(warnings).toEqual([
      "web seed http://m.example/pub written as http://m.example/pub/: for a folder, clients add the torrent's name only after a '/' (BEP 19); they will ask for http://m.example/pub/mirrored/cd%201/a.flac",
      expect.stringMatching(/^web seed http:\/\/q\.example\/get\?id=7 has a query or fragment: .*\(http:\/\/q\.example\/get\?id=7\/mirrored\/cd%201\/a\.flac\); give the URL of the folder holding mirrored, ending in '\/'$/),
    ]);
    // Written with and without the '/': one web seed.
    expect(parseTorrent(await createTorrent({ sourcePath: dir, webSeeds: ['http://m.example/pub', 'http://m.example/pub/'] })).urlList).toEqual(['http://m.example/pub/']);
    // A single file's URL names the file itself.
    const file = path.join(dir, 'cd 1', 'a.flac');
    const quiet: string[] = [];
    expect(parseTorrent(await createTorrent({ sourcePath: file, webSeeds: ['http://m.example/a.flac'], onWarning: (w) => quiet.push(w) })).urlList).toEqual(['http://m.example/a.flac']);
    expect(quiet).toEqual([]);
  });

  it('writes tracker tiers, web seeds, private flag, source, comment, creator and date', async () => {
    const file = path.join(root, 'opts.bin');
    writeFileSync(file, fileData(1000, 6));
    const bytes = await createTorrent({
      sourcePath: file,
      trackerTiers: [['http://a/announce', 'https://a2/announce'], ['udp://b:80']],
      webSeeds: ['http://mirror/opts.bin', 'https://other/files/'],
      private: true,
      source: 'TRK',
      comment: 'a comment',
      createdBy: 'Tessera test',
      creationDate: 1_700_000_000,
    });
    const m = parseTorrent(bytes);
    expect(m.announce).toEqual([['http://a/announce', 'https://a2/announce'], ['udp://b:80']]);
    expect(m.urlList).toEqual(['http://mirror/opts.bin', 'https://other/files/']);
    const raw = decode(bytes) as BDict;
    expect(getString(raw, 'announce')).toBe('http://a/announce');
    expect(getString(getDict(raw, 'info')!, 'source')).toBe('TRK');
    expect(m.private).toBe(true);
    expect(m.comment).toBe('a comment');
    expect(m.createdBy).toBe('Tessera test');
    expect(m.creationDate).toBe(1_700_000_000);
    const now = Math.floor(Date.now() / 1000);
    const dated = parseTorrent(await createTorrent({ sourcePath: file }));
    expect(Math.abs((dated.creationDate ?? 0) - now)).toBeLessThan(60);
  });

  it('writes one tracker and one web seed as libtorrent does: no announce-list, url-list a string', async () => {
    const file = path.join(root, 'one-of-each.bin');
    writeFileSync(file, fileData(100, 11));
    const raw = decode(await createTorrent({ sourcePath: file, trackerTiers: [['http://t/a', 'http://t/a'], []], webSeeds: ['http://w/f'] })) as BDict;
    expect(getString(raw, 'announce')).toBe('http://t/a');
    expect(raw.has('announce-list')).toBe(false);
    expect(getString(raw, 'url-list')).toBe('http://w/f');
    // Two trackers in one tier: announce-list with that tier.
    const two = decode(await createTorrent({ sourcePath: file, trackerTiers: [['http://t/a', 'udp://u:1']] })) as BDict;
    expect(getList(two, 'announce-list')?.map((tier) => (tier as Buffer[]).map((u) => u.toString()))).toEqual([['http://t/a', 'udp://u:1']]);
  });

  it('refuses a tracker or web seed that is no usable URL, before hashing anything', async () => {
    const file = path.join(root, 'urls.bin');
    writeFileSync(file, 'x');
    await expect(createTorrent({ sourcePath: file, webSeeds: ['ftp://mirror/x'] })).rejects.toThrow(/web seed "ftp:\/\/mirror\/x" must start with http:\/\/, https:\/\//);
    await expect(createTorrent({ sourcePath: file, webSeeds: ['udp://mirror:1/x'] })).rejects.toThrow(/web seed/);
    await expect(createTorrent({ sourcePath: file, webSeeds: ['mirror/x'] })).rejects.toThrow(/web seed "mirror\/x" is not a URL/);
    await expect(createTorrent({ sourcePath: file, trackerTiers: [['wss://t/a']] })).rejects.toThrow(/tracker "wss:\/\/t\/a" must start with http:\/\/, https:\/\/, udp:\/\//);
    await expect(createTorrent({ sourcePath: file, trackerTiers: [['udp://t']] })).rejects.toThrow(/needs a port/);
    // Checked first: a bad URL and a missing source report the URL.
    await expect(createTorrent({ sourcePath: path.join(root, 'missing'), webSeeds: ['x'] })).rejects.toThrow(/not a URL/);
  });

  it("marks owner-executable files attr 'x', in every format, as libtorrent's add_files does", async () => {
    const dir = path.join(root, 'exec');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'run.sh'), fileData(100, 12), { mode: 0o755 });
    writeFileSync(path.join(dir, 'data.bin'), fileData(100, 13), { mode: 0o644 });
    chmodSync(path.join(dir, 'run.sh'), 0o744);
    for (const format of ['v1', 'v2', 'hybrid'] as const) {
      const info = getDict(decode(await createTorrent({ sourcePath: dir, format, creationDate: null })) as BDict, 'info')!;
      if (format !== 'v2') {
        const files = getList(info, 'files')!.map((f) => [(getList(f as BDict, 'path') as Buffer[]).join('/'), getString(f as BDict, 'attr') ?? '']);
        expect(files.filter(([, attr]) => attr !== 'p')).toEqual([
          ['data.bin', ''],
          ['run.sh', 'x'],
        ]);
      }
      if (format !== 'v1') {
        const tree = getDict(info, 'file tree')!;
        expect(getString(getDict(getDict(tree, 'run.sh')!, '')!, 'attr')).toBe('x');
        expect(getDict(getDict(tree, 'data.bin')!, '')!.has('attr')).toBe(false);
      }
    }
    // A single executable file: 'attr' in the info dictionary too (v1, hybrid), as libtorrent writes it.
    const single = getDict(decode(await createTorrent({ sourcePath: path.join(dir, 'run.sh'), format: 'hybrid' })) as BDict, 'info')!;
    expect(getString(single, 'attr')).toBe('x');
    const v2Single = getDict(decode(await createTorrent({ sourcePath: path.join(dir, 'run.sh'), format: 'v2' })) as BDict, 'info')!;
    expect(v2Single.has('attr')).toBe(false);
    expect(parseTorrent(await createTorrent({ sourcePath: dir })).files.map((f) => f.executable)).toEqual([false, true]);
  });

  it('refuses what cannot make a torrent', async () => {
    const empty = path.join(root, 'empty-dir');
    mkdirSync(empty);
    await expect(createTorrent({ sourcePath: empty })).rejects.toThrow(/contains no files/);
    const zero = path.join(root, 'zero.bin');
    writeFileSync(zero, '');
    await expect(createTorrent({ sourcePath: zero })).rejects.toThrow(/every file is empty/);
    const file = path.join(root, 'pl.bin');
    writeFileSync(file, 'x');
    await expect(createTorrent({ sourcePath: file, pieceLength: 1000 })).rejects.toThrow(/power of two/);
    await expect(createTorrent({ sourcePath: file, pieceLength: 8192 })).rejects.toThrow(/power of two/);
    // Loadable up to 2^30 - 1, but a libtorrent session transfers no more than 32767 blocks a piece.
    await expect(createTorrent({ sourcePath: file, pieceLength: 2 ** 29 })).rejects.toThrow(/power of two/);
    await expect(createTorrent({ sourcePath: path.join(root, 'missing') })).rejects.toThrow(/ENOENT/);
  });

  it('produces torrents libtorrent loads with the same info-hash', async () => {
    const dir = path.join(root, 'lt');
    mkdirSync(path.join(dir, 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'one.bin'), fileData(100_000, 7));
    writeFileSync(path.join(dir, 'sub', 'two.bin'), fileData(3, 8));
    const single = path.join(root, 'lt-single.bin');
    writeFileSync(single, fileData(40_000, 9));

    for (const [source, name] of [
      [dir, 'lt-multi.torrent'],
      [single, 'lt-single.torrent'],
    ] as const) {
      const torrent = await createTorrent({ sourcePath: source, trackerTiers: [['http://t/announce'], ['http://u/announce']], private: true });
      const out = path.join(root, name);
      writeFileSync(out, torrent);
      // python3-libtorrent lives under Debian's /usr/bin/python3 (scripts/ensure-deps.sh installs it).
      const ltHash = execFileSync('/usr/bin/python3', ['-c', 'import sys, libtorrent as lt; print(lt.torrent_info(sys.argv[1]).info_hash())', out], {
        encoding: 'utf8',
      }).trim();
      expect(ltHash).toBe(parseTorrent(torrent).infoHashHex);
    }
  });
});
