import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTorrentFile, TorrentFileTooLarge } from './torrent-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-torrent-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readTorrentFile', () => {
  it('reads a file up to the limit whole', async () => {
    const file = path.join(dir, 'a.torrent');
    writeFileSync(file, Buffer.alloc(200_000, 7));
    expect((await readTorrentFile(file, 200_000)).equals(Buffer.alloc(200_000, 7))).toBe(true);
  });

  it('refuses a file one byte over the limit, and reads files whose size stat does not tell (/proc)', async () => {
    const file = path.join(dir, 'b.torrent');
    writeFileSync(file, Buffer.alloc(1001, 3));
    await expect(readTorrentFile(file, 1000)).rejects.toBeInstanceOf(TorrentFileTooLarge);
    expect((await readTorrentFile(file, 1001)).length).toBe(1001);
    const status = (await readTorrentFile('/proc/self/status', 1024 * 1024)).toString('latin1');
    expect(status).toMatch(/^Name:/);
    expect(status).toMatch(/VmRSS/);
  });

  it('stops at the limit on an endless input (/dev/zero grew the process to 23 GiB)', async () => {
    await expect(readTorrentFile('/dev/zero', 1024 * 1024)).rejects.toBeInstanceOf(TorrentFileTooLarge);
  });

  it('refuses a folder and a missing file with their codes', async () => {
    await expect(readTorrentFile(dir, 1024)).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(readTorrentFile(path.join(dir, 'missing.torrent'), 1024)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
