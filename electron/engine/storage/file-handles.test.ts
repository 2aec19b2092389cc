import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FilePool } from './file-pool.js';
import { FileHandles } from './file-handles.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempRoot(): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-handles-'));
  dirs.push(base);
  return path.join(base, 'Downloads');
}

describe('FileHandles save folder', () => {
  it('makes the save folder once for every torrent in it, and again after it was deleted', async () => {
    const root = tempRoot();
    const a = new FileHandles(root, undefined, new FilePool(8));
    const b = new FileHandles(root, undefined, new FilePool(8));
    await a.use(path.join(root, 'a.bin'), 4, true, async () => undefined);
    expect(fs.statSync(path.join(root, 'a.bin')).size).toBe(4);
    await a.closeAll();
    // Deleted behind our back: the next torrent to create a file there makes it again.
    fs.rmSync(root, { recursive: true, force: true });
    await b.use(path.join(root, 'b.bin'), 8, true, async () => undefined);
    expect(fs.statSync(path.join(root, 'b.bin')).size).toBe(8);
    await b.closeAll();
    fs.rmSync(root, { recursive: true, force: true });
    // And so does the first one, which had made it itself before.
    await a.use(path.join(root, 'c.bin'), 2, true, async () => undefined);
    expect(fs.statSync(path.join(root, 'c.bin')).size).toBe(2);
    await a.closeAll();
  });

  it('cuts a longer file to the torrent\'s length when opening it for writing (as libtorrent), never when reading', async () => {
    const root = tempRoot();
    fs.mkdirSync(root);
    const file = path.join(root, 'movie.mkv');
    fs.writeFileSync(file, Buffer.alloc(300, 7));
    const h = new FileHandles(root, undefined, new FilePool(8));
    await h.use(file, 100, false, async () => undefined);
    expect(fs.statSync(file).size).toBe(300);
    await h.use(file, 100, true, async () => undefined);
    expect(fs.statSync(file).size).toBe(100);
    // The torrent's bytes it had are kept.
    expect(fs.readFileSync(file)).toEqual(Buffer.alloc(100, 7));
    await h.closeAll();
  });

  it('does not make the save folder for reading', async () => {
    const root = tempRoot();
    const h = new FileHandles(root, undefined, new FilePool(8));
    await expect(h.use(path.join(root, 'x.bin'), 4, false, async () => undefined)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(fs.existsSync(root)).toBe(false);
  });
});
