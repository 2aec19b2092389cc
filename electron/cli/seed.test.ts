import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { captureOutput } from '../../e2e/support/captured-output.js';
import { torrentBytes, v1Info } from '../engine/metainfo/test-torrents.js';
import { runSeed, stoppedLine } from './seed.js';
import { signalExitCode } from './session-setup.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-seed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const output = captureOutput();
afterEach(() => {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
});

const HASH = '0123456789abcdef0123456789abcdef01234567';

describe('tessera seed', () => {
  it('refuses a magnet link, in any case, with exit 2', async () => {
    expect(await runSeed([`MAGNET:?xt=urn:btih:${HASH}`, '--dir', dir])).toBe(2);
    expect(output.err).toMatch(/seeding needs a \.torrent file, not a magnet link/);
    expect(output.err).not.toMatch(/ENOENT/);
  });

  it('does not create a missing --dir', async () => {
    const torrent = path.join(dir, 'x.torrent');
    writeFileSync(torrent, torrentBytes(v1Info({ name: 'x', length: 100 })));
    const missing = path.join(dir, 'typo', 'deeper');
    const state = path.join(dir, 'state');
    expect(await runSeed([torrent, '--dir', missing, '--state-dir', state, '--no-dht', '--no-lsd', '--no-port-mapping', '--port', '0'])).toBe(1);
    expect(output.err).toMatch(/typo.deeper is not a folder: no data to seed/);
    expect(existsSync(path.join(dir, 'typo'))).toBe(false);
  });

  it('ends --json output with a stopped object', () => {
    expect(JSON.parse(stoppedLine(12345, 'json'))).toEqual({ event: 'stopped', uploaded: 12345 });
    expect(stoppedLine(2048, 'terminal')).toBe('\nstopped; uploaded 2.0 KiB\n');
    expect(stoppedLine(2048, 'lines')).toBe('stopped; uploaded 2.0 KiB\n');
  });
});

describe('signalExitCode', () => {
  it('is 128 + the number of the signal that arrived', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
  });
});

describe('Ctrl-C while the data is being checked', () => {
  it('stops there (exit 0 for seed) instead of finishing the check and starting to seed', async () => {
    const data = path.join(dir, 'check');
    mkdirSync(data);
    const bytes = Buffer.alloc(100, 1);
    writeFileSync(path.join(data, 'c'), bytes);
    const torrent = path.join(dir, 'c.torrent');
    writeFileSync(torrent, torrentBytes(v1Info({ name: 'c', length: 100, pieces: createHash('sha1').update(bytes).digest() })));
    const running = runSeed([torrent, '--dir', data, '--state-dir', path.join(dir, 'state-check'), '--no-dht', '--no-lsd', '--no-port-mapping', '--port', '0']);
    // Delivered before the check can finish (the command is still reading its arguments).
    process.emit('SIGINT', 'SIGINT');
    expect(await running).toBe(0);
    expect(output.err).toMatch(/interrupted while checking the data/);
    expect(output.out).not.toMatch(/seeding/);
  });
});
