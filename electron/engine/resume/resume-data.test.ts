import { describe, expect, it } from 'vitest';
import { decode as decodeBencode, encode } from '../bencode/index.js';
import { decodeResume, decodeResumeAsync, encodeResume, encodeResumeAsync, type ResumeData } from './resume-data.js';

const record: ResumeData = {
  infoHash: 'ab'.repeat(20),
  savePath: '/downloads',
  have: Buffer.from([0b1010_0000]),
  pieceCount: 3,
  filePriorities: [1, 0, 2],
  files: [{ size: 10, mtimeMs: 1_700_000_000_123 }, { size: 0, mtimeMs: -1 }, { size: 5, mtimeMs: 42 }],
  uploaded: 123,
  downloaded: 456,
  addedAt: 1_700_000_000_000,
  completedAt: null,
  paused: true,
  sequential: true,
  firstLastPiecesFirst: true,
  downloadLimit: 1_048_576,
  uploadLimit: 65_536,
  magnet: null,
  chooseFiles: false,
  category: 'Linux ISOs',
  seedingLimits: { ratio: 1.5, minutes: -2 },
  seedingSeconds: 3600,
  queuePosition: 7,
  trackers: [['http://a.example/announce', 'udp://b.example:80'], ['http://c.example/announce']],
  trackersEdited: false,
  renamedFiles: [[2, 'Album/front.jpg']],
};

describe('resume records', () => {
  it('read a record from before categories, seeding limits and the queue as none, the global limits and the end of the queue', () => {
    const old = encodeResume({ ...record, category: null, seedingLimits: undefined, seedingSeconds: undefined, queuePosition: undefined, trackers: undefined, renamedFiles: undefined });
    expect(decodeResume(old)).toMatchObject({ category: null, seedingLimits: { ratio: -2, minutes: -2 }, seedingSeconds: 0, queuePosition: 0, trackers: [], trackersEdited: false, renamedFiles: [] });
  });

  it('encode and decode the same in chunks, a 100,000-file record included, and a damaged one is null either way', async () => {
    const files = 100_000;
    const big: ResumeData = { ...record, filePriorities: Array.from({ length: files }, (_, i) => (i % 3) as 0 | 1 | 2), files: Array.from({ length: files }, (_, i) => ({ size: i, mtimeMs: 1_700_000_000_000 + i })) };
    const bytes = encodeResume(big);
    expect((await encodeResumeAsync(big)).equals(bytes)).toBe(true);
    expect(await decodeResumeAsync(bytes)).toEqual(big);
    expect(await decodeResumeAsync(bytes.subarray(0, bytes.length - 1))).toBeNull();
    expect(decodeResume(bytes.subarray(0, bytes.length - 1))).toBeNull();
  });

  it('round-trip every field', () => {
    expect(decodeResume(encodeResume(record))).toEqual(record);
    expect(decodeResume(encodeResume({ ...record, completedAt: 5, paused: false, magnet: 'magnet:?xt=urn:btih:' + 'ab'.repeat(20), chooseFiles: true, trackersEdited: true }))).toMatchObject({
      trackersEdited: true,
      completedAt: 5,
      paused: false,
      chooseFiles: true,
      magnet: 'magnet:?xt=urn:btih:' + 'ab'.repeat(20),
    });
  });

  it('read a record from before the limits and first/last flag existed as off and unlimited', () => {
    const old = encode({ 'info-hash': record.infoHash, 'save-path': '/d', have: Buffer.alloc(1), pieces: 3 });
    expect(decodeResume(old)).toMatchObject({ firstLastPiecesFirst: false, downloadLimit: 0, uploadLimit: 0, sequential: false, paused: false });
  });

  it('refuse damaged records instead of trusting them', () => {
    expect(decodeResume(Buffer.from('garbage'))).toBeNull();
    expect(decodeResume(encode({ ...JSON.parse('{}'), pieces: 3 }))).toBeNull();
    const wrongBitfield = encode({ 'info-hash': record.infoHash, 'save-path': '/d', have: Buffer.alloc(2), pieces: 3 });
    expect(decodeResume(wrongBitfield)).toBeNull();
    const badPriority = encode({ 'info-hash': record.infoHash, 'save-path': '/d', have: Buffer.alloc(1), pieces: 3, 'file-priorities': [7] });
    expect(decodeResume(badPriority)).toBeNull();
    const negativeLimit = encode({ 'info-hash': record.infoHash, 'save-path': '/d', have: Buffer.alloc(1), pieces: 3, 'download-limit': -5 });
    expect(decodeResume(negativeLimit)?.downloadLimit).toBe(0);
  });

  // The per-file lists are read in place from the scanned record (not decoded): the same verdicts as decoded.
  it('refuse per-file lists with an entry of the wrong shape; a list of another type reads as empty', () => {
    const base = { 'info-hash': record.infoHash, 'save-path': '/d', have: Buffer.alloc(1), pieces: 3 };
    expect(decodeResume(encode({ ...base, 'file-priorities': [1, Buffer.from('x')] }))).toBeNull();
    expect(decodeResume(encode({ ...base, 'file-sizes': [[1, 2, 3]] }))).toBeNull();
    expect(decodeResume(encode({ ...base, 'file-sizes': [[1]] }))).toBeNull();
    expect(decodeResume(encode({ ...base, 'file-sizes': [{ a: 1, b: 2 }] }))).toBeNull();
    expect(decodeResume(encode({ ...base, 'file-sizes': [[1, Buffer.from('2')]] }))).toBeNull();
    expect(decodeResume(encode({ ...base, 'file-sizes': [5] }))).toBeNull();
    expect(decodeResume(encode({ ...base, 'file-priorities': 5, 'file-sizes': { a: [1, 2] } }))).toMatchObject({ filePriorities: [], files: [] });
    expect(decodeResume(encode({ ...base, 'file-priorities': [2, 0], 'file-sizes': [[7, -1]] }))).toMatchObject({ filePriorities: [2, 0], files: [{ size: 7, mtimeMs: -1 }] });
  });

  it('read the first of a key given twice, as decoding does', () => {
    const head = encode({ 'info-hash': record.infoHash, 'save-path': '/d', have: Buffer.alloc(1), pieces: 3 });
    const twice = Buffer.concat([head.subarray(0, head.length - 1), Buffer.from('15:file-prioritiesli1ee10:file-sizeslli5ei6eee15:file-prioritiesli7ee8:uploadedi9e8:uploadedi10ee')]);
    expect(decodeResume(twice)).toMatchObject({ filePriorities: [1], files: [{ size: 5, mtimeMs: 6 }], uploaded: 9 });
  });
});

