/**
 * Parsers for what a UPnP Internet Gateway Device sends back: SSDP search replies, the
 * device description (XML) and SOAP responses. Replies come from any host on the LAN, so
 * every parser caps the input and reads only the few fields it needs.
 */

export const MAX_SSDP_REPLY_BYTES = 2048;
export const MAX_XML_BYTES = 64 * 1024;

export class UpnpParseError extends Error {
  override readonly name = 'UpnpParseError';
}

export const WAN_SERVICE_TYPES = [
  'urn:schemas-upnp-org:service:WANIPConnection:2',
  'urn:schemas-upnp-org:service:WANIPConnection:1',
  'urn:schemas-upnp-org:service:WANPPPConnection:1',
] as const;

/** The LOCATION of an SSDP search reply (`HTTP/1.1 200 OK` with headers). */
export function parseSsdpReply(datagram: Uint8Array): { location: string; st: string | null } {
  if (datagram.length > MAX_SSDP_REPLY_BYTES) throw new UpnpParseError(`SSDP reply of ${datagram.length} bytes is over ${MAX_SSDP_REPLY_BYTES}`);
  const lines = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength).toString('latin1').split(/\r?\n/);
  if (!/^HTTP\/1\.[01] 200\b/.test(lines[0] ?? '')) throw new UpnpParseError('not an SSDP search reply');
  let location: string | null = null;
  let st: string | null = null;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'location') location = value;
    else if (name === 'st') st = value;
  }
  if (!location) throw new UpnpParseError('SSDP reply without LOCATION');
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new UpnpParseError('SSDP LOCATION is not a URL');
  }
  if (url.protocol !== 'http:') throw new UpnpParseError(`SSDP LOCATION is ${url.protocol}, not http:`);
  return { location: url.href, st };
}

/** The control URL (absolute) and service type of the first WAN connection service in a device description. */
export function parseDeviceDescription(xml: string, location: string): { controlUrl: string; serviceType: string } {
  if (xml.length > MAX_XML_BYTES) throw new UpnpParseError(`description of ${xml.length} bytes is over ${MAX_XML_BYTES}`);
  const base = textOf(xml, 'URLBase') ?? location;
  const services = [...xml.matchAll(/<(?:\w+:)?service>([\s\S]*?)<\/(?:\w+:)?service>/g)].map((m) => ({
    type: textOf(m[1]!, 'serviceType'),
    control: textOf(m[1]!, 'controlURL'),
  }));
  for (const wanted of WAN_SERVICE_TYPES) {
    const found = services.find((s) => s.type === wanted && s.control);
    if (!found?.control) continue;
    let url: URL;
    try {
      url = new URL(found.control, base);
    } catch {
      throw new UpnpParseError('controlURL is not a URL');
    }
    if (url.protocol !== 'http:') throw new UpnpParseError(`controlURL is ${url.protocol}, not http:`);
    return { controlUrl: url.href, serviceType: wanted };
  }
  throw new UpnpParseError('no WANIPConnection or WANPPPConnection service in the device description');
}

export type SoapResult = { ok: true; values: Record<string, string> } | { ok: false; errorCode: number | null; errorDescription: string };

/** A SOAP reply: the named output values of a 200, or the UPnPError of a 500. */
export function parseSoapResponse(status: number, xml: string, outputs: readonly string[]): SoapResult {
  if (xml.length > MAX_XML_BYTES) throw new UpnpParseError(`SOAP reply of ${xml.length} bytes is over ${MAX_XML_BYTES}`);
  if (status === 200) {
    const values: Record<string, string> = {};
    for (const name of outputs) {
      const v = textOf(xml, name);
      if (v !== null) values[name] = v;
    }
    return { ok: true, values };
  }
  const code = textOf(xml, 'errorCode');
  const errorCode = code !== null && /^\d{1,4}$/.test(code) ? Number(code) : null;
  return { ok: false, errorCode, errorDescription: (textOf(xml, 'errorDescription') ?? `HTTP ${status}`).slice(0, 200) };
}

/** Text of the first element with this local name (any namespace prefix), entities decoded; null if absent. */
function textOf(xml: string, name: string): string | null {
  const m = new RegExp(`<(?:\\w+:)?${name}(?:\\s[^>]*)?>([^<]{0,2048})</(?:\\w+:)?${name}>`).exec(xml);
  if (!m) return null;
  return m[1]!
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
