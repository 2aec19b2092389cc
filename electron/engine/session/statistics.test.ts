import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATISTICS_FILE, StatisticsKeeper } from './statistics.js';

let dir = '';
afterEach(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
  dir = '';
});

describe('StatisticsKeeper', () => {
  it('counts growth of life totals, not what a torrent had when first seen', () => {
    const k = new StatisticsKeeper(null);
    k.observe('a', { downloaded: 1000, uploaded: 50 });
    k.observe('a', { downloaded: 1500, uploaded: 80 });
    k.observe('b', { downloaded: 0, uploaded: 0 });
    k.observe('b', { downloaded: 100, uploaded: 0 });
    expect(k.snapshot()).toMatchObject({ sessionDownloaded: 600, sessionUploaded: 30 });
  });

  it('a torrent that is removed keeps what it moved; one that comes back starts a new baseline', () => {
    const k = new StatisticsKeeper(null);
    k.observe('a', { downloaded: 0, uploaded: 0 });
    k.observe('a', { downloaded: 10, uploaded: 5 });
    k.forget('a');
    k.observe('a', { downloaded: 10, uploaded: 5 });
    k.observe('a', { downloaded: 12, uploaded: 5 });
    expect(k.snapshot()).toMatchObject({ sessionDownloaded: 12, sessionUploaded: 5 });
  });

  it('all-time totals survive a restart through the state folder', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-stats-'));
    const first = StatisticsKeeper.forStateDir(dir);
    await first.load();
    first.observe('a', { downloaded: 0, uploaded: 0 });
    first.observe('a', { downloaded: 4000, uploaded: 1000 });
    await first.save();
    const second = StatisticsKeeper.forStateDir(dir);
    await second.load();
    second.observe('b', { downloaded: 0, uploaded: 0 });
    second.observe('b', { downloaded: 1000, uploaded: 4000 });
    expect(second.snapshot()).toEqual({ sessionDownloaded: 1000, sessionUploaded: 4000, allTimeDownloaded: 5000, allTimeUploaded: 5000, allTimeRatio: 1 });
  });

  it('a damaged file counts from zero instead of failing', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-stats-'));
    await fs.writeFile(path.join(dir, STATISTICS_FILE), '{not json');
    const k = StatisticsKeeper.forStateDir(dir);
    await k.load();
    expect(k.snapshot().allTimeDownloaded).toBe(0);
  });
});
