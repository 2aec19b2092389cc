import { describe, expect, it } from 'vitest';
import { OpenRequestQueue, parseArgv, parseOpenTarget, type OpenRequest } from './open-requests.js';

const MAGNET = 'magnet:?xt=urn:btih:' + 'a'.repeat(40) + '&dn=x';

describe('parseArgv', () => {
  it('packaged: skips the executable and switches, keeps torrents and magnets in order', () => {
    const argv = ['/opt/Tessera/tessera', '--no-sandbox', 'Movie.TORRENT', MAGNET, '/abs/b.torrent', 'notes.txt', '--allow-file-access-from-files'];
    expect(parseArgv(argv, { cwd: '/home/u', defaultApp: false })).toEqual([
      { kind: 'torrent', path: '/home/u/Movie.TORRENT' },
      { kind: 'magnet', uri: MAGNET },
      { kind: 'torrent', path: '/abs/b.torrent' },
    ]);
  });
  it('unpackaged (electron .): also skips the app folder', () => {
    expect(parseArgv(['/usr/bin/electron', '/src/tessera', 'x.torrent'], { cwd: '/w', defaultApp: true })).toEqual([{ kind: 'torrent', path: '/w/x.torrent' }]);
    expect(parseArgv(['/usr/bin/electron', 'y.torrent'], { cwd: '/w', defaultApp: true })).toEqual([]);
  });
  it('second-instance argv resolves relative paths against its working directory', () => {
    expect(parseArgv(['tessera', '../dl/a.torrent'], { cwd: '/home/u/docs', defaultApp: false })).toEqual([{ kind: 'torrent', path: '/home/u/dl/a.torrent' }]);
  });
  it('takes everything after -- literally and de-duplicates', () => {
    expect(parseArgv(['tessera', '--', '-weird.torrent', 'a.torrent', 'a.torrent'], { cwd: '/c', defaultApp: false })).toEqual([
      { kind: 'torrent', path: '/c/-weird.torrent' },
      { kind: 'torrent', path: '/c/a.torrent' },
    ]);
  });
  it('ignores empty, NUL-carrying, foreign-scheme and oversized arguments', () => {
    const argv = ['t', '', 'a\0.torrent', 'http://example.com/x.torrent', 'tessera://app/x.torrent', 'magnet:?' + 'x'.repeat(70_000), 'magnet:nope'];
    expect(parseArgv(argv, { cwd: '/', defaultApp: false })).toEqual([]);
  });
});

describe('parseOpenTarget (open-file / open-url)', () => {
  it('accepts file:// URLs, Windows paths and magnets with any case', () => {
    expect(parseOpenTarget('file:///tmp/a%20b.torrent', '/')).toEqual({ kind: 'torrent', path: '/tmp/a b.torrent' });
    expect(parseOpenTarget('MAGNET:?xt=urn:btih:abc', '/')).toEqual({ kind: 'magnet', uri: 'MAGNET:?xt=urn:btih:abc' });
    expect(parseOpenTarget('  ' + MAGNET + '\n', '/')).toEqual({ kind: 'magnet', uri: MAGNET });
    expect(parseOpenTarget('C:\\Users\\u\\a.torrent', '/')?.kind).toBe('torrent');
    expect(parseOpenTarget('/tmp/a.txt', '/')).toBeNull();
  });
});

describe('OpenRequestQueue', () => {
  it('buffers until attached, then delivers in order, survives handler errors, keeps delivering later pushes', async () => {
    const q = new OpenRequestQueue();
    const seen: OpenRequest[] = [];
    q.push({ kind: 'magnet', uri: 'magnet:?a' }, { kind: 'torrent', path: '/bad.torrent' });
    q.push({ kind: 'torrent', path: '/b.torrent' });
    expect(q.size).toBe(3);
    await q.attach(async (r) => {
      seen.push(r);
      if (r.kind === 'torrent' && r.path === '/bad.torrent') throw new Error('boom');
    });
    expect(seen.map((r) => (r.kind === 'torrent' ? r.path : r.uri))).toEqual(['magnet:?a', '/bad.torrent', '/b.torrent']);
    q.push({ kind: 'magnet', uri: 'magnet:?later' });
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toHaveLength(4);
    expect(q.size).toBe(0);
  });
});
