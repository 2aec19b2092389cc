import dgram from 'node:dgram';
import http from 'node:http';
import { GatewayRefusal, type Granted } from './natpmp-pcp-client.js';
import type { Transport } from './natpmp-packet.js';
import { escapeXml, MAX_XML_BYTES, parseDeviceDescription, parseSoapResponse, parseSsdpReply, UpnpParseError } from './upnp-parse.js';

export const SSDP_GROUP = { host: '239.255.255.250', port: 1900 };
const SEARCH_TARGET = 'urn:schemas-upnp-org:device:InternetGatewayDevice:1';
const HTTP_TIMEOUT_MS = 5000;
const HTTP_DEADLINE_MS = 10_000;

export interface UpnpDevice {
  controlUrl: string;
  serviceType: string;
  /** Our address on the link towards the gateway (the local end of the description fetch): the mapping's internal client. */
  localAddress: string;
}

/**
 * Finds an Internet Gateway Device: an SSDP M-SEARCH (to the multicast group, or to `target`
 * in tests), then its description. Only a LOCATION on the host that answered is followed.
 */
export async function discoverUpnp(target: { host: string; port: number } = SSDP_GROUP, timeoutMs = 3000): Promise<UpnpDevice> {
  const location = await ssdpSearch(target, timeoutMs);
  const { body, localAddress } = await httpRequest(location, { method: 'GET' });
  if (body.status !== 200) throw new UpnpParseError(`device description: HTTP ${body.status}`);
  const { controlUrl, serviceType } = parseDeviceDescription(body.text, location);
  if (new URL(controlUrl).hostname !== new URL(location).hostname) throw new UpnpParseError('controlURL points to another host than the description');
  return { controlUrl, serviceType, localAddress };
}

function ssdpSearch(target: { host: string; port: number }, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    let lastError: Error | null = null;
    let done = false;
    const finish = (err: Error | null, location?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(location!);
    };
    const timer = setTimeout(() => finish(lastError ?? new Error('no UPnP gateway answered the SSDP search')), timeoutMs);
    socket.on('error', (err) => finish(err));
    socket.on('message', (msg, rinfo) => {
      try {
        const reply = parseSsdpReply(msg);
        if (new URL(reply.location).hostname !== rinfo.address) throw new UpnpParseError(`SSDP LOCATION ${reply.location} is not on ${rinfo.address}`);
        finish(null, reply.location);
      } catch (err) {
        if (!(err instanceof UpnpParseError)) throw err;
        lastError = err;
      }
    });
    const search = Buffer.from(
      ['M-SEARCH * HTTP/1.1', `HOST: ${SSDP_GROUP.host}:${SSDP_GROUP.port}`, 'MAN: "ssdp:discover"', 'MX: 2', `ST: ${SEARCH_TARGET}`, '', ''].join('\r\n'),
    );
    socket.bind(0, () => {
      socket.send(search, target.port, target.host);
      // A second search a moment later: SSDP is UDP and the first may be lost.
      setTimeout(() => {
        if (!done) socket.send(search, target.port, target.host, () => undefined);
      }, 500).unref();
    });
  });
}

async function soap(device: UpnpDevice, action: string, args: Array<[string, string | number]>, outputs: string[]): Promise<Record<string, string>> {
  const body =
    '<?xml version="1.0"?>\r\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">' +
    `<s:Body><u:${action} xmlns:u="${device.serviceType}">` +
    args.map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`).join('') +
    `</u:${action}></s:Body></s:Envelope>\r\n`;
  const { body: reply } = await httpRequest(device.controlUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml; charset="utf-8"', SOAPAction: `"${device.serviceType}#${action}"` },
    body,
  });
  const result = parseSoapResponse(reply.status, reply.text, outputs);
  if (!result.ok) throw new GatewayRefusal('upnp', result.errorCode, `${action}: ${result.errorCode ?? ''} ${result.errorDescription}`.replace(/\s+/g, ' '));
  return result.values;
}

export async function upnpExternalAddress(device: UpnpDevice): Promise<string | null> {
  const v = await soap(device, 'GetExternalIPAddress', [], ['NewExternalIPAddress']);
  return v.NewExternalIPAddress || null;
}

export async function upnpAddMapping(device: UpnpDevice, transport: Transport, internalPort: number, externalPort: number, lease: number, description: string): Promise<Granted> {
  await soap(
    device,
    'AddPortMapping',
    [
      ['NewRemoteHost', ''],
      ['NewExternalPort', externalPort],
      ['NewProtocol', transport.toUpperCase()],
      ['NewInternalPort', internalPort],
      ['NewInternalClient', device.localAddress],
      ['NewEnabled', 1],
      ['NewPortMappingDescription', description],
      ['NewLeaseDuration', lease],
    ],
    [],
  );
  return { externalPort, lifetime: lease, externalAddress: null };
}

export async function upnpDeleteMapping(device: UpnpDevice, transport: Transport, externalPort: number): Promise<void> {
  await soap(device, 'DeletePortMapping', [['NewRemoteHost', ''], ['NewExternalPort', externalPort], ['NewProtocol', transport.toUpperCase()]], []);
}

export interface DeviceRequestLimits {
  /** Longest silence on the socket (Node's idle `timeout`). */
  idleMs: number;
  /**
   * Whole-request deadline. The idle timeout alone restarts with every byte, so a device
   * dripping a byte every few seconds would hold the request, and the PortMapper's serial
   * job queue behind it, for hours.
   */
  deadlineMs: number;
}

const DEFAULT_REQUEST_LIMITS: DeviceRequestLimits = { idleMs: HTTP_TIMEOUT_MS, deadlineMs: HTTP_DEADLINE_MS };

/**
 * One HTTP request with an idle timeout, a total deadline and a body cap (the reply comes
 * from a LAN host we do not trust). Exported for tests.
 */
export function httpRequest(
  url: string,
  options: { method: string; headers?: Record<string, string>; body?: string },
  limits: DeviceRequestLimits = DEFAULT_REQUEST_LIMITS,
): Promise<{ body: { status: number; text: string }; localAddress: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method, headers: { ...options.headers, Connection: 'close' }, timeout: limits.idleMs }, (res) => {
      const localAddress = res.socket.localAddress ?? '';
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_XML_BYTES) {
          req.destroy(new UpnpParseError(`reply from ${url} is over ${MAX_XML_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({ body: { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }, localAddress }),
      );
      res.on('error', reject);
    });
    const deadline = setTimeout(() => req.destroy(new Error(`${url}: reply not complete within ${limits.deadlineMs} ms`)), limits.deadlineMs);
    // Whatever ends the request (reply, error, deadline) ends the deadline timer too.
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new Error(`${url}: no reply within ${limits.idleMs} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