describe('resume records: the piece-source log', () => {
  const pieceLog = { base: 1_700_000_000_000, entries: Buffer.from([0, 0, 0, 0, 0, 5, 0, 0, 2, 0, 0, 1, 0, 9, 0, 0]), sources: [{ kind: 'peer' as const, label: '10.0.0.1:6881', client: 'lt' }, { kind: 'webseed' as const, label: 'https://m.example/f', client: '' }] };

  it('round-trips; a record without one has none', () => {
    expect(decodeResume(encodeResume({ ...record, pieceLog }))).toEqual({ ...record, pieceLog });
    expect(decodeResume(encodeResume(record))).not.toHaveProperty('pieceLog');
  });

  it('a damaged log is dropped, the record kept', () => {
    const damaged = encode({ ...Object.fromEntries([...(decodeRaw(encodeResume({ ...record, pieceLog })))]), 'piece-log': { base: 1, entries: Buffer.alloc(0), sources: [['alien', 'x', 'y']] } });
    const decoded = decodeResume(damaged);
    expect(decoded).toMatchObject({ infoHash: record.infoHash, pieceCount: 3 });
    expect(decoded).not.toHaveProperty('pieceLog');
  });
});

function decodeRaw(bytes: Buffer): Map<string, unknown> {
  // The encoded record's fields (a dictionary), to rebuild it with one field replaced.
  return decodeBencode(bytes) as Map<string, unknown>;
}

describe('resume records edited by hand or by something hostile', () => {
  const base = { 'info-hash': record.infoHash, 'save-path': '/d', have: Buffer.alloc(1), pieces: 3 };

  it('a save path that is not absolute makes the record damaged (a relative one would follow the working directory)', () => {
    for (const savePath of ['downloads', './d', '../d', 'C']) expect(decodeResume(encode({ ...base, 'save-path': savePath }))).toBeNull();
    expect(decodeResume(encode(base))?.savePath).toBe('/d');
  });

  it('renamed files that would leave the save folder, or are not plain relative paths, are dropped; the rest kept', () => {
    const renamed = [[0, '../../escape.bin'], [1, '/etc/passwd'], [2, 'a//b'], [3, 'a/./b'], [4, 'a\\..\\b'], [5, ''], [6, 'a/..'], [-1, 'neg'], [2n ** 60n, 'huge'], [7, 'x\u0000y'], [8, 'Album/ok.jpg']];
    expect(decodeResume(encode({ ...base, 'renamed-files': renamed }))?.renamedFiles).toEqual([[8, 'Album/ok.jpg']]);
  });

  it('numbers out of range read as unknown or are clamped, never passed on', () => {
    const before = Date.now();
    const decoded = decodeResume(
      encode({
        ...base,
        'added-at': -5,
        'completed-at': 2n ** 62n,
        uploaded: -100,
        downloaded: 2n ** 62n,
        'download-limit': 2n ** 62n,
        'ratio-limit': 99_999_999_999,
        'seeding-time-limit': 5_000_000_000_000,
        'seeding-time': 2n ** 62n,
        'queue-position': 2n ** 62n,
        category: 'a/b',
      }),
    );
    expect(decoded).toMatchObject({ completedAt: null, uploaded: 0, downloaded: 0, downloadLimit: 100 * 1024 ** 3, seedingLimits: { ratio: -2, minutes: -2 }, seedingSeconds: 0, queuePosition: 0, category: null });
    expect(decoded?.addedAt).toBeGreaterThanOrEqual(before);
  });
});
