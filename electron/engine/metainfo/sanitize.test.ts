import { describe, expect, it } from 'vitest';
import { parseTorrent, sanitizePathElement } from './index.js';
import { sanitizeText } from './sanitize.js';
import { torrentBytes, v1Info } from './test-torrents.js';

const el = (s: string | number[]): string | null => sanitizePathElement(typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s));

describe('sanitizePathElement', () => {
  it('keeps ordinary names untouched', () => {
    expect(el('track 01.flac')).toBe('track 01.flac');
    expect(el('日本語.txt')).toBe('日本語.txt');
    expect(el('.hidden')).toBe('.hidden');
    expect(el('a.b.c')).toBe('a.b.c');
    expect(el(' leading space')).toBe(' leading space');
  });

  it('a plain ASCII name (read as it is) comes out as the full decoding makes it', () => {
    // A zero-width space is removed by the full, code-point-by-code-point path, and sends any
    // element there: with one, each name must come out the same as without.
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i));
    const names = [...printable, ...printable.flatMap((a) => printable.map((b) => a + b))];
    for (const a of ['.', ' ', 'n', 'N', 'u', 'l', 'x', 'c', 'o', ':', '\\']) {
      for (const b of ['.', ' ', 'u', 'l', 'o', 'n', 't']) for (const c of ['.', ' ', 'l', 'n', '1', 'x', 'k']) names.push(a + b + c, `${a + b + c}.txt`);
    }
    names.push('clock$', 'CLOCK$ .x', 'com1', 'lpt9.tar.gz', 'a'.repeat(239), `${'a'.repeat(230)}.ext`);
    for (const name of names) expect([name, el(name)]).toEqual([name, el(`${name}\u200b`)]);
  });

  it('drops "." and ".." and elements that are only separators', () => {
    expect(el('.')).toBeNull();
    expect(el('..')).toBeNull();
    expect(el('/')).toBeNull();
    expect(el('\\')).toBeNull();
    expect(el('/..')).toBeNull();
    expect(el('\\.\\')).toBeNull();
  });

  it('turns an empty element into "_"', () => {
    expect(el('')).toBe('_');
  });

  it('removes separators inside an element, so it can never climb out', () => {
    expect(el('foo/../../../bar')).toBe('foo......bar');
    expect(el('abc/../../def')).toBe('abc....def');
    expect(el('/foobar')).toBe('foobar');
    expect(el('a\\b')).toBe('ab');
    expect(el('C:\\Windows')).toBe('C_Windows');
  });

  it('replaces control characters and invalid UTF-8 with "_"', () => {
    expect(el('a\tb\nc')).toBe('a_b_c');
    expect(el([0x61, 0x7f, 0x62])).toBe('a_b');
    expect(el([0xc2, 0x85])).toBe('_'); // C1 control NEL
    expect(el([0xff, 0x65, 0x73, 0x74])).toBe('_est');
    expect(el([0xc0, 0xaf])).toBe('_'); // overlong "/"
    expect(el([0xed, 0xa0, 0x80])).toBe('_'); // surrogate
    expect(el([0x61, 0xe6])).toBe('a_'); // truncated sequence
  });

  it('removes NUL and invisible direction / zero-width characters', () => {
    expect(el([0x61, 0x00, 0x62])).toBe('ab');
    expect(el('evil\u202Egnp.exe')).toBe('evilgnp.exe');
    expect(el('a\u200Bb\uFEFF')).toBe('ab');
  });

  it('shortens elements over 240 bytes, keeping a short extension', () => {
    const long = `${'a'.repeat(300)}.txt`;
    const cut = el(long) as string;
    expect(Buffer.byteLength(cut)).toBe(244);
    expect(cut.endsWith('a.txt')).toBe(true);
    const noExt = el('b'.repeat(300)) as string;
    expect(noExt).toBe('b'.repeat(240));
    // A long extension is not an extension: plain cut.
    expect(el(`${'c'.repeat(300)}.verylongextension`)).toBe('c'.repeat(240));
    // Never split a multi-byte character.
    const multi = el('é'.repeat(200)) as string;
    expect(Buffer.byteLength(multi)).toBe(240);
    expect(multi).toBe('é'.repeat(120));
  });
});

