/**
 * createTorrent's `signal`: a cancel must not wait for the walk of a huge tree (or '/') to end,
 * nor for the hashing threads to finish their runs.
 */
import { promises as fsp } from 'node:fs';
import { mkdtemp, mkdir, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTorrent } from './create.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tessera-create-abort-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

/** Counts the walk's system calls (stat of each file, readdir of each folder). */
function countFsCalls(): { calls: () => number } {
  const stat = vi.spyOn(fsp, 'stat');
  const readdir = vi.spyOn(fsp, 'readdir');
  return { calls: () => stat.mock.calls.length + readdir.mock.calls.length };
}

describe('createTorrent signal', () => {
  it('an abort during the walk of a folder with many entries rejects at the next entry: no further file is looked at, no hashing starts', async () => {
    const folder = path.join(root, 'tree');
    await mkdir(folder);
    // The walk lists entries sorted by bytes: the dangling link ('!' < '0') comes first and
    // its warning is our moment inside the walk, with 2000 files and 20 folders still to go.
    await symlink(path.join(root, 'nowhere'), path.join(folder, '!dangling'));
    for (let d = 0; d < 20; d++) {
      const sub = path.join(folder, `d${String(d).padStart(2, '0')}`);
      await mkdir(sub);
      await Promise.all(Array.from({ length: 100 }, (_, f) => writeFile(path.join(sub, `f${f}`), 'x')));
    }
    const fs = countFsCalls();
    const controller = new AbortController();
    let callsAtAbort = -1;
    const progress = vi.fn();
    const made = createTorrent({
      sourcePath: folder,
      signal: controller.signal,
      onProgress: progress,
      onWarning: () => {
        callsAtAbort = fs.calls();
        controller.abort();
      },
    });
    await expect(made).rejects.toMatchObject({ name: 'AbortError' });
    expect(callsAtAbort).toBeGreaterThan(0);
    expect(fs.calls()).toBe(callsAtAbort);
    expect(progress).not.toHaveBeenCalled();
  });

  it('an aborted signal rejects before the file system is touched', async () => {
    await writeFile(path.join(root, 'f'), 'data');
    const fs = countFsCalls();
    const controller = new AbortController();
    controller.abort();
    await expect(createTorrent({ sourcePath: path.join(root, 'f'), signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(fs.calls()).toBe(0);
  });

  it.each(['v1', 'hybrid'] as const)('an abort while hashing (%s) terminates the threads: no run after it reports, the promise rejects', async (format) => {
    // 96 MiB (sparse, so quick to make and read): three 32 MiB v1 runs, six 16 MiB v2 jobs.
    const big = path.join(root, 'big.bin');
    await writeFile(big, '');
    await truncate(big, 96 * 1024 * 1024);
    const controller = new AbortController();
    const reports: number[] = [];
    const made = createTorrent({
      sourcePath: big,
      format,
      signal: controller.signal,
      onProgress: (hashed) => {
        reports.push(hashed);
        controller.abort();
      },
    });
    await expect(made).rejects.toMatchObject({ name: 'AbortError' });
    expect(reports).toHaveLength(1);
  });
});
