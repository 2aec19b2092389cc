import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { captureOutput } from '../../e2e/support/captured-output.js';
import { type BDict, decode, getDict, getInt, getString } from '../engine/bencode/index.js';
import { parseTorrent } from '../engine/metainfo/index.js';
import { runCli } from './cli.js';
import { trackerTiers } from './create.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-cli-create-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const output = captureOutput();
afterEach(() => {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
});

const source = path.join(dir, 'src.bin');
writeFileSync(source, Buffer.alloc(50_000, 3));

describe('trackerTiers', () => {
  it('makes one tier per --tracker, commas separating the trackers of a tier', () => {
    expect(trackerTiers(['http://a/x,udp://b:1', 'http://c/x', ' http://d/x , ,'])).toEqual([['http://a/x', 'udp://b:1'], ['http://c/x'], ['http://d/x']]);
    expect(trackerTiers(['http://a/x?k=1%2C2'])).toEqual([['http://a/x?k=1%2C2']]);
  });
});

describe('tessera create', () => {
  it('writes tiers, web seeds, source, creator; --no-date leaves the date out; --piece-length 32K', async () => {
    const out = path.join(dir, 'all.torrent');
    const code = await runCli([
      'create', source, '-o', out, '--format', 'v1', '--piece-length', '32K',
      '--tracker', 'http://a/announce,http://b/announce', '--tracker', 'udp://c:6969',
      '--web-seed', 'http://mirror/src.bin', '--web-seed', 'https://mirror2/src.bin',
      '--source', 'TRK', '--created-by', 'me', '--no-date', '--private',
    ]);
    expect(code, output.err).toBe(0);
    const bytes = readFileSync(out);
    const m = parseTorrent(bytes);
    expect(m.announce).toEqual([['http://a/announce', 'http://b/announce'], ['udp://c:6969']]);
    expect(m.urlList).toEqual(['http://mirror/src.bin', 'https://mirror2/src.bin']);
    expect(m.pieceLength).toBe(32 * 1024);
    expect(m.creationDate).toBeNull();
    expect(m.createdBy).toBe('me');
    const raw = decode(bytes) as BDict;
    expect(getString(getDict(raw, 'info')!, 'source')).toBe('TRK');
    expect(getInt(getDict(raw, 'info')!, 'private')).toBe(1);
    // --no-date: the same input, the same bytes.
    expect(await runCli(['create', source, '-o', out, '--format', 'v1', '--piece-length', '32K', '--no-date', '--created-by', ''])).toBe(0);
    const again = readFileSync(out);
    expect(parseTorrent(again).createdBy).toBeNull();
    expect(await runCli(['create', source, '-o', out, '--format', 'v1', '--piece-length', '32K', '--no-date', '--created-by', ''])).toBe(0);
    expect(readFileSync(out).equals(again)).toBe(true);
  });

  it("a folder's --web-seed without its final '/' gets one, with a notice on stderr", async () => {
    const folder = path.join(dir, 'album');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'a.bin'), Buffer.alloc(1000, 5));
    const out = path.join(dir, 'album.torrent');
    expect(await runCli(['create', folder, '-o', out, '--web-seed', 'http://mirror/pub'])).toBe(0);
    expect(parseTorrent(readFileSync(out)).urlList).toEqual(['http://mirror/pub/']);
    expect(output.err).toContain("tessera create: web seed http://mirror/pub written as http://mirror/pub/: for a folder, clients add the torrent's name only after a '/' (BEP 19); they will ask for http://mirror/pub/album/a.bin\n");
  });

  it('refuses a bad web seed or tracker in one line (exit 2), writing nothing', async () => {
    const out = path.join(dir, 'bad.torrent');
    expect(await runCli(['create', source, '-o', out, '--web-seed', 'ftp://m/x'])).toBe(2);
    expect(output.err).toBe('tessera create: web seed "ftp://m/x" must start with http://, https://\n');
    expect(await runCli(['create', source, '-o', out, '--tracker', 'http://ok/a,tracker.example:80'])).toBe(2);
    expect(output.err).toContain('tessera create: tracker "tracker.example:80" must start with http://, https://, udp://\n');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an empty folder, and one of empty files only, in one line', async () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(path.join(empty, 'sub'), { recursive: true });
    expect(await runCli(['create', empty, '-o', path.join(dir, 'e.torrent')])).toBe(2);
    expect(output.err).toMatch(/^tessera create: .*empty contains no files\n$/);
    writeFileSync(path.join(empty, 'sub', 'zero'), '');
    expect(await runCli(['create', empty, '-o', path.join(dir, 'e.torrent')])).toBe(2);
    expect(output.err).toMatch(/every file is empty\n$/);
  });
});
