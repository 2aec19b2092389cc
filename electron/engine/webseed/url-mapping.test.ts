import { describe, expect, it } from 'vitest';
import { encodePathElement, fileUrl, httpSeedUrl, isWebSeedUrl } from './url-mapping.js';

describe('BEP 19 URL mapping', () => {
  it('uses a single-file URL as it is, or appends the name when it ends in /', () => {
    expect(fileUrl('http://h/dir/file.iso', false, ['file.iso'])).toBe('http://h/dir/file.iso');
    expect(fileUrl('http://h/dir/other-name', false, ['file.iso'])).toBe('http://h/dir/other-name');
    expect(fileUrl('http://h/dir/', false, ['file.iso'])).toBe('http://h/dir/file.iso');
  });

  it('maps a multi-file path to url + name + / + path, adding the missing slash', () => {
    expect(fileUrl('http://h/pub/', true, ['Album', 'CD 1', 'track.flac'])).toBe('http://h/pub/Album/CD%201/track.flac');
    expect(fileUrl('http://h/pub', true, ['Album', 'a.txt'])).toBe('http://h/pub/Album/a.txt');
  });

  it('percent-encodes every reserved or non-ASCII byte of a path element', () => {
    expect(encodePathElement('a b#c?d%e&f+g/h')).toBe('a%20b%23c%3Fd%25e%26f%2Bg%2Fh');
    expect(encodePathElement('é')).toBe('%C3%A9');
    expect(encodePathElement('keep-._~AZaz09')).toBe('keep-._~AZaz09');
  });
});

describe('BEP 17 URL', () => {
  it('names info_hash (raw bytes percent-encoded), piece and an inclusive range', () => {
    const hash = Buffer.from('00ff41' + '00'.repeat(17), 'hex');
    expect(httpSeedUrl('http://h/seed.php', hash, 7, 0, 16384)).toBe(`http://h/seed.php?info_hash=%00%FFA${'%00'.repeat(17)}&piece=7&ranges=0-16383`);
    expect(httpSeedUrl('http://h/s?x=1', hash, 0, 10, 20)).toContain('?x=1&info_hash=');
  });
});

describe('web seed URLs', () => {
  it('accepts http and https only', () => {
    expect(isWebSeedUrl('http://example.org/a')).toBe(true);
    expect(isWebSeedUrl('https://example.org/a')).toBe(true);
    expect(isWebSeedUrl('ftp://example.org/a')).toBe(false);
    expect(isWebSeedUrl('file:///etc/passwd')).toBe(false);
    expect(isWebSeedUrl('not a url')).toBe(false);
  });
});
