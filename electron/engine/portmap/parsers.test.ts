import { describe, expect, it } from 'vitest';
import { encodeNatPmpMapRequest, NatPmpPacketError, parseNatPmpResponse } from './natpmp-packet.js';
import { encodePcpMapRequest, newNonce, parsePcpResponse, PcpPacketError } from './pcp-packet.js';
import { MAX_SSDP_REPLY_BYTES, MAX_XML_BYTES, parseDeviceDescription, parseSoapResponse, parseSsdpReply, UpnpParseError } from './upnp-parse.js';
import { defaultGatewayV4 } from './default-gateway.js';

/** Deterministic pseudo-random bytes (xorshift), so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function randomBytes(next: () => number, max: number): Buffer {
  const b = Buffer.alloc(Math.floor(next() * max));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(next() * 256);
  return b;
}

/** Runs `parse` on many random inputs: it returns or throws only `expected`, never anything else. */
function fuzz(parse: (b: Buffer) => unknown, expected: new (...args: never[]) => Error, mutate?: (b: Buffer, next: () => number) => Buffer): void {
  const next = rng(0x5eed);
  for (let i = 0; i < 3000; i++) {
    let b = randomBytes(next, 200);
    if (mutate) b = mutate(b, next);
    try {
      parse(b);
    } catch (err) {
      expect(err).toBeInstanceOf(expected);
    }
  }
}

describe('NAT-PMP packets', () => {
  it('parses a mapping reply and names error results', () => {
    const reply = Buffer.alloc(16);
    reply[1] = 130;
    reply.writeUInt32BE(99, 4);
    reply.writeUInt16BE(6881, 8);
    reply.writeUInt16BE(40000, 10);
    reply.writeUInt32BE(7200, 12);
    expect(parseNatPmpResponse(reply)).toEqual({ op: 2, result: 0, epoch: 99, internalPort: 6881, externalPort: 40000, lifetime: 7200 });
    reply.writeUInt16BE(3, 2);
    expect(parseNatPmpResponse(reply)).toMatchObject({ op: 2, result: 3, short: true });
    expect(encodeNatPmpMapRequest('udp', 1, 2, 3)).toEqual(Buffer.from([0, 1, 0, 0, 0, 1, 0, 2, 0, 0, 0, 3]));
  });

  it('throws only NatPmpPacketError on random and truncated input', () => {
    fuzz(parseNatPmpResponse, NatPmpPacketError, (b, next) => (b.length > 1 && next() < 0.7 ? ((b[0] = 0), (b[1] = 128 + Math.floor(next() * 3)), b) : b));
    expect(() => parseNatPmpResponse(Buffer.alloc(2000))).toThrow(NatPmpPacketError);
  });
});

describe('PCP packets', () => {
  it('round-trips a MAP request through a response', () => {
    const nonce = newNonce();
    const request = encodePcpMapRequest({ nonce, transport: 'tcp', internalPort: 6881, suggestedExternalPort: 6881, lifetime: 7200, clientAddress: '10.0.0.2' });
    expect(request.length).toBe(60);
    const reply = Buffer.from(request);
    reply[1] = 0x81;
    reply.writeUInt32BE(3600, 4);
    reply.fill(0, 8, 24);
    reply.set([203, 0, 113, 7], 56);
    const parsed = parsePcpResponse(reply);
    expect(parsed).toMatchObject({ version: 2, opcode: 1, result: 0, lifetime: 3600, map: { protocol: 6, internalPort: 6881, externalPort: 6881, externalAddress: '203.0.113.7' } });
    expect(parsed.version === 2 && parsed.map?.nonce.equals(nonce)).toBe(true);
    expect(encodePcpMapRequest({ nonce, transport: 'udp', internalPort: 1, suggestedExternalPort: 1, lifetime: 1, clientAddress: '2001:db8::1' }).subarray(8, 24).toString('hex')).toBe(
      '20010db8000000000000000000000001',
    );
  });

  it('recognises a NAT-PMP gateway\'s answer and throws only PcpPacketError otherwise', () => {
    expect(parsePcpResponse(Buffer.from([0, 129, 0, 1, 0, 0, 0, 0]))).toEqual({ version: 0, result: 1 });
    fuzz(parsePcpResponse, PcpPacketError, (b, next) => {
      if (next() < 0.7) {
        const c = Buffer.alloc(60 + 4 * Math.floor(next() * 3));
        b.copy(c);
        c[0] = 2;
        c[1] = (c[1] ?? 0) | 0x80;
        return c;
      }
      return b;
    });
    expect(() => parsePcpResponse(Buffer.alloc(1104, 2))).toThrow(PcpPacketError);
  });
});

