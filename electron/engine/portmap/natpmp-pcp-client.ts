import dgram from 'node:dgram';
import net from 'node:net';
import { udpExchange } from './udp-exchange.js';
import {
  encodeNatPmpExternalAddressRequest,
  encodeNatPmpMapRequest,
  natPmpResultText,
  NatPmpPacketError,
  parseNatPmpResponse,
  type Transport,
} from './natpmp-packet.js';
import { encodePcpMapRequest, newNonce, parsePcpResponse, PcpPacketError, pcpResultText } from './pcp-packet.js';

/** A gateway's answer that is not a mapping: the protocol's result code and its name. */
export class GatewayRefusal extends Error {
  override readonly name = 'GatewayRefusal';
  constructor(readonly protocol: 'natpmp' | 'pcp' | 'upnp', readonly code: number | null, message: string) {
    super(message);
  }
}

/** The PCP gateway speaks only NAT-PMP (it answered version 0 / UNSUPP_VERSION). */
export class PcpUnsupported extends Error {
  override readonly name = 'PcpUnsupported';
}

export interface Granted {
  externalPort: number;
  /** Seconds; 0 = until removed. */
  lifetime: number;
  externalAddress: string | null;
}

export interface Gateway {
  host: string;
  port: number;
}

export async function natPmpExternalAddress(gw: Gateway): Promise<string> {
  return udpExchange(gw.host, gw.port, encodeNatPmpExternalAddressRequest(), (reply) => {
    const r = parseLenient(reply);
    if (!r || r.op !== 0) return null;
    if ('short' in r) throw new GatewayRefusal('natpmp', r.result, `external address: ${natPmpResultText(r.result)}`);
    return r.externalAddress;
  });
}

/** Maps (lifetime > 0) or deletes (lifetime 0) one port with NAT-PMP. */
export async function natPmpMap(gw: Gateway, transport: Transport, internalPort: number, externalPort: number, lifetime: number): Promise<Granted> {
  const op = transport === 'udp' ? 1 : 2;
  return udpExchange(gw.host, gw.port, encodeNatPmpMapRequest(transport, internalPort, externalPort, lifetime), (reply) => {
    const r = parseLenient(reply);
    if (!r || r.op !== op) return null;
    if ('short' in r) throw new GatewayRefusal('natpmp', r.result, `${transport} mapping: ${natPmpResultText(r.result)}`);
    if (!('internalPort' in r) || r.internalPort !== internalPort) return null;
    return { externalPort: r.externalPort, lifetime: r.lifetime, externalAddress: null };
  });
}

/**
 * Maps (lifetime > 0) or deletes (lifetime 0) one port with PCP MAP. The nonce must be the
 * same for a renewal or deletion as for the original request (RFC 6887 §11.1).
 */
export async function pcpMap(
  gw: Gateway,
  nonce: Buffer,
  transport: Transport,
  internalPort: number,
  externalPort: number,
  lifetime: number,
): Promise<Granted> {
  // The client address field must be our address as the gateway sees it: the local end of a
  // UDP socket connected towards it.
  const clientAddress = await localAddressTowards(gw);
  const request = encodePcpMapRequest({ nonce, transport, internalPort, suggestedExternalPort: externalPort, lifetime, clientAddress });
  return udpExchange(gw.host, gw.port, request, (reply) => {
    let r;
    try {
      r = parsePcpResponse(reply);
    } catch (err) {
      if (err instanceof PcpPacketError) return null;
      throw err;
    }
    if (r.version === 0) throw new PcpUnsupported(`gateway answered with NAT-PMP (${natPmpResultText(r.result)})`);
    if (r.opcode !== 1) return null;
    if (r.result !== 0) throw new GatewayRefusal('pcp', r.result, `${transport} mapping: ${pcpResultText(r.result)}`);
    if (!r.map || !r.map.nonce.equals(nonce)) return null;
    return { externalPort: r.map.externalPort, lifetime: r.lifetime, externalAddress: r.map.externalAddress };
  });
}

export { newNonce };

function parseLenient(reply: Buffer): ReturnType<typeof parseNatPmpResponse> | null {
  try {
    return parseNatPmpResponse(reply);
  } catch (err) {
    if (err instanceof NatPmpPacketError) return null;
    throw err;
  }
}

function localAddressTowards(gw: Gateway): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket(net.isIPv6(gw.host) ? 'udp6' : 'udp4');
    s.on('error', (err) => {
      s.close();
      reject(err);
    });
    s.connect(gw.port, gw.host, () => {
      const address = s.address().address;
      s.close();
      resolve(address);
    });
  });
}
