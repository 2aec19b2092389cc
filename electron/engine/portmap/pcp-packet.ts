import crypto from 'node:crypto';
import net from 'node:net';
import type { Transport } from './natpmp-packet.js';

/**
 * PCP (RFC 6887) MAP requests and responses. Every address is 16 bytes (IPv4 as
 * ::ffff:a.b.c.d). A NAT-PMP-only gateway answers a PCP request with a NAT-PMP header
 * (version 0, result 1 "unsupported version"): the caller then falls back to NAT-PMP.
 */

export const PCP_VERSION = 2;
export const PCP_OPCODE_MAP = 1;
const HEADER_BYTES = 24;
const MAP_BYTES = 36;
/** RFC 6887 §7: PCP messages are at most 1100 bytes. */
export const MAX_PCP_MESSAGE_BYTES = 1100;

/** RFC 6887 §7.4 result codes. */
export const PCP_RESULTS: Readonly<Record<number, string>> = {
  0: 'SUCCESS',
  1: 'UNSUPP_VERSION',
  2: 'NOT_AUTHORIZED',
  3: 'MALFORMED_REQUEST',
  4: 'UNSUPP_OPCODE',
  5: 'UNSUPP_OPTION',
  6: 'MALFORMED_OPTION',
  7: 'NETWORK_FAILURE',
  8: 'NO_RESOURCES',
  9: 'UNSUPP_PROTOCOL',
  10: 'USER_EX_QUOTA',
  11: 'CANNOT_PROVIDE_EXTERNAL',
  12: 'ADDRESS_MISMATCH',
  13: 'EXCESSIVE_REMOTE_PEERS',
};

export class PcpPacketError extends Error {
  override readonly name = 'PcpPacketError';
}

export interface PcpMapRequest {
  nonce: Buffer; // 12 bytes
  transport: Transport;
  internalPort: number;
  suggestedExternalPort: number;
  lifetime: number;
  clientAddress: string;
}

export type PcpResponse =
  | { version: 0; result: number } // a NAT-PMP gateway's answer
  | {
      version: 2;
      opcode: number;
      result: number;
      lifetime: number;
      epoch: number;
      map: { nonce: Buffer; protocol: number; internalPort: number; externalPort: number; externalAddress: string } | null;
    };

export function newNonce(): Buffer {
  return crypto.randomBytes(12);
}

export function encodePcpMapRequest(r: PcpMapRequest): Buffer {
  const b = Buffer.alloc(HEADER_BYTES + MAP_BYTES);
  b[0] = PCP_VERSION;
  b[1] = PCP_OPCODE_MAP; // R bit 0: request
  b.writeUInt32BE(r.lifetime, 4);
  encodeAddress(r.clientAddress).copy(b, 8);
  r.nonce.copy(b, 24, 0, 12);
  b[36] = r.transport === 'tcp' ? 6 : 17;
  b.writeUInt16BE(r.internalPort, 40);
  b.writeUInt16BE(r.suggestedExternalPort, 42);
  // Suggested external address: all zeros (IPv4 "any" is ::ffff:0.0.0.0).
  b[54] = 0xff;
  b[55] = 0xff;
  return b;
}

export function parsePcpResponse(p: Uint8Array): PcpResponse {
  if (p.length < 4) throw new PcpPacketError(`reply of ${p.length} bytes is too short`);
  if (p.length > MAX_PCP_MESSAGE_BYTES) throw new PcpPacketError(`reply of ${p.length} bytes is over ${MAX_PCP_MESSAGE_BYTES}`);
  const b = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  if (b[0] === 0) {
    // NAT-PMP header: version 0, opcode, 16-bit result.
    return { version: 0, result: b.readUInt16BE(2) };
  }
  if (b[0] !== PCP_VERSION) throw new PcpPacketError(`version ${b[0]}`);
  if (b.length < HEADER_BYTES || b.length % 4 !== 0) throw new PcpPacketError(`reply of ${b.length} bytes is not a PCP response`);
  if ((b[1]! & 0x80) === 0) throw new PcpPacketError('not a response');
  const opcode = b[1]! & 0x7f;
  const result = b[3]!;
  const lifetime = b.readUInt32BE(4);
  const epoch = b.readUInt32BE(8);
  if (opcode !== PCP_OPCODE_MAP || b.length < HEADER_BYTES + MAP_BYTES) return { version: 2, opcode, result, lifetime, epoch, map: null };
  return {
    version: 2,
    opcode,
    result,
    lifetime,
    epoch,
    map: {
      nonce: Buffer.from(b.subarray(24, 36)),
      protocol: b[36]!,
      internalPort: b.readUInt16BE(40),
      externalPort: b.readUInt16BE(42),
      externalAddress: decodeAddress(b.subarray(44, 60)),
    },
  };
}

export function pcpResultText(result: number): string {
  return PCP_RESULTS[result] ?? `result code ${result}`;
}

function encodeAddress(address: string): Buffer {
  const out = Buffer.alloc(16);
  if (net.isIPv4(address)) {
    out[10] = 0xff;
    out[11] = 0xff;
    address.split('.').forEach((part, i) => (out[12 + i] = Number(part)));
    return out;
  }
  if (!net.isIPv6(address)) throw new PcpPacketError(`not an IP address: ${address}`);
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function decodeAddress(b: Uint8Array): string {
  const isV4Mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (isV4Mapped) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return groups.join(':');
}
