/**
 * The web host's request checks, pure so they can be tested without sockets:
 * - Host header: only the bound address, localhost or a loopback literal, on the bound port
 *   (a DNS-rebinding page arrives with its own domain name in Host). When bound to a
 *   wildcard address, any IP literal is accepted too — never a domain name other than localhost.
 * - Origin: absent (non-browser clients, same-origin navigations) or exactly an allowed
 *   http(s)://host:port naming the same host as the Host header (with a wildcard bind, any IP
 *   literal is an allowed host: a page served from another address on this port must not pass).
 *   `null` and foreign origins are refused.
 * - Token: the random access token, only ever from the `token` query parameter (the page keeps
 *   it in sessionStorage and puts it on the WebSocket URL), compared in constant time. Never a
 *   cookie: cookies ignore ports, so the browser would hand it to every server on 127.0.0.1.
 *   The WebSocket (the API) needs it; the static app shell does not (it is public code), but a
 *   wrong token in a page URL is refused so a stale bookmark says so.
 */
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

export interface HostCheckConfig {
  /** The address the server is bound to, e.g. 127.0.0.1, ::1, 0.0.0.0, or a hostname. */
  boundHost: string;
  port: number;
}

export type Verdict = { ok: true } | { ok: false; status: 400 | 401 | 403; reason: string };

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Splits "host:port" / "[v6]:port" / "host"; returns null when malformed. */
export function splitHostHeader(value: string): { hostname: string; port: number | null } | null {
  const v = value.trim().toLowerCase();
  if (v.length === 0 || v.length > 300) return null;
  let hostname: string;
  let portText: string | undefined;
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end < 0) return null;
    hostname = v.slice(1, end);
    const rest = v.slice(end + 1);
    if (rest.length > 0) {
      if (!rest.startsWith(':')) return null;
      portText = rest.slice(1);
    }
    if (isIP(hostname) !== 6) return null;
  } else {
    const parts = v.split(':');
    if (parts.length > 2) return null;
    hostname = parts[0] ?? '';
    portText = parts[1];
  }
  if (!/^[a-z0-9.\-:]+$/.test(hostname)) return null;
  let port: number | null = null;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return null;
    port = Number(portText);
  }
  return { hostname, port };
}

export function isAllowedHostname(hostname: string, config: HostCheckConfig): boolean {
  const h = stripBrackets(hostname.toLowerCase());
  const bound = stripBrackets(config.boundHost.toLowerCase());
  if (h === 'localhost' || h === bound) return true;
  if (h === '127.0.0.1' || h === '::1') return true;
  if (WILDCARDS.has(bound) && isIP(h) !== 0) return true;
  return false;
}

export function checkHost(hostHeader: string | undefined, config: HostCheckConfig): Verdict {
  if (hostHeader === undefined) return { ok: false, status: 400, reason: 'missing Host header' };
  const parsed = splitHostHeader(hostHeader);
  if (!parsed) return { ok: false, status: 400, reason: 'malformed Host header' };
  const port = parsed.port ?? 80;
  if (port !== config.port || !isAllowedHostname(parsed.hostname, config)) {
    return { ok: false, status: 403, reason: `Host ${JSON.stringify(hostHeader)} is not this server (DNS rebinding?)` };
  }
  return { ok: true };
}

/** `hostHeader`, when given (already passed checkHost), is the host the Origin must name. */
export function checkOrigin(origin: string | undefined, config: HostCheckConfig, hostHeader?: string): Verdict {
  if (origin === undefined) return { ok: true };
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return { ok: false, status: 403, reason: `foreign Origin ${JSON.stringify(origin)}` };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin === 'null') {
    return { ok: false, status: 403, reason: `foreign Origin ${JSON.stringify(origin)}` };
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (port !== config.port || !isAllowedHostname(url.hostname, config)) {
    return { ok: false, status: 403, reason: `foreign Origin ${JSON.stringify(origin)}` };
  }
  const requested = hostHeader === undefined ? null : splitHostHeader(hostHeader);
  if (requested && stripBrackets(requested.hostname) !== stripBrackets(url.hostname.toLowerCase())) {
    return { ok: false, status: 403, reason: `Origin ${JSON.stringify(origin)} is not the host asked for` };
  }
  return { ok: true };
}

export function tokensEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) return false;
  return timingSafeEqual(ab, bb);
}

/** Checks the `token` query parameter: required, or only checked when present. */
export function checkToken(queryToken: string | null, token: string, required: boolean): { ok: true } | { ok: false; status: 401; reason: string } {
  if (queryToken === null) return required ? { ok: false, status: 401, reason: 'missing access token' } : { ok: true };
  if (tokensEqual(queryToken, token)) return { ok: true };
  return { ok: false, status: 401, reason: 'wrong access token' };
}

/** Runs all three checks on a request. */
export function checkRequest(
  req: { host: string | undefined; origin: string | undefined; url: URL },
  config: HostCheckConfig & { token: string },
  tokenRequired: boolean,
): Verdict {
  const host = checkHost(req.host, config);
  if (!host.ok) return host;
  const origin = checkOrigin(req.origin, config, req.host);
  if (!origin.ok) return origin;
  return checkToken(req.url.searchParams.get('token'), config.token, tokenRequired);
}
