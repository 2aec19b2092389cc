import { describe, expect, it } from 'vitest';
import { bytesToBase64 } from './base64.js';
import { allFilesRun, decodeFilePriorityRuns, encodeFilePriorityChanges, encodeFilePriorityRuns, MAX_FILE_PRIORITY_RUNS_BYTES } from './file-priority-runs.js';
import { parseCommandPayload, type FilePriority } from './index.js';
import { LIMITS } from './types.js';
import { ByteWriter } from './varint.js';
import { ValidationError } from './validate.js';
import { mulberry32 } from '../seeded-random.js';

const HASH = 'a'.repeat(40);
/** The web host's largest frame (electron/host/incoming-frames.ts MAX_FRAME: a 16 MiB .torrent in base64 + 64 KiB). */
const WEB_HOST_MAX_FRAME = Math.ceil((16 * 1024 * 1024) / 3) * 4 + 64 * 1024;

function packed(write: (w: ByteWriter) => void): string {
  const w = new ByteWriter();
  write(w);
  return bytesToBase64(w.finish());
}

describe('file priority runs', () => {
  it('packs a priority for all files of a torrent in a few bytes, where the list form outgrew the web host\'s frame', () => {
    // From about 750,000 files on, the list form of "all files" is past the largest frame.
    const files = 800_000;
    const request = (payload: unknown): number => JSON.stringify({ kind: 'request', id: 1, command: 'setFilePriorities', payload }).length;
    const listed = Array.from({ length: files }, (_, index) => ({ index, priority: 2 as FilePriority }));
    expect(request({ infoHash: HASH, priorities: listed })).toBeGreaterThan(WEB_HOST_MAX_FRAME);
    const runs = encodeFilePriorityChanges(listed);
    expect(runs).toBe(allFilesRun(files, 2));
    expect(request({ infoHash: HASH, runs })).toBeLessThan(200);
    expect(decodeFilePriorityRuns(runs)).toEqual([{ first: 0, count: files, priority: 2 }]);
  });

  it('packs any change in about two bytes a file: every other file of 750,000 skipped', () => {
    const changes = Array.from({ length: 750_000 }, (_, index) => ({ index, priority: (index % 2 === 0 ? 0 : 1) as FilePriority }));
    const runs = encodeFilePriorityChanges(changes);
    expect(runs.length).toBeLessThan(2.1 * 1024 * 1024);
    const decoded = decodeFilePriorityRuns(runs);
    expect(decoded).toHaveLength(750_000);
    expect(decoded.every((r, i) => r.first === i && r.count === 1 && r.priority === changes[i]!.priority)).toBe(true);
    expect(parseCommandPayload('setFilePriorities', { infoHash: HASH, runs })).toEqual({ infoHash: HASH, runs });
  });

  it('sorts, joins neighbours of one priority, and keeps the last priority named for a file', () => {
    const runs = encodeFilePriorityChanges([
      { index: 9, priority: 1 },
      { index: 3, priority: 0 },
      { index: 4, priority: 0 },
      { index: 5, priority: 2 },
      { index: 5, priority: 0 },
      { index: 7, priority: 1 },
      { index: 8, priority: 1 },
      { index: 0, priority: 2 },
    ]);
    expect(decodeFilePriorityRuns(runs)).toEqual([
      { first: 0, count: 1, priority: 2 },
      { first: 3, count: 3, priority: 0 },
      { first: 7, count: 3, priority: 1 },
    ]);
  });

  it('round-trips runs of all three priorities, in index order', () => {
    const runs = [
      { first: 0, count: 10, priority: 1 },
      { first: 10, count: 5, priority: 0 },
      { first: 20, count: 1, priority: 2 },
      { first: 21, count: 100_000, priority: 0 },
      { first: LIMITS.files - 1, count: 1, priority: 1 },
    ] as const;
    expect(decodeFilePriorityRuns(encodeFilePriorityRuns(runs))).toEqual(runs);
  });

  it('refuses malformed packings with a clear message, allocating nothing for a lying count', () => {
    const bad = (text: string, message: string): void => expect(() => decodeFilePriorityRuns(text)).toThrow(message);
    bad('***', 'runs: is not base64');
    bad('', 'runs: names no file');
    bad(packed((w) => (w.u8(3), w.varint(1), w.varint(0), w.varint(0))), 'unknown priority 3');
    bad(packed((w) => (w.u8(1), w.varint(0))), 'a group of 0 runs');
    // A billion runs announced in a few bytes.
    bad(packed((w) => (w.u8(1), w.varint(1e9), w.varint(0), w.varint(0))), 'a group of 1000000000 runs');
    bad(packed((w) => (w.u8(1), w.varint(1), w.u8(0x80), w.u8(0x80))), 'ends too early');
    bad(packed((w) => (w.u8(1), w.varint(1), w.varint(LIMITS.files), w.varint(0))), `past the ${LIMITS.files} files`);
    bad(packed((w) => (w.u8(1), w.varint(1), w.varint(0), w.varint(LIMITS.files))), `past the ${LIMITS.files} files`);
    bad(packed((w) => (w.u8(1), w.varint(1), w.varint(0), w.varint(0), w.u8(1), w.varint(1), w.varint(5), w.varint(0))), 'names priority 1 twice');
    bad(packed((w) => (w.u8(1), w.varint(1), w.varint(0), w.varint(9), w.u8(2), w.varint(1), w.varint(5), w.varint(0))), 'gives file 5 two priorities (1 and 2)');
    bad(packed((w) => (w.u8(1), w.varint(1), w.varint(0), [0x80, 0x80, 0x80, 0x80, 0x80, 0x01].forEach((b) => w.u8(b)))), 'a number longer than 5 bytes');
    bad(bytesToBase64(new Uint8Array(MAX_FILE_PRIORITY_RUNS_BYTES + 1)), `longer than ${MAX_FILE_PRIORITY_RUNS_BYTES} bytes`);
  });

  it('has room for the longest packing of a torrent of LIMITS.files files', () => {
    // Every file its own run, alternating between two priorities: the gaps are 1 byte here; the
    // bound allows 3-byte gaps and 1-byte lengths for any index below LIMITS.files.
    const changes = Array.from({ length: LIMITS.files }, (_, index) => ({ index, priority: (index % 2) as FilePriority }));
    const runs = encodeFilePriorityChanges(changes);
    expect(parseCommandPayload('setFilePriorities', { infoHash: HASH, runs })).toEqual({ infoHash: HASH, runs });
    expect(2 ** 21).toBeGreaterThan(LIMITS.files);
  });

  it('throws only ValidationError on random bytes, and what it accepts names each file once', () => {
    const random = mulberry32(7);
    for (let i = 0; i < 5000; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 24) }, () => (random() < 0.5 ? Math.floor(random() * 4) : Math.floor(random() * 256)));
      try {
        const runs = decodeFilePriorityRuns(bytesToBase64(bytes));
        for (let k = 1; k < runs.length; k++) expect(runs[k]!.first).toBeGreaterThanOrEqual(runs[k - 1]!.first + runs[k - 1]!.count);
        expect(runs.every((r) => r.count >= 1 && r.first + r.count <= LIMITS.files)).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
      }
    }
  });
});
