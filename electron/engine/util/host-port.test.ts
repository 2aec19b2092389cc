import { describe, expect, it } from 'vitest';
import { formatHostPort, HostPortError, parseHostPort, tryParseHostPort } from './host-port.js';

describe('host:port endpoints', () => {
  it('parses IPv4, bracketed IPv6 and host names', () => {
    expect(parseHostPort('127.0.0.1:6881')).toEqual({ host: '127.0.0.1', port: 6881 });
    expect(parseHostPort('[::1]:25401')).toEqual({ host: '::1', port: 25401 });
    expect(parseHostPort('[2001:DB8::1]:1')).toEqual({ host: '2001:DB8::1', port: 1 });
    expect(parseHostPort('[::ffff:127.0.0.1]:1')).toEqual({ host: '::ffff:127.0.0.1', port: 1 });
    expect(parseHostPort('Router.BitTorrent.com:6881')).toEqual({ host: 'Router.BitTorrent.com', port: 6881 });
  });

  it('says what is wrong', () => {
    const cases: Array<[string, RegExp]> = [
      ['127.0.0.1', /host:port/],
      [':5', /host:port/],
      ['', /host:port/],
      ['::1:5', /brackets/],
      ['[::1]5', /\[ipv6\]:port/],
      ['[zz::1]:80', /bad IPv6/],
      ['10.0.0.256:1', /bad IPv4/],
      ['host:0', /port out of range/],
      ['host:70000', /port out of range/],
      ['host:x', /bad port/],
      ['bad_host:80', /bad host name/],
    ];
    for (const [text, reason] of cases) {
      expect(() => parseHostPort(text), text).toThrow(HostPortError);
      expect(() => parseHostPort(text), text).toThrow(reason);
      expect(tryParseHostPort(text), text).toBeNull();
    }
  });

  it('formats what it parses back to the same text', () => {
    for (const text of ['127.0.0.1:6881', '[::1]:7', 'peer.example.org:7000']) expect(formatHostPort(parseHostPort(text))).toBe(text);
  });
});
