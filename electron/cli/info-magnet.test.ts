import { describe, expect, it } from 'vitest';
import { captureOutput } from '../../e2e/support/captured-output.js';
import { runInfo } from './info.js';

const output = captureOutput();

const HASH = '0123456789abcdef0123456789abcdef01234567';
const FULL =
  `magnet:?xt=urn:btih:${HASH.toUpperCase()}&dn=My+File%20name&tr=udp%3A%2F%2F127.0.0.1%3A6969%2Fannounce` +
  '&tr=http://127.0.0.1:8080/announce&x.pe=127.0.0.2:6881&x.pe=[::1]:6882&ws=http://127.0.0.1/seed&so=0,2,4-6';

describe('tessera info <magnet>', () => {
  it('prints what the magnet says', async () => {
    expect(await runInfo([FULL])).toBe(0);
    expect(output.err).toBe('');
    expect(output.out).toContain(`Info-hash:     ${HASH}\n`);
    expect(output.out).toContain('Name:          My File name\n');
    expect(output.out).toContain('Trackers:\n  udp://127.0.0.1:6969/announce\n  http://127.0.0.1:8080/announce\n');
    expect(output.out).toContain('Peers:\n  127.0.0.2:6881\n  [::1]:6882\n');
    expect(output.out).toContain('Web seeds:\n  http://127.0.0.1/seed\n');
    expect(output.out).toContain('Files:         only 0,2,4-6 (BEP 53 so)\n');
  });

  it('says none / all for what a bare magnet leaves out, base32 hashes included', async () => {
    const base32 = 'AERUKZ4JVPG66AJDIVTYTK6N54ASGRLH'; // 0123456789abcdef0123456789abcdef01234567
    expect(await runInfo([`magnet:?xt=urn:btih:${base32}`])).toBe(0);
    expect(output.out).toContain(`Info-hash:     ${HASH}\n`);
    expect(output.out).toMatch(/Name: +\(none/);
    expect(output.out).toContain('Trackers:      none\n');
    expect(output.out).toContain('Peers:         none\n');
    expect(output.out).not.toContain('Web seeds');
    expect(output.out).toContain('Files:         all\n');
  });

  it('prints JSON with --json', async () => {
    expect(await runInfo([FULL, '--json'])).toBe(0);
    expect(JSON.parse(output.out)).toEqual({
      infoHash: HASH,
      name: 'My File name',
      trackers: ['udp://127.0.0.1:6969/announce', 'http://127.0.0.1:8080/announce'],
      peers: ['127.0.0.2:6881', '[::1]:6882'],
      webSeeds: ['http://127.0.0.1/seed'],
      selectOnly: [0, 2, 4, 5, 6],
    });
  });

  it.each([
    ['magnet:?dn=no-hash', /missing xt=urn:btih/],
    [`magnet:?xt=urn:btih:${HASH.slice(1)}`, /40 hex or 32 base32/],
  ])('refuses %s with exit 2 and a one-line reason', async (uri, reason) => {
    expect(await runInfo([uri])).toBe(2);
    expect(output.out).toBe('');
    expect(output.err).toMatch(/^tessera info: invalid magnet: .+\n$/);
    expect(output.err.trim().split('\n')).toHaveLength(1);
    expect(output.err).toMatch(reason);
  });

  it.each([
    [`magnet:?xt=urn:btih:${HASH}&x.pe=127.0.0.1`, /x\.pe/],
    [`magnet:?xt=urn:btih:${HASH}&so=3-1`, /backwards/],
  ])('shows %s without its bad item, and says which on one line', async (uri, reason) => {
    expect(await runInfo([uri])).toBe(0);
    expect(output.out).toContain(HASH);
    expect(output.err).toMatch(/^tessera info: warning: .+; that item is ignored\n$/);
    expect(output.err).toMatch(reason);
  });
});
