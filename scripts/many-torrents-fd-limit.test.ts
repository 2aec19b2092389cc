/**
 * Issue 11 item 4: one pool of file descriptors for all torrents (FilePool). 300 seeding
 * torrents in one session whose process may open only 128 files: every one is added, checked
 * and seeds, and comes back after a restart from its resume record without hashing again.
 * (Each torrent kept its file open before: the 100-somethingth add failed with EMFILE.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeData, runStep } from './bench-scale.js';

const TORRENTS = 300;
const NOFILE = 128;
let work: string;

beforeAll(async () => {
  work = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tessera-fd-limit-'));
  await makeData(work, TORRENTS);
});

afterAll(async () => {
  await fs.promises.rm(work, { recursive: true, force: true });
});

describe(`${TORRENTS} torrents under a limit of ${NOFILE} open files`, () => {
  it('are added, seed, and come back after a restart without re-hashing', async () => {
    const added = await runStep('add', work, TORRENTS, 0, 0, NOFILE);
    expect(added.fdLimit).toBe(String(NOFILE));
    expect(added.errors).toEqual([]);
    expect(added.seeding).toBe(TORRENTS);
    expect(added.checkedPieces).toBe(TORRENTS);
    expect(added.maxOpenFds).toBeLessThanOrEqual(NOFILE);

    const restarted = await runStep('restart', work, TORRENTS, 0, 0, NOFILE);
    expect(restarted.errors).toEqual([]);
    expect(restarted.torrents).toBe(TORRENTS);
    expect(restarted.seeding).toBe(TORRENTS);
    expect(restarted.checkedPieces).toBe(0);
    expect(restarted.resumedPieces).toBe(TORRENTS);
  }, 180_000);
});
