import { describe, expect, it } from 'vitest';
import { dragLooksAddable, extractMagnets, magnetProblem, torrentBytesProblem, torrentFileProblem } from './input.js';

const HEX = 'c9e15763f722f23e98a29decdfae341b98d53056';

describe('extractMagnets', () => {
  it('reads uri-lists and plain text, skipping comments and other links', () => {
    const text = `# a comment\r\nhttps://example.org/x.torrent\r\n  magnet:?xt=urn:btih:${HEX}&dn=a  \nMAGNET:?xt=urn:btih:${HEX}\n`;
    expect(extractMagnets(text)).toEqual([`magnet:?xt=urn:btih:${HEX}&dn=a`, `MAGNET:?xt=urn:btih:${HEX}`]);
    expect(extractMagnets('hello')).toEqual([]);
  });
  it('takes a bare info-hash (hex or base32) as its magnet link', () => {
    expect(extractMagnets(`  ${HEX}\nZHQVOY7XELZD5GFCTXWN7LRUDOMNKMCW`)).toEqual([
      `magnet:?xt=urn:btih:${HEX}`,
      'magnet:?xt=urn:btih:ZHQVOY7XELZD5GFCTXWN7LRUDOMNKMCW',
    ]);
    // One character short, or not hex: plain text, not a hash.
    expect(extractMagnets(HEX.slice(1))).toEqual([]);
    expect(extractMagnets(`${HEX.slice(1)}g`)).toEqual([]);
  });
});

describe('magnetProblem', () => {
  it('accepts hex and base32 btih', () => {
    expect(magnetProblem(`magnet:?xt=urn:btih:${HEX}&dn=x&tr=udp%3A%2F%2Ft`)).toBeNull();
    expect(magnetProblem(`magnet:?xt=urn:btih:${HEX.toUpperCase()}`)).toBeNull();
    expect(magnetProblem('magnet:?xt=urn:btih:ZHQVOY7XELZD5GFCTXWN7LRUDOMNKMCW')).toBeNull();
  });
  it('explains what is wrong', () => {
    expect(magnetProblem('http://x')).toMatch(/not a magnet/);
    expect(magnetProblem('magnet:?dn=x')).toMatch(/no info-hash/);
    expect(magnetProblem('magnet:?xt=urn:btih:1234')).toMatch(/not valid/);
    expect(magnetProblem(`magnet:?xt=urn:btih:${HEX}&x=${'a'.repeat(70_000)}`)).toMatch(/too long/);
  });
});

describe('torrent files', () => {
  it('rejects empty and huge files before reading them', () => {
    expect(torrentFileProblem({ name: 'a.torrent', size: 0, type: '' })).toMatch(/empty/);
    expect(torrentFileProblem({ name: 'a.torrent', size: 64 * 1024 * 1024, type: '' })).toMatch(/too big/);
    expect(torrentFileProblem({ name: 'a.torrent', size: 1000, type: 'application/x-bittorrent' })).toBeNull();
  });
  it('accepts bencoded dictionaries only', () => {
    const enc = new TextEncoder();
    expect(torrentBytesProblem('a.torrent', enc.encode('d4:infod4:name1:aee'))).toBeNull();
    expect(torrentBytesProblem('notes.txt', enc.encode('hello'))).toBe('notes.txt is not a .torrent file.');
    expect(torrentBytesProblem('', new Uint8Array([0x64]))).toMatch(/not a .torrent/);
  });
  it('knows which drags can be added', () => {
    expect(dragLooksAddable(['Files'])).toBe(true);
    expect(dragLooksAddable(['text/uri-list', 'text/plain'])).toBe(true);
    expect(dragLooksAddable(['text/html'])).toBe(false);
  });
});
