import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashingProgress, PROGRESS_MIN_BYTES, writeTorrentFile } from './create-output.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-create-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recorder(isTTY: boolean): { stream: { isTTY: boolean; write: (t: string) => void }; text: () => string } {
  const parts: string[] = [];
  return { stream: { isTTY, write: (t) => parts.push(t) }, text: () => parts.join('') };
}

describe('hashingProgress', () => {
  const total = 4 * PROGRESS_MIN_BYTES;

  it('says nothing for small inputs', () => {
    const r = recorder(false);
    const progress = hashingProgress(r.stream).update;
    for (let h = 0; h <= PROGRESS_MIN_BYTES - 1; h += 1024 * 1024) progress(h, PROGRESS_MIN_BYTES - 1);
    expect(r.text()).toBe('');
  });

  it('writes one line per 10 % to a log or pipe', () => {
    const r = recorder(false);
    const progress = hashingProgress(r.stream).update;
    for (let i = 1; i <= 100; i++) progress((total * i) / 100, total);
    const lines = r.text().trimEnd().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('tessera create: hashing: 10% (25.6 MiB of 256 MiB)');
    expect(lines[9]).toBe('tessera create: hashing: 100% (256 MiB of 256 MiB)');
  });

  it('rewrites one line on a terminal and clears it when done', () => {
    const r = recorder(true);
    const { update, end } = hashingProgress(r.stream);
    update(total / 2, total);
    update(total / 2 + 1, total); // same whole percent: nothing new
    update(total, total);
    end(); // nothing left to clear
    expect(r.text()).toBe('\rhashing: 50% (128 MiB of 256 MiB)\x1b[K\r\x1b[K');
  });

  it('clears the line hashing left on a terminal when it failed midway', () => {
    const r = recorder(true);
    const { update, end } = hashingProgress(r.stream);
    update(total / 4, total);
    end();
    end();
    expect(r.text()).toBe('\rhashing: 25% (64 MiB of 256 MiB)\x1b[K\r\x1b[K');
  });
});

describe('writeTorrentFile', () => {
  it('replaces the output whole and leaves no temp file', async () => {
    const out = path.join(dir, 'a.torrent');
    writeFileSync(out, 'old');
    await writeTorrentFile(out, Buffer.from('new torrent'));
    expect(readFileSync(out, 'utf8')).toBe('new torrent');
    expect(readdirSync(dir)).toEqual(['a.torrent']);
  });

  it('on failure leaves what was there and removes its temp file', async () => {
    // Renaming a file over a non-empty folder fails after the temp file was written.
    const folder = path.join(dir, 'folder.torrent');
    mkdirSync(path.join(folder, 'inside'), { recursive: true });
    await expect(writeTorrentFile(folder, Buffer.from('t'))).rejects.toThrow();
    expect(existsSync(path.join(folder, 'inside'))).toBe(true);
    expect(readdirSync(dir).filter((n) => n.endsWith('.part'))).toEqual([]);
  });
});
