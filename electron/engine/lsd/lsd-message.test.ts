import { describe, expect, it } from 'vitest';
import { formatLsdAnnounce, LsdMessageError, MAX_INFOHASHES_PER_MESSAGE, MAX_LSD_MESSAGE_BYTES, parseLsdAnnounce } from './lsd-message.js';

const A = 'a'.repeat(40);
const B = '0123456789abcdef0123456789abcdef01234567';

describe('BEP 14 messages', () => {
  it('round-trips several info-hashes and the cookie', () => {
    const m = formatLsdAnnounce('239.192.152.143', 6881, [A, B], 'c00k1e');
    expect(m.toString()).toMatch(/^BT-SEARCH \* HTTP\/1\.1\r\nHost: 239\.192\.152\.143:6771\r\nPort: 6881\r\n/);
    expect(parseLsdAnnounce(m)).toEqual({ port: 6881, infoHashes: [A, B], cookie: 'c00k1e' });
    expect(formatLsdAnnounce('ff15::efc0:988f', 1, [A], 'x').toString()).toContain('Host: [ff15::efc0:988f]:6771');
  });

  it('reads what libtorrent sends (upper-case hex, lower-case header names)', () => {
    const lt = Buffer.from(`BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 51413\r\nInfohash: ${B.toUpperCase()}\r\ncookie: 1a2b\r\n\r\n\r\n`);
    expect(parseLsdAnnounce(lt)).toEqual({ port: 51413, infoHashes: [B], cookie: '1a2b' });
  });

  it('rejects malformed messages with LsdMessageError and caps sizes', () => {
    const bad = [
      'GET / HTTP/1.1\r\nPort: 1\r\nInfohash: ' + A,
      'BT-SEARCH * HTTP/1.1\r\nInfohash: ' + A,
      'BT-SEARCH * HTTP/1.1\r\nPort: 0\r\nInfohash: ' + A,
      'BT-SEARCH * HTTP/1.1\r\nPort: 70000\r\nInfohash: ' + A,
      'BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: xyz',
      'BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n',
    ];
    for (const text of bad) expect(() => parseLsdAnnounce(Buffer.from(text))).toThrow(LsdMessageError);
    expect(() => parseLsdAnnounce(Buffer.alloc(MAX_LSD_MESSAGE_BYTES + 1, 32))).toThrow(LsdMessageError);
    const many = Array.from({ length: 25 }, (_, i) => i.toString(16).padStart(40, '0'));
    expect(parseLsdAnnounce(formatLsdAnnounce('239.192.152.143', 1, many, 'c')).infoHashes).toHaveLength(MAX_INFOHASHES_PER_MESSAGE);
  });

  it('throws nothing but LsdMessageError on random mutations of a valid message', () => {
    const valid = formatLsdAnnounce('239.192.152.143', 6881, [A, B], 'c');
    let x = 12345;
    const next = (): number => ((x = (x * 1103515245 + 12345) & 0x7fffffff), x / 0x80000000);
    for (let i = 0; i < 3000; i++) {
      const m = Buffer.from(valid.subarray(0, Math.floor(next() * (valid.length + 1))));
      for (let k = 0; k < 3; k++) if (m.length) m[Math.floor(next() * m.length)] = Math.floor(next() * 256);
      try {
        const parsed = parseLsdAnnounce(m);
        expect(parsed.port).toBeGreaterThan(0);
        expect(parsed.infoHashes.every((h) => /^[0-9a-f]{40}$/.test(h))).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(LsdMessageError);
      }
    }
  });
});
