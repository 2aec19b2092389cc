import { describe, expect, it } from 'vitest';
import { addressScope, guardedLookup, SsrfRefusal, trackerAddressCheck, webSeedRedirectCheck } from './ssrf.js';

describe('addressScope', () => {
  it('tells loopback, local network and public addresses apart, IPv4-mapped included', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '0.0.0.0', '::1', '::', '::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:0:0:1', '[::1]']) expect([a, addressScope(a)]).toEqual([a, 'loopback']);
    for (const a of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.1.1', '100.64.0.1', 'fe80::1', 'fd00::1', '::ffff:192.168.0.1']) {
      expect([a, addressScope(a)]).toEqual([a, 'private']);
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:db8::1', 'tracker.example']) expect([a, addressScope(a)]).toEqual([a, 'public']);
  });
});

describe('trackerAddressCheck', () => {
  const url = (s: string): URL => new URL(s);

  it('lets /announce through anywhere; refuses other loopback paths whatever sent us there', () => {
    expect(trackerAddressCheck(url('http://h/announce.php?x=1'), 'public', false)('127.0.0.1')).toBeNull();
    expect(trackerAddressCheck(url('http://h/api'), null, false)('127.0.0.1')).toBeInstanceOf(SsrfRefusal);
    expect(trackerAddressCheck(url('http://h/api'), 'loopback', false)('::1')).toBeInstanceOf(SsrfRefusal);
  });

  it('refuses a redirect from a public tracker into the local network unless it is /announce', () => {
    expect(trackerAddressCheck(url('http://h/admin/reboot'), 'public', false)('192.168.1.1')).toBeInstanceOf(SsrfRefusal);
    expect(trackerAddressCheck(url('http://h/announce'), 'public', false)('192.168.1.1')).toBeNull();
    // A LAN tracker redirecting within the LAN, or a URL we were given on the LAN, is fine.
    expect(trackerAddressCheck(url('http://h/t/announce'), 'private', false)('192.168.1.2')).toBeNull();
    expect(trackerAddressCheck(url('http://h/t/announce'), null, false)('192.168.1.2')).toBeNull();
    expect(trackerAddressCheck(url('http://h/x'), 'public', false)('8.8.8.8')).toBeNull();
  });

  it('lets a scrape reach /scrape on loopback, an announce not', () => {
    expect(trackerAddressCheck(url('http://h/scrape?info_hash=x'), null, true)('127.0.0.1')).toBeNull();
    expect(trackerAddressCheck(url('http://h/scrape?info_hash=x'), null, false)('127.0.0.1')).toBeInstanceOf(SsrfRefusal);
  });
});

describe('webSeedRedirectCheck', () => {
  it('refuses a query string only on loopback and local network addresses', () => {
    expect(webSeedRedirectCheck(new URL('http://h/f?a=1'))('10.0.0.1')).toBeInstanceOf(SsrfRefusal);
    expect(webSeedRedirectCheck(new URL('http://h/f?a=1'))('::1')).toBeInstanceOf(SsrfRefusal);
    expect(webSeedRedirectCheck(new URL('http://h/f?a=1'))('8.8.8.8')).toBeNull();
    expect(webSeedRedirectCheck(new URL('http://h/f'))('10.0.0.1')).toBeNull();
  });
});

describe('guardedLookup', () => {
  it('fails the lookup when any resolved address is refused, passes it through otherwise', async () => {
    const base = ((_h: string, _o: unknown, cb: (err: Error | null, address: unknown, family?: number) => void) =>
      cb(null, [{ address: '8.8.8.8', family: 4 }, { address: '127.0.0.1', family: 4 }])) as unknown as Parameters<typeof guardedLookup>[1];
    const lookup = guardedLookup((a) => (a === '127.0.0.1' ? new SsrfRefusal('no') : null), base);
    const run = (check: typeof lookup): Promise<Error | null> => new Promise((r) => check('x', { all: true }, (err) => r(err)));
    expect(await run(lookup)).toBeInstanceOf(SsrfRefusal);
    expect(await run(guardedLookup(() => null, base))).toBeNull();
  });
});
