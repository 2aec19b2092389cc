import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WatchFolder } from './watch-folder.js';

let dir: string;
let clock: number;
let added: Array<{ name: string; text: string }>;
let logs: string[];
let watcher: WatchFolder;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-watch-'));
  clock = 1_000_000;
  added = [];
  logs = [];
  watcher = new WatchFolder(
    dir,
    {
      add: async (bytes, name) => {
        const text = Buffer.from(bytes).toString('utf8');
        if (!text.startsWith('d')) throw new Error('not a torrent');
        added.push({ name, text });
      },
      log: (m) => logs.push(m),
    },
    undefined,
    () => clock,
    1500,
  );
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const write = (name: string, text: string, mtime = 1_700_000_000) => fs.writeFile(path.join(dir, name), text).then(() => fs.utimes(path.join(dir, name), mtime, mtime));
const scanAt = async (t: number) => {
  clock = t;
  await watcher.scan();
};
const listing = async () => (await fs.readdir(dir)).sort();

describe('WatchFolder', () => {
  it('adds a .torrent once it has settled, then renames it .added', async () => {
    await write('a.torrent', 'd4:infoe');
    await scanAt(1_000_000);
    expect(added).toEqual([]);
    await scanAt(1_001_000); // unchanged but not settled long enough
    expect(added).toEqual([]);
    await scanAt(1_002_000);
    expect(added).toEqual([{ name: 'a.torrent', text: 'd4:infoe' }]);
    expect(await listing()).toEqual(['a.torrent.added']);
    await scanAt(1_010_000);
    expect(added).toHaveLength(1);
  });

  it('a file still being written (size or mtime changing between scans) is not read early', async () => {
    await write('b.torrent', 'd4:in', 1_700_000_000);
    await scanAt(1_000_000);
    await write('b.torrent', 'd4:info', 1_700_000_001);
    await scanAt(1_002_000);
    expect(added).toEqual([]);
    await write('b.torrent', 'd4:infoe', 1_700_000_002);
    await scanAt(1_004_000);
    expect(added).toEqual([]);
    await scanAt(1_006_000);
    expect(added).toEqual([{ name: 'b.torrent', text: 'd4:infoe' }]);
  });

  it('something that is not a torrent is set aside as .invalid and logged; other files are left alone', async () => {
    await write('bad.torrent', 'hello');
    await write('notes.txt', 'x');
    await scanAt(1_000_000);
    await scanAt(1_002_000);
    expect(added).toEqual([]);
    expect(await listing()).toEqual(['bad.torrent.invalid', 'notes.txt']);
    expect(logs.join('\n')).toMatch(/bad\.torrent: not a torrent/);
  });

  it('a missing folder is quietly waited for', async () => {
    const missing = new WatchFolder(path.join(dir, 'nope'), { add: async () => undefined, log: (m) => logs.push(m) });
    await missing.scan();
    expect(logs).toEqual([]);
  });

  it('a file that cannot be set aside (read-only folder) is added and reported once, not again every scan until it changes', async () => {
    const readOnly = new WatchFolder(
      dir,
      {
        add: async (bytes, name) => {
          added.push({ name, text: Buffer.from(bytes).toString('utf8') });
        },
        log: (m) => logs.push(m),
      },
      { readdir: (d) => fs.readdir(d), stat: (f) => fs.stat(f), readFile: (f) => fs.readFile(f), rename: () => Promise.reject(new Error('EROFS: read-only file system')) },
      () => clock,
      1500,
    );
    await write('c.torrent', 'd4:infoe');
    for (let t = 1_000_000; t <= 1_020_000; t += 2000) {
      clock = t;
      await readOnly.scan();
    }
    expect(added).toHaveLength(1);
    expect(logs.filter((m) => /cannot set c\.torrent aside/.test(m))).toHaveLength(1);
    // Changed since: it is a new file to add.
    await write('c.torrent', 'd5:info2e', 1_700_000_100);
    for (let t = 1_030_000; t <= 1_040_000; t += 2000) {
      clock = t;
      await readOnly.scan();
    }
    expect(added.map((a) => a.text)).toEqual(['d4:infoe', 'd5:info2e']);
  });
});
