/**
 * NAT-PMP (RFC 6886) packets. Requests: external address (opcode 0) and map UDP (1) / TCP (2);
 * responses carry opcode + 128, a result code and the gateway's epoch.
 */

export type Transport = 'tcp' | 'udp';

export const NATPMP_PORT = 5351;
/** RFC 6886 §3.5 result codes. */
export const NATPMP_RESULTS: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'unsupported version',
  2: 'not authorized/refused',
  3: 'network failure',
  4: 'out of resources',
  5: 'unsupported opcode',
};

export class NatPmpPacketError extends Error {
  override readonly name = 'NatPmpPacketError';
}

export function encodeNatPmpExternalAddressRequest(): Buffer {
  return Buffer.from([0, 0]);
}

export function encodeNatPmpMapRequest(transport: Transport, internalPort: number, externalPort: number, lifetime: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0;
  b[1] = transport === 'udp' ? 1 : 2;
  b.writeUInt16BE(internalPort, 4);
  b.writeUInt16BE(externalPort, 6);
  b.writeUInt32BE(lifetime, 8);
  return b;
}

export type NatPmpResponse =
  | { op: 0; result: number; epoch: number; externalAddress: string }
  | { op: 1 | 2; result: number; epoch: number; internalPort: number; externalPort: number; lifetime: number }
  /** A reply that is only a header: an error answer (e.g. unsupported version/opcode). */
  | { op: number; result: number; epoch: number; short: true };

/** Parses a reply; throws NatPmpPacketError when it is not a NAT-PMP response. */
export function parseNatPmpResponse(p: Uint8Array): NatPmpResponse {
  if (p.length < 8) throw new NatPmpPacketError(`reply of ${p.length} bytes is too short`);
  if (p.length > 1100) throw new NatPmpPacketError(`reply of ${p.length} bytes is too long`);
  const b = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  if (b[0] !== 0) throw new NatPmpPacketError(`version ${b[0]}`);
  const opByte = b[1]!;
  if (opByte < 128) throw new NatPmpPacketError('not a response');
  const op = opByte - 128;
  const result = b.readUInt16BE(2);
  const epoch = b.readUInt32BE(4);
  if (result !== 0) return { op, result, epoch, short: true };
  if (op === 0) {
    if (b.length < 12) throw new NatPmpPacketError('external address reply too short');
    return { op, result, epoch, externalAddress: `${b[8]}.${b[9]}.${b[10]}.${b[11]}` };
  }
  if (op === 1 || op === 2) {
    if (b.length < 16) throw new NatPmpPacketError('mapping reply too short');
    return { op, result, epoch, internalPort: b.readUInt16BE(8), externalPort: b.readUInt16BE(10), lifetime: b.readUInt32BE(12) };
  }
  throw new NatPmpPacketError(`unknown opcode ${op}`);
}

export function natPmpResultText(result: number): string {
  return NATPMP_RESULTS[result] ?? `result code ${result}`;
}