describe('sanitizePathElement: Windows names, on every platform (libtorrent on Windows)', () => {
  it.each([
    // Device names, with any extension and in any case, get "_" in front.
    ['CON', '_CON'],
    ['con', '_con'],
    ['nul.txt', '_nul.txt'],
    ['NUL.tar.gz', '_NUL.tar.gz'],
    ['nul .txt', '_nul .txt'],
    ['Aux.h', '_Aux.h'],
    ['PRN', '_PRN'],
    ['com1', '_com1'],
    ['COM9.log', '_COM9.log'],
    ['lpt1', '_lpt1'],
    ['LPT9.dat', '_LPT9.dat'],
    ['com\u00b9', '_com\u00b9'],
    ['clock$', '_clock$'],
    ['CON.', '_CON'],
    // Not device names.
    ['console', 'console'],
    ['com10', 'com10'],
    ['lpt', 'lpt'],
    ['nul_.txt', 'nul_.txt'],
    ['a.con', 'a.con'],
    // Characters Windows forbids become "_".
    ['a:b', 'a_b'],
    ['a<b>c', 'a_b_c'],
    ['"quoted"', '_quoted_'],
    ['pipe|star*', 'pipe_star_'],
    ['what?', 'what_'],
    // Trailing dots and spaces are dropped.
    ['foobar ', 'foobar'],
    ['name.', 'name'],
    ['name. . ', 'name'],
    ['a..', 'a'],
  ])('%j -> %j', (name, clean) => {
    expect(el(name)).toBe(clean);
  });

  it('drops an element that is nothing but dots and spaces', () => {
    expect(el('...')).toBeNull();
    expect(el(' ')).toBeNull();
    expect(el('. .')).toBeNull();
    expect(el('.. ')).toBeNull();
  });

  it('gives the same names wherever it runs (a torrent names the same files everywhere)', () => {
    const m = parseTorrent(
      torrentBytes(
        v1Info({
          name: 'album.',
          files: [
            { path: ['CON'], length: 5 },
            { path: ['disc 1 ', 'a:b?.flac'], length: 5 },
            { path: ['nul.txt'], length: 5 },
            { path: ['...', 'x'], length: 5 },
          ],
        }),
      ),
    );
    expect(m.name).toBe('album');
    expect(m.files.map((f) => f.path)).toEqual(['album/_CON', 'album/disc 1/a_b_.flac', 'album/_nul.txt', 'album/x']);
  });

  it('keeps names apart that Windows would merge: renamed like any duplicate', () => {
    const m = parseTorrent(torrentBytes(v1Info({ name: 'd', files: [{ path: ['a.'], length: 5 }, { path: ['a'], length: 5 }] })));
    expect(m.files.map((f) => f.path)).toEqual(['d/a', 'd/a.1']);
  });
});

describe('sanitizeText', () => {
  it('keeps valid UTF-8 and replaces invalid sequences', () => {
    expect(sanitizeText(Buffer.from('héllo'))).toBe('héllo');
    expect(sanitizeText(Buffer.from([0x68, 0xff, 0x6c]))).toBe('h_l');
    // Like libtorrent, a broken multi-byte sequence is replaced as a whole (its length taken from the lead byte).
    expect(sanitizeText(Buffer.from([0x68, 0xe9, 0x6c, 0x6c, 0x6f]))).toBe('h_o');
  });
});

describe('file paths in torrents (libtorrent test torrents, rebuilt)', () => {
  const paths = (files: Array<{ path: Array<string | Buffer>; length: number }>): string[] =>
    parseTorrent(torrentBytes(v1Info({ name: 'temp', files }))).files.map((f) => f.path);

  it('drops ".." elements (parent_path)', () => {
    expect(paths([{ path: ['..', '..', 'bar'], length: 425 }])).toEqual(['temp/bar']);
  });

  it('collapses separators inside an element (hidden_parent_path, slash_path2)', () => {
    expect(paths([{ path: ['foo/../../../bar'], length: 425 }])).toEqual(['temp/foo......bar']);
    expect(paths([{ path: ['abc/../../def', '/', 'bar'], length: 425 }])).toEqual(['temp/abc....def/bar']);
  });

  it('strips absolute roots and separator-only elements (absolute_filename, slash_path, backslash_path)', () => {
    expect(paths([{ path: ['/foobar'], length: 5 }])).toEqual(['temp/foobar']);
    expect(paths([{ path: ['/', '/', 'bar'], length: 5 }])).toEqual(['temp/bar']);
    expect(paths([{ path: ['\\', '\\', 'bar'], length: 5 }])).toEqual(['temp/bar']);
  });

  it('turns empty elements into "_" and gives a fully dropped path a name (empty_path, invalid_filename)', () => {
    expect(paths([{ path: ['', ''], length: 5 }])).toEqual(['temp/_/_']);
    expect(paths([{ path: ['.'], length: 5 }])).toEqual(['temp/_']);
    expect(paths([{ path: ['.', '.'], length: 5 }, { path: ['/', '.'], length: 5 }])).toEqual(['temp/_', 'temp/_.1']);
  });

  it('renames duplicates case-insensitively, before the extension (duplicate_files)', () => {
    expect(
      paths([
        { path: ['foo', 'bar.txt'], length: 5 },
        { path: ['foo', 'bar.txt'], length: 5 },
        { path: ['Foo', 'BAR.txt'], length: 5 },
      ]),
    ).toEqual(['temp/foo/bar.txt', 'temp/foo/bar.1.txt', 'temp/Foo/BAR.2.txt']);
  });

  it('does not let a file take the path of a directory', () => {
    expect(paths([{ path: ['a', 'b'], length: 5 }, { path: ['a'], length: 5 }])).toEqual(['temp/a/b', 'temp/a.1']);
  });

  it('lets pad files collide freely', () => {
    const m = parseTorrent(
      torrentBytes(
        v1Info({
          name: 'temp',
          files: [
            { path: ['x'], length: 16000 },
            { path: ['.pad', '384'], length: 384, attr: 'p' },
            { path: ['y'], length: 16000 },
            { path: ['.pad', '384'], length: 384, attr: 'p' },
            { path: ['z'], length: 5 },
          ],
        }),
      ),
    );
    expect(m.files.map((f) => f.path)).toEqual(['temp/x', 'temp/.pad/384', 'temp/y', 'temp/.pad/384', 'temp/z']);
  });

  it('sanitizes a single-file name too (slash_path3)', () => {
    const m = parseTorrent(torrentBytes(v1Info({ name: 'temp/../../abc', length: 5 })));
    expect(m.name).toBe('temp....abc');
    expect(m.files[0]?.path).toBe('temp....abc');
  });
});
