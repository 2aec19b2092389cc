import { describe, expect, it } from 'vitest';
import { isMagnetUri } from './magnet-input.js';

describe('isMagnetUri', () => {
  it('matches the scheme in any case, after blanks a paste brings', () => {
    for (const arg of ['magnet:?xt=urn:btih:x', 'MAGNET:?xt=urn:btih:x', 'Magnet:?xt', '  magnet:?xt\n']) expect(isMagnetUri(arg)).toBe(true);
  });

  it('leaves file names alone', () => {
    for (const arg of ['a.torrent', 'magnet.torrent', './magnet:?x', '']) expect(isMagnetUri(arg)).toBe(false);
  });
});
