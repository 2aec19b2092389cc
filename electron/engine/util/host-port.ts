/**
 * The one parser and formatter of "host:port" endpoints: "a.b.c.d:p", "[v6]:p" or
 * "hostname:p" (magnet x.pe, the CLI's --peer and --dht-bootstrap, DHT bootstrap nodes, the
 * web host's --dht-bootstrap). An IPv6 address always needs its brackets.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { PeerAddress } from '../api.js';

/** What is wrong with an endpoint, in words that read well after the text's own name. */
export class HostPortError extends Error {
  override readonly name = 'HostPortError';
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new HostPortError('bad port');
  const port = Number(text);
  if (port < 1 || port > 65535) throw new HostPortError('port out of range');
  return port;
}

/** Parses an endpoint; throws HostPortError saying what is wrong. The host keeps its case. */
export function parseHostPort(text: string): PeerAddress {
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0 || text[end + 1] !== ':') throw new HostPortError('must be [ipv6]:port');
    const host = text.slice(1, end);
    if (!isIPv6(host)) throw new HostPortError('bad IPv6 address');
    return { host, port: parsePort(text.slice(end + 2)) };
  }
  const colon = text.lastIndexOf(':');
  if (colon <= 0) throw new HostPortError('must be host:port');
  const host = text.slice(0, colon);
  const port = parsePort(text.slice(colon + 1));
  if (host.includes(':')) throw new HostPortError('IPv6 addresses need brackets, [ipv6]:port');
  if (/^[\d.]+$/.test(host)) {
    if (!isIPv4(host)) throw new HostPortError('bad IPv4 address');
    return { host, port };
  }
  if (!HOSTNAME.test(host)) throw new HostPortError('bad host name');
  return { host, port };
}

/** parseHostPort, or null when the text is not an endpoint. */
export function tryParseHostPort(text: string): PeerAddress | null {
  try {
    return parseHostPort(text);
  } catch (err) {
    if (err instanceof HostPortError) return null;
    throw err;
  }
}

/** "host:port", with brackets around an IPv6 address. */
export function formatHostPort(address: PeerAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
