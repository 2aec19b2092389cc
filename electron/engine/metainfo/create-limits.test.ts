import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, type Encodable } from '../bencode/index.js';
import { bencodeSize, MAX_LOADABLE_TORRENT_BYTES, TooLargeToLoadError } from './create-limits.js';
import { createTorrent } from './create.js';
import { hashV2, planV2, type V2Parts, type V2Source } from './create-v2.js';
import { parseTorrent } from './parse.js';

describe('bencodeSize', () => {
  it('counts the bytes encode writes and the values a decoder counts', () => {
    const value: Encodable = {
      announce: 'http://t/a',
      info: { name: 'dossier é', 'piece length': 16384, big: 2n ** 40n, neg: -12, 'file tree': new Map<string, Encodable>([[Buffer.from('ü', 'utf8').toString('latin1'), new Map([['', { length: 3 }]])]]) },
      list: [[], {}, Buffer.alloc(300)],
      skipped: undefined,
    };
    const { bytes, tokens } = bencodeSize(value);
    const encoded = encode(value);
    expect(bytes).toBe(encoded.byteLength);
    expect(() => decode(encoded, { maxTokens: tokens })).not.toThrow();
    expect(() => decode(encoded, { maxTokens: tokens - 1 })).toThrow(/tokens/);
  });
});

describe('creating a torrent clients could not load', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-create-limits-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fails before hashing when the hashes alone would pass the size libtorrent loads', async () => {
    // 9.4 GB of sparse zeros in 16 KiB pieces: 12 MB of v1 hashes, 19 MB of v2 piece layer.
    // Hashing it would take minutes; the check answers at once.
    const big = join(dir, 'big.bin');
    await writeFile(big, '');
    await truncate(big, 16384 * 600_000);
    for (const format of ['v1', 'v2', 'hybrid'] as const) {
      await expect(createTorrent({ sourcePath: big, pieceLength: 16384, format })).rejects.toThrow(TooLargeToLoadError);
    }
  });

  it('stops listing a folder once its file names alone could not fit', async () => {
    const folder = join(dir, 'many');
    mkdirSync(folder);
    // 255-byte names: about 38,600 of them fill the 10,000,000 bytes libtorrent loads.
    const files = Math.ceil(MAX_LOADABLE_TORRENT_BYTES / 259) + 100;
    for (let i = 0; i < files; i++) closeSync(openSync(join(folder, String(i).padStart(6, '0') + 'n'.repeat(249)), 'w'));
    writeFileSync(join(folder, 'data'), 'x');
    await expect(createTorrent({ sourcePath: folder })).rejects.toThrow(/names of the files in .* alone take more than 10000000 bytes/);
  });

  it('sizes the BEP 52 parts before hashing exactly as the hashed ones encode', async () => {
    const folder = join(dir, 'v2');
    mkdirSync(folder);
    const source = (lengths: number[], tag: string): V2Source[] =>
      lengths.map((length, i) => {
        const absolute = join(folder, `${tag}${i}`);
        writeFileSync(absolute, Buffer.alloc(length, i));
        return { absolute, elements: ['sub', `${tag}${i}`], length, executable: i === 2 };
      });
    // With files of several pieces, and with none (no piece layer at all).
    for (const [files, hybrid] of [source([0, 1, 16384, 40000, 100000], 'a'), source([1, 100, 16384], 'b')].flatMap((f) => [[f, false], [f, true]] as const)) {
      const parts = (p: V2Parts): Encodable => ({ tree: p.fileTree, layers: p.pieceLayers, pieces: p.v1Pieces ?? undefined, files: p.v1Files ?? undefined });
      const plan = planV2('n', files, 16384, hybrid);
      const sized = bencodeSize(parts(plan.parts));
      expect(bencodeSize(parts(await hashV2(plan)))).toEqual(sized);
    }
  });

  it('still creates the torrent of a folder within the limits', async () => {
    const folder = join(dir, 'fine');
    mkdirSync(folder);
    for (let i = 0; i < 2000; i++) writeFileSync(join(folder, `f${i}`), String(i));
    const torrent = await createTorrent({ sourcePath: folder, format: 'hybrid' });
    // 2000 files and their pad files.
    expect(parseTorrent(torrent).files.filter((f) => !f.pad)).toHaveLength(2000);
  });
});
