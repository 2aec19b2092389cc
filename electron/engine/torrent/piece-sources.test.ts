import { describe, expect, it } from 'vitest';
import { MAX_PIECE_SOURCES, PIECE_SOURCE_ENTRY_BYTES, UNKNOWN_SOURCE, pieceSourcesView, readSourceEntry, unpackSourceEntries } from '../../../shared/contract/piece-sources.js';
import { PieceDownload } from '../picker/piece-download.js';
import { PieceSourceLog, describeSender, mainSender } from './piece-sources.js';

const peer = (address: string, client = 'libtorrent/2.0.11') => ({ address, client });

function decode(entries: string): Array<[number, number, number]> {
  const bytes = unpackSourceEntries(Buffer.from(entries, 'base64'));
  const out: Array<[number, number, number]> = [];
  for (let o = 0; o < bytes.length; o += PIECE_SOURCE_ENTRY_BYTES) out.push(readSourceEntry(bytes, o));
  return out;
}

describe('mainSender', () => {
  it('is the sender of most blocks; the first met on a tie; null for none', () => {
    const a = peer('1.1.1.1:1'), b = peer('2.2.2.2:2');
    expect(mainSender(new Map([[a, 1], [b, 3]]))).toBe(b);
    expect(mainSender(new Map([[a, 2], [b, 2]]))).toBe(a);
    expect(mainSender(new Map())).toBeNull();
  });

  it('PieceDownload.credit counts blocks per sender and keeps the contributors', () => {
    const piece = new PieceDownload(0, 4 * 16384, Buffer.alloc(4 * 16384));
    const a = peer('a:1'), b = peer('b:2');
    piece.credit(a);
    piece.credit(b);
    piece.credit(b);
    expect([...piece.blocksFrom]).toEqual([[a, 1], [b, 2]]);
    expect([...piece.contributors]).toEqual([a, b]);
  });
});

describe('describeSender', () => {
  it('a peer connection by address and client; a web seed describes itself', () => {
    expect(describeSender(peer('10.0.0.1:6881', 'qBittorrent 4.6'))).toEqual({ kind: 'peer', label: '10.0.0.1:6881', client: 'qBittorrent 4.6' });
    const seed = { pieceSource: () => ({ kind: 'webseed' as const, label: 'https://mirror.example/f.iso', client: '' }) };
    expect(describeSender(seed)).toEqual({ kind: 'webseed', label: 'https://mirror.example/f.iso', client: '' });
  });
});

