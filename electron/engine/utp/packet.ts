/**
 * The uTP packet header (BEP 29, version 1) and its extensions. Decoding never throws: a
 * datagram that is not a well-formed uTP packet returns null. Encoding writes into a buffer
 * the caller owns, so a packet kept for retransmission is allocated once.
 *
 *   0       4       8               16              24              32
 *   | type  | ver   | extension     | connection_id                 |
 *   | timestamp_microseconds                                        |
 *   | timestamp_difference_microseconds                             |
 *   | wnd_size                                                      |
 *   | seq_nr                        | ack_nr                        |
 */
export const HEADER_BYTES = 20;
export const UTP_VERSION = 1;

export const ST_DATA = 0;
export const ST_FIN = 1;
export const ST_STATE = 2;
export const ST_RESET = 3;
export const ST_SYN = 4;
export type PacketType = 0 | 1 | 2 | 3 | 4;

export const EXT_NONE = 0;
export const EXT_SACK = 1;
/** Extensions read per packet at most (a chain is 2 bytes + data each; nobody sends more than two). */
const MAX_EXTENSIONS = 8;
/** Selective-ACK bitmask bytes we send at most (256 packets past ack_nr + 1). */
export const MAX_SACK_BYTES = 32;

export interface PacketHeader {
  type: PacketType;
  connectionId: number;
  timestamp: number;
  timestampDiff: number;
  wndSize: number;
  seqNr: number;
  ackNr: number;
  /** The selective-ACK bitmask (a view into the datagram), or null. */
  sack: Uint8Array | null;
  /** Offset of the payload in the datagram. */
  payloadOffset: number;
}

export function emptyHeader(): PacketHeader {
  return { type: ST_DATA, connectionId: 0, timestamp: 0, timestampDiff: 0, wndSize: 0, seqNr: 0, ackNr: 0, sack: null, payloadOffset: HEADER_BYTES };
}

/**
 * Cheap test used to demultiplex one UDP socket between uTP and the DHT: a uTP packet's
 * first byte has version 1 in its low nibble and a type 0..4 in its high nibble; a bencoded
 * KRPC message starts with 'd' (0x64, which would be type 6).
 */
export function looksLikeUtp(datagram: Uint8Array): boolean {
  if (datagram.length < HEADER_BYTES) return false;
  const first = datagram[0] ?? 0;
  return (first & 0x0f) === UTP_VERSION && first >> 4 <= ST_SYN;
}

/**
 * Decodes a datagram's header into `out` (reused by the caller: no allocation per packet).
 * Returns false for anything that is not a well-formed uTP v1 packet.
 */
export function decodeHeader(datagram: Uint8Array, out: PacketHeader): boolean {
  if (!looksLikeUtp(datagram)) return false;
  const d = datagram;
  // Byte arithmetic, not a DataView: no allocation per packet.
  out.type = ((d[0] ?? 0) >> 4) as PacketType;
  out.connectionId = u16(d, 2);
  out.timestamp = u32(d, 4);
  out.timestampDiff = u32(d, 8);
  out.wndSize = u32(d, 12);
  out.seqNr = u16(d, 16);
  out.ackNr = u16(d, 18);
  out.sack = null;
  let next = d[1] ?? 0;
  let offset = HEADER_BYTES;
  for (let count = 0; next !== EXT_NONE; count++) {
    if (count >= MAX_EXTENSIONS || offset + 2 > datagram.length) return false;
    const type = next;
    next = d[offset] ?? 0;
    const length = d[offset + 1] ?? 0;
    offset += 2;
    if (offset + length > datagram.length) return false;
    // A SACK of length 0 says nothing; other extensions (e.g. libtorrent's close reason) are skipped.
    if (type === EXT_SACK && length > 0) out.sack = datagram.subarray(offset, offset + length);
    offset += length;
  }
  // Only DATA and FIN carry a payload; SYN/STATE/RESET with trailing bytes are tolerated (ignored).
  out.payloadOffset = offset;
  return true;
}

function u16(d: Uint8Array, at: number): number {
  return ((d[at] ?? 0) << 8) | (d[at + 1] ?? 0);
}

function u32(d: Uint8Array, at: number): number {
  return (((d[at] ?? 0) << 24) | ((d[at + 1] ?? 0) << 16) | ((d[at + 2] ?? 0) << 8) | (d[at + 3] ?? 0)) >>> 0;
}

/** Writes a header (no extensions unless `sackBytes` > 0, then the SACK header follows). */
export function writeHeader(buf: Uint8Array, type: PacketType, connectionId: number, seqNr: number, ackNr: number, sackBytes = 0): void {
  buf[0] = (type << 4) | UTP_VERSION;
  buf[1] = sackBytes > 0 ? EXT_SACK : EXT_NONE;
  buf[2] = (connectionId >> 8) & 0xff;
  buf[3] = connectionId & 0xff;
  buf[16] = (seqNr >> 8) & 0xff;
  buf[17] = seqNr & 0xff;
  writeAck(buf, ackNr);
  if (sackBytes > 0) {
    buf[HEADER_BYTES] = EXT_NONE;
    buf[HEADER_BYTES + 1] = sackBytes;
  }
}

/** The fields refreshed at each (re)transmission. */
export function stampHeader(buf: Uint8Array, timestamp: number, timestampDiff: number, wndSize: number, ackNr: number): void {
  writeU32(buf, 4, timestamp);
  writeU32(buf, 8, timestampDiff);
  writeU32(buf, 12, wndSize);
  writeAck(buf, ackNr);
}

function writeAck(buf: Uint8Array, ackNr: number): void {
  buf[18] = (ackNr >> 8) & 0xff;
  buf[19] = ackNr & 0xff;
}

function writeU32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = (value >>> 24) & 0xff;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}

/** Whether bit `index` (packet ack_nr + 2 + index) is set in a SACK bitmask. */
export function sackBit(mask: Uint8Array, index: number): boolean {
  return (((mask[index >> 3] ?? 0) >> (index & 7)) & 1) === 1;
}