describe('UPnP parsing', () => {
  it('reads LOCATION from an SSDP reply and refuses what is not http', () => {
    const ok = Buffer.from('HTTP/1.1 200 OK\r\nST: x\r\nLocation: http://10.77.0.1:5000/rootDesc.xml\r\n\r\n');
    expect(parseSsdpReply(ok).location).toBe('http://10.77.0.1:5000/rootDesc.xml');
    expect(() => parseSsdpReply(Buffer.from('HTTP/1.1 200 OK\r\nLOCATION: file:///etc/passwd\r\n\r\n'))).toThrow(UpnpParseError);
    expect(() => parseSsdpReply(Buffer.alloc(MAX_SSDP_REPLY_BYTES + 1, 65))).toThrow(UpnpParseError);
    fuzz(parseSsdpReply, UpnpParseError, (b, next) => (next() < 0.5 ? Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nLOCATION: '), b]) : b));
  });

  it('finds the WAN connection service and resolves its control URL against URLBase', () => {
    const xml = '<root><URLBase>http://10.77.0.1:5000/</URLBase><device><serviceList><service><serviceType>urn:schemas-upnp-org:service:WANPPPConnection:1</serviceType><controlURL>ppp</controlURL></service><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType><controlURL>/ctl/IPConn</controlURL></service></serviceList></device></root>';
    expect(parseDeviceDescription(xml, 'http://10.77.0.1:5000/rootDesc.xml')).toEqual({
      controlUrl: 'http://10.77.0.1:5000/ctl/IPConn',
      serviceType: 'urn:schemas-upnp-org:service:WANIPConnection:1',
    });
    expect(() => parseDeviceDescription('<root/>', 'http://a/')).toThrow(UpnpParseError);
    expect(() => parseDeviceDescription('x'.repeat(MAX_XML_BYTES + 1), 'http://a/')).toThrow(UpnpParseError);
    fuzz((b) => parseDeviceDescription(b.toString('latin1'), 'http://10.0.0.1/'), UpnpParseError);
  });

  it('reads SOAP outputs and UPnPError codes', () => {
    expect(parseSoapResponse(200, '<u:R><NewExternalIPAddress>203.0.113.7</NewExternalIPAddress></u:R>', ['NewExternalIPAddress'])).toEqual({
      ok: true,
      values: { NewExternalIPAddress: '203.0.113.7' },
    });
    expect(parseSoapResponse(500, '<UPnPError><errorCode>718</errorCode><errorDescription>ConflictInMappingEntry</errorDescription></UPnPError>', [])).toEqual({
      ok: false,
      errorCode: 718,
      errorDescription: 'ConflictInMappingEntry',
    });
    expect(parseSoapResponse(500, 'garbage', [])).toEqual({ ok: false, errorCode: null, errorDescription: 'HTTP 500' });
  });
});

describe('default gateway', () => {
  it('reads the default route of /proc/net/route', () => {
    const table = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\nveth0\t00004D0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\nveth0\t00000000\t01004D0A\t0003\t0\t0\t0\t00000000\n';
    expect(defaultGatewayV4(table)).toBe('10.77.0.1');
    expect(defaultGatewayV4('Iface\tDestination\n')).toBeNull();
  });
});
