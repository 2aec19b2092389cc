import { describe, expect, it } from 'vitest';
import type { TorrentStats } from '../engine/index.js';
import { downloadProgress, seedStatus, statusMode, type StatusWriter } from './status-output.js';
import { torrentStats } from './test-stats.js';

/** A seed of one 1000-byte piece, unless a sample says otherwise. */
function stats(over: Partial<TorrentStats>): TorrentStats {
  return torrentStats({ state: 'seeding', size: 1000, pieceCount: 1, verifiedPieces: 1, completedBytes: 1000, ...over });
}

/** Samples once a second for `seconds`; returns everything written. */
function run(write: StatusWriter, seconds: number, sample: (t: number) => Partial<TorrentStats>): string[] {
  const out: string[] = [];
  for (let t = 0; t < seconds; t++) {
    const text = write(stats(sample(t)), t * 1000);
    if (text !== null) out.push(text);
  }
  return out;
}

describe('statusMode', () => {
  it('--json wins; otherwise a terminal or lines', () => {
    expect(statusMode(true, true)).toBe('json');
    expect(statusMode(false, true)).toBe('terminal');
    expect(statusMode(false, false)).toBe('lines');
    expect(statusMode(false, undefined)).toBe('lines');
  });
});

describe('seed status', () => {
  it('into a file or pipe, an idle seed writes one line in ten minutes (it wrote 600), each a whole line', () => {
    const out = run(seedStatus('lines'), 600, () => ({}));
    expect(out).toEqual(['0 peers  up 0 B/s  total 0 B  seeding\n']);
  });

  it('into a file or pipe, a peer arriving is reported, uploading at most once a minute', () => {
    const out = run(seedStatus('lines'), 180, (t) => (t < 30 ? {} : { peers: 1, uploaded: t * 1024, uploadRate: 1024 }));
    expect(out).toEqual([
      '0 peers  up 0 B/s  total 0 B  seeding\n',
      '1 peers  up 1.0 KiB/s  total 30.0 KiB  seeding\n',
      '1 peers  up 1.0 KiB/s  total 90.0 KiB  seeding\n',
      '1 peers  up 1.0 KiB/s  total 150.0 KiB  seeding\n',
    ]);
    expect(out.every((line) => !line.includes('\r'))).toBe(true);
  });

  it('--json: one object per line, only when a field changed', () => {
    const out = run(seedStatus('json'), 100, (t) => (t < 50 ? {} : { peers: 1, uploaded: 4096 }));
    expect(out.map((line) => JSON.parse(line) as unknown)).toEqual([
      { event: 'status', peers: 0, uploaded: 0, uploadRate: 0, state: 'seeding' },
      { event: 'status', peers: 1, uploaded: 4096, uploadRate: 0, state: 'seeding' },
    ]);
    expect(out.every((line) => line.endsWith('}\n') && line.indexOf('\n') === line.length - 1)).toBe(true);
  });

  it('on a terminal, the line is redrawn in place every time', () => {
    const out = run(seedStatus('terminal'), 3, () => ({}));
    expect(out).toEqual(Array(3).fill('\r0 peers  up 0 B/s  total 0 B  seeding\x1b[K'));
  });
});

describe('download progress', () => {
  const downloading = (t: number): Partial<TorrentStats> => ({ state: 'downloading', peers: 2, size: 600_000, completedBytes: t * 1000, downloadRate: 1000 });

  it('into a file or pipe: whole lines at each tenth of the data (and at most a minute apart)', () => {
    const out = run(downloadProgress('lines'), 600, downloading);
    expect(out.length).toBe(10);
    expect(out.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true);
    expect(out[1]).toMatch(/ 10\.0%/);
  });

  it('a download waiting for peers says so once, not every half second', () => {
    const out = run(downloadProgress('lines'), 600, () => ({ state: 'metadata', pieceCount: 0, size: 0, completedBytes: 0 }));
    expect(out).toEqual([`[${'-'.repeat(30)}] fetching metadata  0 peers  metadata\n`]);
  });

  it('--json prints no progress (its one summary comes at the end)', () => {
    expect(run(downloadProgress('json'), 10, downloading)).toEqual([]);
  });
});
