import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetainfoError, parseTorrent, resolveInSaveDir } from './index.js';
import { torrentBytes, v1Info } from './test-torrents.js';

const SAVE = path.resolve('/srv/downloads');

describe('resolveInSaveDir', () => {
  it('resolves paths inside the save directory', () => {
    expect(resolveInSaveDir(SAVE, 'album/cd1/track.flac')).toBe(path.join(SAVE, 'album', 'cd1', 'track.flac'));
    expect(resolveInSaveDir(`${SAVE}/`, 'file.iso')).toBe(path.join(SAVE, 'file.iso'));
    expect(resolveInSaveDir('relative/dir', 'a')).toBe(path.resolve('relative/dir', 'a'));
    // Harmless dots that stay inside are fine.
    expect(resolveInSaveDir(SAVE, 'a/./b/../c')).toBe(path.join(SAVE, 'a', 'c'));
    expect(resolveInSaveDir(SAVE, '..foo')).toBe(path.join(SAVE, '..foo'));
  });

  it.each([
    ['..', 'the parent itself'],
    ['../x', 'a sibling'],
    ['a/../../x', 'a sneaky climb'],
    ['a/../..', 'the parent via a subdirectory'],
    ['/etc/passwd', 'an absolute path'],
    ['C:\\Windows\\evil.dll', 'a Windows absolute path'],
    ['\\\\server\\share', 'a UNC path'],
    ['', 'an empty path'],
    ['.', 'the save directory itself'],
    ['a/..', 'the save directory via a subdirectory'],
    ['a\0b', 'a NUL byte'],
  ])('refuses %j (%s)', (rel) => {
    expect(() => resolveInSaveDir(SAVE, rel)).toThrow(MetainfoError);
  });

  it('gives what path.resolve gives for ordinary names (the shortcut it takes for them)', () => {
    const names = ['a', 'a/b/c.txt', '..foo/bar', 'x/.hidden', 'x/...', 'dir\\name/f', ' sp ace/ü.bin', '.../a'];
    for (const base of [SAVE, `${SAVE}/`, '/', 'relative/dir']) {
      for (const rel of names) expect(resolveInSaveDir(base, rel), `${base} + ${rel}`).toBe(path.resolve(base, rel));
    }
  });

  it('reports the error code', () => {
    try {
      resolveInSaveDir(SAVE, '../x');
    } catch (e) {
      expect((e as MetainfoError).code).toBe('path_outside_save_dir');
    }
  });

  it('accepts every path the parser produces, even from hostile torrents', () => {
    const hostile = [
      ['..', '..', 'etc', 'passwd'],
      ['/', 'etc', 'passwd'],
      ['..\\..\\boot.ini'],
      ['a/../../../b'],
      ['', '.', '..'],
      ['\u202E', 'x'],
    ];
    const m = parseTorrent(torrentBytes(v1Info({ name: '..', files: hostile.map((p, i) => ({ path: p, length: i + 1 })) })));
    for (const f of m.files) {
      const resolved = resolveInSaveDir(SAVE, f.path);
      expect(resolved.startsWith(SAVE + path.sep)).toBe(true);
    }
  });
});
