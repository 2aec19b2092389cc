import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { captureOutput } from '../../e2e/support/captured-output.js';
import { torrentBytes, v1Info } from '../engine/metainfo/test-torrents.js';
import { runDownload } from './download.js';
import { canonicalFolder, defaultLockDir, lockName, lockTransfer } from './transfer-lock.js';

const root = mkdtempSync(path.join(tmpdir(), 'tessera-transfer-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const HASH = '0123456789abcdef0123456789abcdef01234567';
const deadPid = (): string => spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();

describe('lockTransfer (one download/seed per torrent and folder)', () => {
  it('a second lock on the same torrent and folder, however spelt, names the live owner', async () => {
    const locks = path.join(root, 'locks-a');
    const data = path.join(root, 'data');
    mkdirSync(data);
    symlinkSync(data, path.join(root, 'link'));
    const first = await lockTransfer(HASH, data, locks);
    expect(first.kind).toBe('locked');
    // Held by this process; another process sees it as held: write the file as the parent (alive) would.
    const file = path.join(locks, lockName(HASH, await canonicalFolder(data)));
    writeFileSync(file, `${process.ppid}\n`);
    for (const spelling of [data + '/', path.join(root, 'link'), path.join(root, 'data', '..', 'data')]) {
      expect(await lockTransfer(HASH.toUpperCase(), spelling, locks)).toEqual({ kind: 'held', owner: process.ppid });
    }
    // Another torrent in that folder, or the same torrent elsewhere, is free.
    expect((await lockTransfer('f'.repeat(40), data, locks)).kind).toBe('locked');
    expect((await lockTransfer(HASH, path.join(root, 'elsewhere', 'not-yet'), locks)).kind).toBe('locked');
  });

  it('takes over the lock of a process that died (kill -9), and releases it', async () => {
    const locks = path.join(root, 'locks-b');
    mkdirSync(locks, { mode: 0o700 });
    const file = path.join(locks, lockName(HASH, await canonicalFolder(root)));
    writeFileSync(file, `${deadPid()}\n`);
    const lock = await lockTransfer(HASH, root, locks);
    if (lock.kind !== 'locked') throw new Error(`not locked: ${JSON.stringify(lock)}`);
    lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it('a lock folder that is a file is reported, not thrown', async () => {
    const notFolder = path.join(root, 'a-file');
    writeFileSync(notFolder, '');
    expect(await lockTransfer(HASH, root, notFolder)).toMatchObject({ kind: 'unavailable' });
  });

  it('lives in $XDG_RUNTIME_DIR when set, else a per-user folder in tmp', () => {
    expect(defaultLockDir({ XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/tessera');
    expect(defaultLockDir({ XDG_RUNTIME_DIR: 'relative' })).toMatch(/tessera-/);
  });
});

describe('tessera download while another one has the torrent and folder', () => {
  const output = captureOutput();
  const saved = process.env.XDG_RUNTIME_DIR;
  afterEach(() => {
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = saved;
  });

  it('refuses in one line naming its pid (exit 1), writing nothing into --dir', async () => {
    process.env.XDG_RUNTIME_DIR = path.join(root, 'runtime');
    const torrent = path.join(root, 'x.torrent');
    const bytes = torrentBytes(v1Info({ name: 'x', length: 100 }));
    writeFileSync(torrent, bytes);
    const dir = path.join(root, 'down');
    const { parseTorrent } = await import('../engine/metainfo/index.js');
    const lockDir = path.join(root, 'runtime', 'tessera');
    mkdirSync(lockDir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(lockDir, lockName(parseTorrent(bytes).infoHashHex, await canonicalFolder(dir))), `${process.ppid}\n`);
    const code = await runDownload([torrent, '--dir', dir, '--state-dir', path.join(root, 'state'), '--no-dht', '--no-lsd', '--no-port-mapping', '--port', '0']);
    expect(code).toBe(1);
    expect(output.err).toMatch(new RegExp(`another tessera \\(pid ${process.ppid}\\) is already downloading or seeding this torrent in .*down; wait for it`));
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});
