/**
 * What a parsed torrent keeps per file. A .torrent of 300,000 files is ~10 MB, the most
 * libtorrent loads, and the app keeps its Metainfo for as long as the torrent is listed: every
 * byte per file is 300 KB there. Measured as heap after a full collection, with the heap
 * growing in the parse's own objects only (no timing).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encode, type Encodable } from '../bencode/index.js';
import { parseInfoDictionarySteps, parseTorrent, parseTorrentSteps } from './parse.js';
import type { Metainfo } from './types.js';
import type { Steps } from '../util/yield.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const FILES = 20_000;
const PIECE = 16384;
/** Folders of 100 files, names as a scene release or a photo library has them. */
const folder = (i: number): string => `folder ${Math.floor(i / 100)}`;
const name = (i: number): string => `file ${String(i).padStart(6, '0')}.dat`;
const length = (i: number): number => 1000 + (i % 5000);

function v1Torrent(): Buffer {
  const files = Array.from({ length: FILES }, (_, i) => ({ length: length(i), path: [folder(i), name(i)] }));
  const total = files.reduce((n, f) => n + f.length, 0);
  return encode({ info: { name: 'many', 'piece length': PIECE, files, pieces: Buffer.alloc(Math.ceil(total / PIECE) * 20) } });
}

/** v2-only: every file of one piece (its 'pieces root' is all it needs), a pad file after each but the last. */
function v2Torrent(): Buffer {
  const tree = new Map<string, Map<string, Encodable>>();
  for (let i = 0; i < FILES; i++) {
    let dir = tree.get(folder(i));
    if (dir === undefined) tree.set(folder(i), (dir = new Map()));
    dir.set(name(i), { '': { length: length(i), 'pieces root': createHash('sha256').update(String(i)).digest() } });
  }
  return encode({ info: { name: 'many', 'piece length': PIECE, 'meta version': 2, 'file tree': tree as unknown as Encodable } });
}

/**
 * Heap kept by the Metainfo parsed from `bytes`, per entry of its file list (pad files included).
 * The parser is run once first, and the least of two measures taken: compiled code and what the
 * test runner allocates meanwhile land on the same heap (~2 MB now and then, ~80 bytes a file).
 */
function keptPerEntry(bytes: Buffer): number {
  parseTorrent(bytes);
  return Math.min(measureOnce(bytes), measureOnce(bytes));
}

function measureOnce(bytes: Buffer): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  let meta: Metainfo | null = parseTorrent(bytes);
  gc();
  const kept = process.memoryUsage().heapUsed - before;
  const entries = meta.files.length;
  meta = null;
  return kept / entries;
}

describe('memory kept by a parsed torrent', () => {
  // Were ~420 bytes a v1 file and ~400 an entry of a v2 list (spread path arrays with room for
  // 16 more elements, a copy of each folder's name per file, a Buffer view per 'pieces root');
  // now ~260 and ~285.
  it('a v1 file costs its object, path and path elements: under 340 bytes', () => {
    expect(keptPerEntry(v1Torrent())).toBeLessThan(340);
  });

  it('a v2 file or pad file costs under 340 bytes, its piece-layout entry included', () => {
    expect(keptPerEntry(v2Torrent())).toBeLessThan(340);
  });
});

/** Heap and buffers in use, after a full collection. */
function live(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * The most memory a parse holds at once, per entry of its file list: measured after a full
 * collection at every step of it (a yield every few thousand tokens or files), so what is
 * counted is what the parse keeps reachable, not garbage or timing. The input, allocated
 * before, is not counted; what the parse keeps is (the least of two runs, see keptPerEntry).
 */
function peakPerEntry(parse: () => Steps<Metainfo>): number {
  const once = (): number => {
    const before = live();
    let peak = 0;
    const steps = parse();
    for (let r = steps.next(); ; r = steps.next()) {
      peak = Math.max(peak, live() - before);
      if (r.done === true) return peak / r.value.files.length;
    }
  };
  once();
  return Math.min(once(), once());
}

describe('memory held while parsing a torrent', () => {
  // The decoded tree (a Map and a side array per dictionary, a Buffer view per string) sat
  // beside the file list at the peak: ~910 bytes a v1 file (~910 for metadata from peers too)
  // and ~570 a v2 entry (a file or its pad file). Read in place from the tape (8 bytes a
  // token) it is ~300, ~360 and ~355: mostly the result itself (see keptPerEntry) and the
  // info dictionary's copy.
  it('a v1 file: under 450 bytes at the peak', () => {
    const bytes = v1Torrent();
    expect(peakPerEntry(() => parseTorrentSteps(bytes, {}))).toBeLessThan(450);
  });

  it('a v2 entry: under 450 bytes at the peak', () => {
    const bytes = v2Torrent();
    expect(peakPerEntry(() => parseTorrentSteps(bytes, {}))).toBeLessThan(450);
  });

  it('metadata from peers (a bare info dictionary): under 450 bytes a file at the peak', () => {
    const info = parseTorrent(v1Torrent()).infoBytes;
    expect(peakPerEntry(() => parseInfoDictionarySteps(info, {}))).toBeLessThan(450);
  });
});
