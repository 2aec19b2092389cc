import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureOutput } from '../../e2e/support/captured-output.js';
import { encode } from '../engine/bencode/index.js';
import { torrentBytes, v1Info } from '../engine/metainfo/test-torrents.js';
import { runCreate } from './create.js';
import { formatCreationDate, metainfoToJson, runInfo, writeMetainfo, writeMetainfoJson } from './info.js';
import { parseTorrent } from '../engine/metainfo/index.js';
import { formatBytes, parseByteSize } from './format.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const output = captureOutput();

function write(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

describe('tessera info', () => {
  const multi = torrentBytes(
    v1Info({
      name: 'album',
      files: [
        { path: ['a.flac'], length: 20000 },
        { path: ['.pad', '12768'], length: 12768, attr: 'p' },
        { path: ['b.flac'], length: 100 },
      ],
      extra: { private: 1, source: 'TRK' },
    }),
    { 'announce-list': [['http://a/announce'], ['udp://b:80']], comment: 'nice', 'created by': 'me' },
  );

  it('prints name, hash, sizes, pieces, files and trackers', async () => {
    expect(await runInfo([write('multi.torrent', multi)])).toBe(0);
    expect(output.out).toMatch(/^Name: +album$/m);
    expect(output.out).toMatch(/^Info-hash: +[0-9a-f]{40}$/m);
    expect(output.out).toMatch(/^Total size: +19\.6 KiB \(20100 bytes \+ 12768 bytes of padding\)$/m);
    expect(output.out).toMatch(/^Piece length: +16 KiB \(16384 bytes\)$/m);
    expect(output.out).toMatch(/^Pieces: +3, last piece 100 bytes$/m);
    expect(output.out).toMatch(/^Private: +yes$/m);
    expect(output.out).toMatch(/^Source: +TRK$/m);
    expect(output.out).toMatch(/^ +tier 1 +http:\/\/a\/announce$/m);
    expect(output.out).toMatch(/^ +tier 2 +udp:\/\/b:80$/m);
    expect(output.out).toMatch(/^ +12768 +album\/\.pad\/12768 \[pad\]$/m);
    expect(output.out).toMatch(/^Files \(2 files, 1 pad file\):$/m);
    expect(output.out).toMatch(/^Comment: +nice$/m);
    expect(output.err).toBe('');
  });

  it('lists a torrent of 200,000 files', async () => {
    const files = Array.from({ length: 200_000 }, (_, i) => ({ path: [`f${i}`], length: 1 + (i % 1000) }));
    expect(await runInfo([write('many.torrent', torrentBytes(v1Info({ name: 'many', files })))])).toBe(0);
    expect(output.out).toMatch(/^Files \(200000 files\):$/m);
    expect(output.out).toMatch(/^ +1000 +many\/f199999$/m);
    expect(output.out).toMatch(/^ +1 +many\/f0$/m);
  });

  it('writes the text and the JSON of many files in pieces, each the same as one whole string', () => {
    const files = Array.from({ length: 5000 }, (_, i) => ({ path: [`d${i % 7}`, `f${i}`], length: 1 + (i % 1000) }));
    const meta = parseTorrent(torrentBytes(v1Info({ name: 'many', files }), { comment: 'x\n  "files": []' }));
    const json: string[] = [];
    writeMetainfoJson(meta, (t) => json.push(t));
    // Written as formatted, not built first into one string of the whole list.
    expect(json.length).toBeGreaterThan(1);
    expect(json.join('')).toBe(`${JSON.stringify(metainfoToJson(meta), null, 2)}\n`);
    const text: string[] = [];
    writeMetainfo(meta, (t) => text.push(t));
    expect(text.length).toBeGreaterThan(1);
    const lines = text.join('').split('\n');
    expect(lines).toContain('  1000  many/d1/f4999');
    expect(lines.filter((l) => l.startsWith('  ')).length).toBe(5000);
    expect(text.join('').endsWith('many/d1/f4999\n')).toBe(true);
  });

  it('prints JSON with --json', async () => {
    expect(await runInfo([write('multi2.torrent', multi), '--json'])).toBe(0);
    const json = JSON.parse(output.out) as Record<string, unknown>;
    expect(json).toMatchObject({
      name: 'album',
      totalLength: 32868,
      payloadLength: 20100,
      pieceLength: 16384,
      pieceCount: 3,
      lastPieceLength: 100,
      private: true,
      announce: [['http://a/announce'], ['udp://b:80']],
      comment: 'nice',
      createdBy: 'me',
      source: 'TRK',
    });
    expect((json['files'] as unknown[]).length).toBe(3);
    output.out = '';
    // No source in the info dict: null in JSON, no line in the text.
    const plain = torrentBytes(v1Info({ name: 'x', files: [{ path: ['x.bin'], length: 10 }] }), {});
    expect(await runInfo([write('plain.torrent', plain), '--json'])).toBe(0);
    expect((JSON.parse(output.out) as Record<string, unknown>)['source']).toBeNull();
    output.out = '';
    expect(await runInfo([write('plain2.torrent', plain)])).toBe(0);
    expect(output.out).not.toMatch(/^Source:/m);
    expect(json['infoHash']).toMatch(/^[0-9a-f]{40}$/);
  });

  it('rejects an invalid torrent with one line on stderr and exit code 2', async () => {
    const bad = write('bad.torrent', torrentBytes(v1Info({ name: 'x', length: -5 })));
    expect(await runInfo([bad])).toBe(2);
    expect(output.out).toBe('');
    expect(output.err.trim().split('\n')).toHaveLength(1);
    expect(output.err).toContain('bad.torrent');
    expect(output.err).toMatch(/length/);
  });

  it('shows a v2-only torrent with its SHA-256 info-hash', async () => {
    const info = { 'file tree': new Map([['f', new Map([['', { length: 5, 'pieces root': Buffer.alloc(32, 1) }]])]]), 'meta version': 2, name: 'v2', 'piece length': 16384 };
    expect(await runInfo([write('v2.torrent', encode({ info }))])).toBe(0);
    expect(output.out).toMatch(/v2 info-hash: +[0-9a-f]{64}/i);
  });

  it('exits 2 when the file cannot be read', async () => {
    expect(await runInfo([path.join(dir, 'does-not-exist.torrent')])).toBe(2);
    expect(output.err).toMatch(/cannot read .*does-not-exist\.torrent/);
    expect(await runInfo([dir])).toBe(2);
  });

  it('leaves out a creation date beyond what a Date holds instead of crashing', async () => {
    const far = write('far-date.torrent', torrentBytes(v1Info({ name: 'far', length: 10 }), { 'creation date': 99_999_999_999_999 }));
    expect(await runInfo([far])).toBe(0);
    expect(output.out).toMatch(/^Name: +far$/m);
    expect(output.out).not.toContain('Created on');
    expect(output.err).toBe('');
    output.out = '';
    expect(await runInfo([far, '--json'])).toBe(0);
    expect((JSON.parse(output.out) as Record<string, unknown>)['creationDate']).toBeNull();
  });

  it('formats a creation date only when a Date can hold it', () => {
    expect(formatCreationDate(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(formatCreationDate(8.64e12)).toBe('+275760-09-13T00:00:00.000Z');
    expect(formatCreationDate(99_999_999_999_999)).toBeNull();
  });

  it('shows no terminal escape codes from the torrent, and exact strings in JSON', async () => {
    const esc = '\x1b]0;pwned\x07\x1b[2J';
    const evil = torrentBytes(
      v1Info({ name: `n${esc}`, files: [{ path: [`f${esc}.bin`], length: 10 }], extra: { source: `s${esc}` } }),
      { announce: `http://t${esc}/a`, 'url-list': [`http://w${esc}/`], httpseeds: [`http://h${esc}/`], comment: `c${esc}\u009b31m`, 'created by': `me${esc}` },
    );
    const file = write('evil.torrent', evil);
    expect(await runInfo([file])).toBe(0);
    const controls = [...output.out].filter((ch) => ch !== '\n' && (ch.charCodeAt(0) < 0x20 || (ch.charCodeAt(0) >= 0x7f && ch.charCodeAt(0) <= 0x9f)));
    expect(controls).toEqual([]);
    for (const shown of ['Name: ', 'tier 1  http://t', '  http://w', '  http://h', 'Comment: ', 'Created by: ', 'Source: ']) expect(output.out).toContain(shown);
    output.out = '';
    expect(await runInfo([file, '--json'])).toBe(0);
    expect((JSON.parse(output.out) as Record<string, unknown>)['comment']).toBe(`c${esc}\u009b31m`);
  });

  it('throws a usage error without a file', async () => {
    await expect(runInfo([])).rejects.toThrow(/usage/);
  });
});

describe('tessera create', () => {
  it('writes a torrent and prints its info-hash', async () => {
    const src = write('payload.bin', Buffer.alloc(50_000, 7));
    const target = path.join(dir, 'payload.torrent');
    const code = await runCreate([src, '-o', target, '--piece-length', '32K', '--tracker', 'http://t/a', '--tracker', 'http://u/a', '--private', '--comment', 'hi']);
    expect(code).toBe(0);
    expect(output.out).toMatch(/info-hash [0-9a-f]{40}/);
    output.out = '';
    expect(await runInfo([target, '--json'])).toBe(0);
    expect(JSON.parse(output.out)).toMatchObject({
      name: 'payload.bin',
      pieceLength: 32768,
      pieceCount: 2,
      private: true,
      comment: 'hi',
      createdBy: 'Tessera',
      announce: [['http://t/a'], ['http://u/a']],
    });
  });

  it('follows symbolic links and warns on stderr about a dangling one', async () => {
    const folder = path.join(dir, 'linked');
    mkdirSync(folder);
    writeFileSync(path.join(dir, 'real.bin'), Buffer.alloc(100, 1));
    symlinkSync(path.join(dir, 'real.bin'), path.join(folder, 'link.bin'));
    symlinkSync(path.join(dir, 'gone'), path.join(folder, 'dangling'));
    expect(await runCreate([folder, '-o', path.join(dir, 'linked.torrent')])).toBe(0);
    expect(output.out).toMatch(/100 B in 1 file/);
    expect(output.err).toMatch(/^tessera create: skipped .*dangling: a symbolic link that points nowhere/m);
  });

  it('rejects bad arguments', async () => {
    const src = write('p2.bin', Buffer.alloc(10));
    await expect(runCreate([src])).rejects.toThrow(/usage/);
    await expect(runCreate([src, '-o', path.join(dir, 'x.torrent'), '--piece-length', '1000'])).rejects.toThrow(/power of two/);
    expect(await runCreate([path.join(dir, 'missing'), '-o', path.join(dir, 'y.torrent')])).toBe(2);
    expect(output.err).toMatch(/ENOENT/);
  });
});

describe('format helpers', () => {
  it('formats and parses sizes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(16384)).toBe('16 KiB');
    expect(formatBytes(1_799_542)).toBe('1.72 MiB');
    expect(parseByteSize('262144')).toBe(262144);
    expect(parseByteSize('256K')).toBe(262144);
    expect(parseByteSize('4MiB')).toBe(4 * 1024 * 1024);
    expect(parseByteSize('lots')).toBeNaN();
  });
});