describe('PieceSourceLog', () => {
  it('logs each verified piece with its main source and time (tenths of a second after base), sources de-duplicated', () => {
    let now = 1_000_000;
    const log = new PieceSourceLog(8, () => now);
    const a = peer('1.1.1.1:1', 'A'), b = peer('2.2.2.2:2', 'B');
    now += 1234;
    log.verified(3, new Map([[a, 3], [b, 1]]));
    now += 500;
    log.verified(5, new Map([[b, 4]]));
    log.verified(6, new Map([[a, 1]]));
    log.verified(7, new Map());
    const v = log.query(0, 0);
    expect(v).toMatchObject({ generation: log.generation, base: 1_000_000, count: 4, from: 0, sourcesFrom: 0 });
    expect(v.sources).toEqual([{ kind: 'peer', label: '1.1.1.1:1', client: 'A' }, { kind: 'peer', label: '2.2.2.2:2', client: 'B' }]);
    // On the wire, entries of the same tenth of a second go by source (packSourceEntries).
    expect(decode(v.entries)).toEqual([[3, 0, 12], [6, 0, 17], [5, 1, 17], [7, UNKNOWN_SOURCE, 17]]);
    expect(() => pieceSourcesView(v, 'view')).not.toThrow();
  });

  it('answers from the cursors; another generation (or none) gets everything', () => {
    const log = new PieceSourceLog(4, () => 0);
    log.verified(0, new Map([[peer('a:1'), 1]]));
    log.verified(1, new Map([[peer('b:1'), 1]]));
    const later = log.query(1, 1, log.generation);
    expect(later).toMatchObject({ from: 1, count: 2, sourcesFrom: 1, sources: [{ label: 'b:1' }] });
    expect(decode(later.entries)).toEqual([[1, 1, 0]]);
    expect(log.query(2, 2, log.generation)).toMatchObject({ entries: '', sources: [] });
    expect(log.query(0, 0, log.generation, 0)).toMatchObject({ from: 0, count: 2, entries: '' }); // limit 0: counts only
    expect(log.query(9, 9, log.generation)).toMatchObject({ from: 2, entries: '' }); // cursor past the end: clamped
    const other = new PieceSourceLog(4, () => 0);
    expect(other.generation).not.toBe(log.generation);
    expect(log.query(1, 1, other.generation)).toMatchObject({ from: 0, sourcesFrom: 0 });
    expect(log.query(1, 1)).toMatchObject({ from: 0, sourcesFrom: 0 });
  });

  it('is bounded: twice the pieces plus a margin; sources capped with an "other peers" slot', () => {
    const log = new PieceSourceLog(2, () => 0);
    for (let k = 0; k < 3000; k++) log.verified(k % 2, new Map([[peer(`10.0.${k >> 8}.${k & 255}:1`), 1]]));
    expect(log.count).toBe(2 * 2 + 1024);
    const big = new PieceSourceLog(10_000, () => 0);
    for (let k = 0; k < MAX_PIECE_SOURCES + 50; k++) big.verified(k, new Map([[peer(`p${k}:1`), 1]]));
    const v = big.query(0, 0);
    expect(v.sources).toHaveLength(MAX_PIECE_SOURCES);
    expect(v.sources.at(-1)).toEqual({ kind: 'peer', label: 'other peers', client: '' });
    expect(decode(v.entries).at(-1)![1]).toBe(MAX_PIECE_SOURCES - 1);
    expect(() => pieceSourcesView(v, 'view')).not.toThrow();
  });

  it('hash failures name every sender; only the most recent are kept', () => {
    let now = 5;
    const log = new PieceSourceLog(100, () => now);
    log.failed(7, [peer('6.6.6.6:666'), peer('7.7.7.7:777')]);
    expect(log.query(0, 0).failures).toEqual([{ piece: 7, at: 5, peers: ['6.6.6.6:666', '7.7.7.7:777'] }]);
    for (let k = 0; k < 40; k++) {
      now++;
      log.failed(k, [peer('x:1')]);
    }
    const failures = log.query(0, 0).failures;
    expect(failures).toHaveLength(16);
    expect(failures[0]!.piece).toBe(24);
    expect(failures.at(-1)!.piece).toBe(39);
  });

  it('restores entries as recorded and gives them back in order', () => {
    const log = new PieceSourceLog(10, () => 1000);
    log.restore(4, { kind: 'peer', label: 'a:1', client: 'A' }, 1000 + 2500);
    log.restore(2, null, 1000 + 100);
    log.restore(99, null, 1000); // out of range: ignored
    expect([...log.all()]).toEqual([
      { piece: 4, source: { kind: 'peer', label: 'a:1', client: 'A' }, at: 3500 },
      { piece: 2, source: null, at: 1100 },
    ]);
  });
});

describe('PieceSourceLog in the resume record', () => {
  it('record() and adopt() carry entries and sources over, only for pieces still had, at their old times', () => {
    const old = new PieceSourceLog(4, () => 50_000);
    old.verified(0, new Map([[peer('a:1', 'A'), 2]]));
    old.verified(3, new Map([[peer('b:2', 'B'), 1]]));
    const rec = old.record();
    expect(rec.entries.length).toBe(2 * PIECE_SOURCE_ENTRY_BYTES);
    const next = new PieceSourceLog(4, () => 90_000);
    next.adopt(rec, (i) => i !== 3);
    expect([...next.all()]).toEqual([{ piece: 0, source: { kind: 'peer', label: 'a:1', client: 'A' }, at: 50_000 }]);
    expect(next.base).toBe(50_000);
    next.adopt(rec, () => true); // once something is logged, never again
    expect(next.count).toBe(1);
  });

  it('a record taken stays as it was while the log goes on and grows', () => {
    const log = new PieceSourceLog(1000, () => 50_000);
    for (let i = 0; i < 10; i++) log.verified(i, new Map([[peer('a:1', 'A'), 1]]));
    const rec = log.record();
    const taken = Buffer.from(rec.entries);
    // Past the first allocation (16 entries) and several doublings.
    for (let i = 10; i < 300; i++) log.verified(i, new Map([[peer(`p:${i % 7}`, 'B'), 1]]));
    expect(rec.entries.equals(taken)).toBe(true);
    expect(rec.entries.length).toBe(10 * PIECE_SOURCE_ENTRY_BYTES);
    expect(log.record().entries.subarray(0, taken.length).equals(taken)).toBe(true);
  });
});
