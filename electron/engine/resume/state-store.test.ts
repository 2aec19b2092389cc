import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ATOMIC_TEMP, writeFileAtomic } from './atomic-write.js';
import { StateStore } from './state-store.js';

const HASH = 'ab'.repeat(20);
let root: string;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-state-'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('replaces the file, and leaves no temp file behind when the rename fails', async () => {
    const target = path.join(root, 'x.resume');
    await writeFileAtomic(target, Buffer.from('one'));
    await writeFileAtomic(target, Buffer.from('two'));
    expect(await fs.readFile(target, 'utf8')).toBe('two');
    // A folder where the file should go: the write succeeds, the rename fails.
    const blocked = path.join(root, 'blocked');
    await fs.mkdir(path.join(blocked, 'x.resume'), { recursive: true });
    await expect(writeFileAtomic(path.join(blocked, 'x.resume'), Buffer.from('three'))).rejects.toThrow();
    expect(await fs.readdir(blocked)).toEqual(['x.resume']);
  });

  it('names its temp files so that they can be found again', async () => {
    expect(ATOMIC_TEMP.test(`.${HASH}.resume.0badf00d.tmp`)).toBe(true);
    expect(ATOMIC_TEMP.test(`${HASH}.resume`)).toBe(false);
  });
});

describe('StateStore.list', () => {
  it('removes temp files a crash left (a minute old or more), and keeps a younger one', async () => {
    const store = new StateStore(root);
    await store.saveTorrent(HASH, Buffer.from('d4:infod4:name1:xee'));
    const old = path.join(store.torrentsDir, `.${HASH}.resume.0badf00d.tmp`);
    const young = path.join(store.torrentsDir, `.${HASH}.torrent.12345678.tmp`);
    await fs.writeFile(old, 'torn');
    await fs.writeFile(young, 'in progress');
    const longAgo = new Date(Date.now() - 120_000);
    await fs.utimes(old, longAgo, longAgo);
    expect(await store.list()).toEqual([HASH]);
    expect((await fs.readdir(store.torrentsDir)).sort()).toEqual([`.${HASH}.torrent.12345678.tmp`, `${HASH}.torrent`]);
  });
});
