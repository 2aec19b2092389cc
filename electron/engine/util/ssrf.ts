/**
 * SSRF mitigation (after libtorrent's `ssrf_mitigation`): a tracker or web seed URL comes from
 * a .torrent, a magnet link or a redirect, i.e. from a stranger, and must not be a way to make
 * us send GETs to services on this machine (our own web UI on localhost) or on the LAN.
 *
 * The check is made on the address actually connected to: on the URL's host when it is an IP
 * literal, otherwise on what the name resolves to (a guarded `lookup`), so a name pointing at
 * 127.0.0.1 is caught as well. Shared by the tracker and web seed clients.
 */
import dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Where an address is: this machine, the local network, or anywhere else. */
export type AddressScope = 'loopback' | 'private' | 'public';

/** Why a request was not sent. */
export class SsrfRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SsrfRefusal';
  }
}

/** Decides, for one resolved address, whether the request may go there (null) or why not. */
export type AddressCheck = (address: string) => SsrfRefusal | null;

function blockList(subnets: ReadonlyArray<[string, number, 'ipv4' | 'ipv6']>): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of subnets) list.addSubnet(network, prefix, family);
  return list;
}

// BlockList also matches IPv4-mapped IPv6 forms (::ffff:127.0.0.1, ::ffff:7f00:1) against IPv4 rules.
const LOOPBACK = blockList([
  ['127.0.0.0', 8, 'ipv4'],
  // 0.0.0.0/8 and :: reach this machine on Linux, like loopback.
  ['0.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
  ['::', 128, 'ipv6'],
]);
const LOCAL_NETWORK = blockList([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['fe80::', 10, 'ipv6'], // link-local
  ['fc00::', 7, 'ipv6'], // unique local
]);

/** The scope of an IP address (a name is 'public': resolve it first). */
export function addressScope(address: string): AddressScope {
  const bare = address.replace(/^\[|\]$/g, '').split('%')[0]!;
  const family = isIP(bare);
  if (family === 0) return 'public';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (LOOPBACK.check(bare, type)) return 'loopback';
  if (LOCAL_NETWORK.check(bare, type)) return 'private';
  return 'public';
}

/** The URL's host as an IP address, or null when it is a name. */
export function literalAddress(url: URL): string | null {
  const bare = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(bare) ? bare : null;
}

/** What libtorrent lets through to loopback: a tracker's announce path (and its BEP 48 scrape). */
export function isTrackerPath(url: URL, allowScrape: boolean): boolean {
  return url.pathname.startsWith('/announce') || (allowScrape && url.pathname.startsWith('/scrape'));
}

/**
 * The check for one tracker request. `from` is the scope of the server that redirected us
 * here, null for the URL we were given.
 * - to loopback: only a tracker path (our own services live there);
 * - redirected from a public server into loopback or the LAN: only a tracker path.
 */
export function trackerAddressCheck(url: URL, from: AddressScope | null, allowScrape: boolean): AddressCheck {
  const trackerPath = isTrackerPath(url, allowScrape);
  return (address) => {
    if (trackerPath) return null;
    const scope = addressScope(address);
    if (scope === 'loopback') return new SsrfRefusal(`refused: ${url.pathname.slice(0, 60)} on loopback ${address} is not a tracker path (/announce)`);
    if (from === 'public' && scope === 'private') {
      return new SsrfRefusal(`refused: redirect from a public tracker to local network address ${address} (${url.pathname.slice(0, 60)} is not /announce)`);
    }
    return null;
  };
}

/** The check for a web seed redirect target: into loopback or the LAN only without a query string. */
export function webSeedRedirectCheck(url: URL): AddressCheck {
  return (address) => {
    if (url.search === '' || addressScope(address) === 'public') return null;
    return new SsrfRefusal(`refused: redirect to local address ${address} with a query string`);
  };
}

function addressesOf(address: string | dns.LookupAddress[]): string[] {
  return typeof address === 'string' ? [address] : address.map((a) => a.address);
}

/** `base` (default: the OS resolver), failing the lookup when any resolved address fails `check`. */
export function guardedLookup(check: AddressCheck, base: LookupFunction = dns.lookup as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, options, (err, address, family) => {
      if (err) return callback(err, address, family);
      const refusal = addressesOf(address).map(check).find((r) => r !== null);
      if (refusal) return callback(refusal, address, family);
      callback(null, address, family);
    });
  };
}
