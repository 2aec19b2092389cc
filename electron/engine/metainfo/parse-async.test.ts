/**
 * Issue 10 item 11: a .torrent of many thousands of files is parsed in chunks with turns of the
 * event loop between them (parseTorrentAsync), with exactly the result and errors of parseTorrent.
 */
import { describe, expect, it } from 'vitest';
import { TurnCounter } from '../util/turn-counter.js';
import { type Metainfo, MetainfoError, parseInfoDictionary, parseInfoDictionaryAsync, parseTorrent, parseTorrentAsync } from './index.js';
import { torrentBytes, v1Info, type V1File } from './test-torrents.js';
import { encode } from '../bencode/index.js';

const FILES = 20_000;

function manyFiles(count: number): V1File[] {
  const files: V1File[] = [];
  // Upper case and repeated names too: the duplicate renaming runs over all of them.
  for (let i = 0; i < count; i++) files.push({ path: [`Dir${Math.floor(i / 1000)}`, i % 1000 === 7 || i % 1000 === 8 ? 'Same.txt' : `file-${i}.dat`], length: 1000 + (i % 7) });
  return files;
}

/** Deep equality; the file lists (thousands of objects) as JSON and the big buffers with equals(), which is much faster. */
function expectSame(a: Metainfo, b: Metainfo): void {
  const { files: filesA, infoBytes: infoA, pieceHashes: piecesA, ...restA } = a;
  const { files: filesB, infoBytes: infoB, pieceHashes: piecesB, ...restB } = b;
  expect(restA).toEqual(restB);
  expect(infoA.equals(infoB)).toBe(true);
  expect(piecesA.equals(piecesB)).toBe(true);
  expect(JSON.stringify(filesA)).toBe(JSON.stringify(filesB));
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => null,
    (err: unknown) => err,
  );
}

function thrown(f: () => unknown): unknown {
  try {
    f();
    return null;
  } catch (err) {
    return err;
  }
}

describe(`parseTorrentAsync (${FILES} files)`, () => {
  const info = v1Info({ name: 'many', files: manyFiles(FILES), pieceLength: 16384 });
  const bytes = torrentBytes(info, { announce: 'http://127.0.0.1:9/announce' });

  it('gives the event loop turns while parsing, and the same Metainfo as parseTorrent', async () => {
    const turns = new TurnCounter();
    const parsing = parseTorrentAsync(bytes);
    // The caller's buffer may change meanwhile: the parse works on its own copy.
    const original = Buffer.from(bytes);
    bytes.fill(0x20, 0, 64);
    const meta = await parsing;
    const turnsTaken = turns.stop();
    original.copy(bytes);
    // Decoding, reading the file list, renaming duplicates and building the files each yield
    // every few thousand files at most.
    expect(turnsTaken).toBeGreaterThanOrEqual(FILES / 2048);
    expectSame(meta, parseTorrent(bytes));
    expect(meta.files).toHaveLength(FILES);
    expect(meta.files.filter((f) => f.path.startsWith('many/Dir1/Same')).map((f) => f.path)).toEqual(['many/Dir1/Same.txt', 'many/Dir1/Same.1.txt']);
  });

  it('parses an info dictionary the same way in chunks', async () => {
    const infoBytes = encode(info);
    expectSame(await parseInfoDictionaryAsync(infoBytes), parseInfoDictionary(infoBytes));
  });

  it('keeps an info dictionary the caller gives up (unchanging) as the infoBytes, and copies any other', async () => {
    const infoBytes = encode(info);
    expect((await parseInfoDictionaryAsync(infoBytes, { unchanging: true })).infoBytes).toBe(infoBytes);
    const copied = (await parseInfoDictionaryAsync(infoBytes)).infoBytes;
    expect(copied.buffer).not.toBe(infoBytes.buffer);
    expect(copied.equals(infoBytes)).toBe(true);
  });

  it('rejects a broken torrent with the error parseTorrent throws', async () => {
    const files: Array<V1File | Record<string, unknown>> = manyFiles(FILES);
    files[15_000] = { path: ['x'], length: -5 };
    const broken = torrentBytes(v1Info({ name: 'many', files: files as V1File[] }));
    const sync = thrown(() => parseTorrent(broken));
    const async = await rejection(parseTorrentAsync(broken));
    expect(sync).toBeInstanceOf(MetainfoError);
    expect(async).toEqual(sync);
    expect((async as MetainfoError).code).toBe('torrent_invalid_length');

    const truncated = bytes.subarray(0, bytes.length - 10);
    expect(await rejection(parseTorrentAsync(truncated))).toEqual(thrown(() => parseTorrent(truncated)));
  });
});
