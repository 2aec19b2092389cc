import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { captureOutput } from '../../e2e/support/captured-output.js';
import type { TorrentStats } from '../engine/index.js';
import { torrentBytes, v1Info } from '../engine/metainfo/test-torrents.js';
import { cannotWrite, runDownload } from './download.js';

const root = mkdtempSync(path.join(tmpdir(), 'tessera-download-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const output = captureOutput();
afterEach(() => {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
});

const torrent = path.join(root, 'x.torrent');
writeFileSync(torrent, torrentBytes(v1Info({ name: 'x', length: 100 })));
const quiet = ['--state-dir', path.join(root, 'state'), '--no-dht', '--no-lsd', '--no-port-mapping', '--port', '0'];

describe('tessera download into a folder it cannot use', () => {
  it('--dir that is a file: one line, exit 1 (it said "EEXIST: file already exists, mkdir")', async () => {
    expect(await runDownload([torrent, '--dir', torrent, ...quiet])).toBe(1);
    expect(output.err).toMatch(/--dir .*x\.torrent is a file, not a folder/);
  });

  it('--dir that cannot be created (under /proc): one line, exit 1 (the engine spun there for good, deaf to Ctrl-C)', async () => {
    expect(await runDownload([torrent, '--dir', '/proc/tessera-no-such/dir', ...quiet])).toBe(1);
    expect(output.err).toMatch(/cannot create --dir \/proc\/tessera-no-such\/dir/);
  });

  it('a folder that cannot be written stops a download that has something to write, not one that is complete', async () => {
    const downloading = { state: 'downloading' } as TorrentStats;
    expect(await cannotWrite('/proc/self', downloading)).toMatch(/^cannot write into \/proc\/self \(.*\): nothing can be downloaded there$/);
    expect(await cannotWrite('/proc/self', { state: 'seeding' } as TorrentStats)).toBeNull();
    expect(await cannotWrite(root, downloading)).toBeNull();
  });
});
