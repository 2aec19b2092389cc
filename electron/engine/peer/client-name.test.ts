import { describe, expect, it } from 'vitest';
import { clientName } from './client-name.js';

const id = (text: string): Buffer => Buffer.from(text.padEnd(20, 'x'), 'latin1');

describe('clientName', () => {
  it.each([
    ['-LT2080-', 'libtorrent 2.0.8.0'],
    ['-lt0D80-', 'libTorrent (rakshasa) 0.D.8.0'],
    ['-qB4650-', 'qBittorrent 4.6.5.0'],
    ['-TR4000-', 'Transmission 4.0.0.0'],
    ['-TE0100-', 'Tessera 0.1.0.0'],
    ['-ZZ1234-', 'ZZ 1.2.3.4'],
  ])('decodes the Azureus-style id %s', (prefix, name) => {
    expect(clientName(id(prefix), null)).toBe(name);
  });

  it('recognises aria2', () => {
    expect(clientName(id('A2-1-37-0-'), null)).toBe('aria2');
  });

  it('prefers the name from the extension handshake', () => {
    expect(clientName(id('-LT2080-'), 'qBittorrent/5.0.1')).toBe('qBittorrent/5.0.1');
  });

  it('strips control characters from an advertised name and bounds its length', () => {
    expect(clientName(null, 'evil\x1b[31mred\x00\x7f')).toBe('evil[31mred');
    expect(clientName(null, 'x'.repeat(500))).toHaveLength(64);
  });

  it('drops odd characters from the version digits', () => {
    expect(clientName(id('-LT\x00\x01\x02\x03-'), null)).toBe('libtorrent ');
  });

  it('says unknown for ids it cannot read', () => {
    expect(clientName(null, null)).toBe('unknown');
    expect(clientName(Buffer.alloc(5), null)).toBe('unknown');
    expect(clientName(Buffer.alloc(20), null)).toBe('unknown');
    expect(clientName(id('M7-2-0--'), null)).toBe('unknown');
  });

  it('falls back to the peer id when the advertised name is empty', () => {
    expect(clientName(id('-DE2110-'), '')).toBe('Deluge 2.1.1.0');
  });
});
