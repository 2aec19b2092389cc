import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderListings } from './folder-listings.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-listings-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('FolderListings', () => {
  it('looks at the first file of a folder on its own, with its lstat; later ones from the listing', async () => {
    await fs.writeFile(path.join(dir, 'a'), 'four');
    await fs.writeFile(path.join(dir, 'b'), 'x');
    await fs.symlink(path.join(dir, 'a'), path.join(dir, 'link'));
    const listings = new FolderListings();
    const first = await listings.look(path.join(dir, 'a'));
    expect(first.kind).toBe('present');
    expect(first.stats?.size).toBe(4);
    expect(await listings.look(path.join(dir, 'b'))).toEqual({ kind: 'present', stats: null });
    expect((await listings.look(path.join(dir, 'link'))).kind).toBe('link');
    expect((await listings.look(path.join(dir, 'nope'))).kind).toBe('missing');
  });

  it('reports a missing first file, a link first, and files of a missing folder', async () => {
    await fs.symlink('/nonexistent-target', path.join(dir, 'dangling'));
    expect(await new FolderListings().look(path.join(dir, 'none'))).toEqual({ kind: 'missing', stats: null });
    expect((await new FolderListings().lookup(path.join(dir, 'dangling')))).toBe('link');
    const listings = new FolderListings();
    expect(await listings.lookup(path.join(dir, 'gone', 'x'))).toBe('missing');
    expect(await listings.lookup(path.join(dir, 'gone', 'y'))).toBe('missing');
  });
});
