/**
 * `create` refusing an output inside the folder it hashes, `info` reading every .torrent the
 * engine loads and showing a btmh magnet's v2 hash, and `seed`/`download` with a state folder
 * they cannot use (found trying the CLI as a transmission-cli / libtorrent user would).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { captureOutput } from '../../e2e/support/captured-output.js';
import { torrentBytes, v1Info } from '../engine/metainfo/test-torrents.js';
import { runCli } from './cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-cli-review-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const output = captureOutput();
afterEach(() => {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
});

describe('tessera create -o inside the folder being hashed', () => {
  it('refuses with exit 2 and one line, writing nothing', async () => {
    const source = path.join(dir, 'album');
    mkdirSync(path.join(source, 'cd1'), { recursive: true });
    writeFileSync(path.join(source, 'cd1', 'a.bin'), Buffer.alloc(40_000, 1));
    const out = path.join(source, 'cd1', 'album.torrent');
    expect(await runCli(['create', source, '-o', out])).toBe(2);
    expect(output.err).toMatch(/^tessera create: .*album\.torrent is inside .*album, the folder being hashed.*\n$/);
    expect(output.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('still writes beside the folder, and a single file’s .torrent next to it', async () => {
    const source = path.join(dir, 'beside');
    mkdirSync(source);
    writeFileSync(path.join(source, 'a.bin'), Buffer.alloc(20_000, 2));
    expect(await runCli(['create', source, '-o', path.join(dir, 'beside.torrent'), '--format', 'v1'])).toBe(0);
    expect(await runCli(['create', path.join(source, 'a.bin'), '-o', path.join(source, 'a.torrent'), '--format', 'v1'])).toBe(0);
    expect(output.err).toBe('');
  });
});

describe('tessera info', () => {
  it('reads a .torrent above 10 MB that download accepts (the engine’s 16 MiB limit)', async () => {
    // 11 MB of SHA-1 piece hashes; the data they describe need not exist for `info`.
    const pieces = 550_000;
    const file = path.join(dir, 'large.torrent');
    writeFileSync(file, torrentBytes(v1Info({ name: 'large', length: pieces * 16384, pieces: Buffer.alloc(pieces * 20, 7) })));
    expect(await runCli(['info', file])).toBe(0);
    expect(output.out).toContain(`Pieces:        ${pieces}, last piece 16384 bytes`);
  });

  const V2 = '4a67e74105f4e438e2faca64de86348d3216df05c7d9fac3d926a4a4e2fc5520';
  const V1 = '0123456789abcdef0123456789abcdef01234567';

  it('shows a btmh magnet’s full v2 info-hash and says the short one is cut from it', async () => {
    expect(await runCli(['info', `magnet:?xt=urn:btmh:1220${V2}&dn=d`])).toBe(0);
    expect(output.out).toContain(`Info-hash:     ${V2.slice(0, 40)} (v2: first 20 bytes of the SHA-256)\n`);
    expect(output.out).toContain(`v2 info-hash:  ${V2}\n`);
  });

  it('shows both hashes of a hybrid magnet, in text and JSON', async () => {
    const uri = `magnet:?xt=urn:btih:${V1}&xt=urn:btmh:1220${V2}`;
    expect(await runCli(['info', uri])).toBe(0);
    expect(output.out).toContain(`Info-hash:     ${V1}\n`);
    expect(output.out).toContain(`v2 info-hash:  ${V2}\n`);
    output.out = '';
    expect(await runCli(['info', uri, '--json'])).toBe(0);
    expect(JSON.parse(output.out)).toMatchObject({ infoHash: V1, infoHashV2: V2 });
  });
});

describe('tessera seed/download with a state folder it cannot use', () => {
  const torrent = path.join(dir, 'small.torrent');
  const data = path.join(dir, 'empty-data');
  const common = ['--dir', data, '--no-dht', '--no-lsd', '--no-port-mapping', '--no-utp', '--port', '0'];

  it('says so in one line and goes on without it (a file in the way)', async () => {
    writeFileSync(torrent, torrentBytes(v1Info({ name: 'small', length: 100 })));
    mkdirSync(data, { recursive: true });
    writeFileSync(path.join(dir, 'plain-file'), 'x');
    const state = path.join(dir, 'plain-file', 'state');
    // No data in --dir: seed checks it, refuses (exit 1) and so ends the test.
    expect(await runCli(['seed', torrent, ...common, '--state-dir', state])).toBe(1);
    expect(output.err).toMatch(new RegExp(`^tessera: cannot use the state folder ${state.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(.*ENOTDIR.*\\); continuing without it`, 'm'));
    expect(output.err).toMatch(/no verified data for small/);
  });

  it('does not hang on a folder Node cannot create (procfs)', async () => {
    // Node's recursive mkdir loops for ever on ENOENT under /proc; before the fix the command never returned.
    expect(await runCli(['seed', torrent, ...common, '--state-dir', '/proc/tessera-no-such/state'])).toBe(1);
    expect(output.err).toMatch(/cannot use the state folder \/proc\/tessera-no-such\/state/);
  }, 20_000);
});
