/**
 * The only place the DHT touches bencode: the project's strict decoder (iterative,
 * depth/size/token-limited, Map dictionaries without prototype hazards) with limits sized
 * for one UDP datagram, and its canonical encoder for our own messages.
 */
import { decode, encode } from '../bencode/index.js';

/** What the KRPC codec reads: byte strings, integers (bigint beyond 2^53), lists, dictionaries. */
export type KValue = Uint8Array | number | bigint | KValue[] | KDict;
export type KDict = Map<string, KValue>;

/** Largest datagram we decode (BEP 5 messages are well under 1.5 KiB). */
export const MAX_PACKET_BYTES = 2048;

/** Decodes one packet; throws BencodeError on anything malformed or over the limits. */
export function decodeBencode(bytes: Uint8Array): KValue {
  return decode(bytes, { maxSize: MAX_PACKET_BYTES, maxDepth: 8, maxTokens: 1024 });
}

export function encodeBencode(value: KValue): Uint8Array {
  return encode(value);
}
