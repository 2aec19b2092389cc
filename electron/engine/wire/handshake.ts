import type { PeerCipher } from './mse/mse-common.js';

/** BEP 3 handshake: <19>"BitTorrent protocol"<8 reserved><20 info-hash><20 peer id>. */
export const HANDSHAKE_LENGTH = 68;
/** The first 20 bytes of every plain handshake: <19>"BitTorrent protocol". */
export const PROTOCOL_PREFIX = Buffer.from('\x13BitTorrent protocol', 'latin1');

export interface Handshake {
  infoHash: Buffer;
  peerId: Buffer;
  /** BEP 10 extension protocol (reserved[5] & 0x10). */
  extensions: boolean;
  /** BEP 6 fast extension (reserved[7] & 0x04). */
  fast: boolean;
  /** BEP 5 DHT (reserved[7] & 0x01). */
  dht: boolean;
  /** BEP 52: the peer speaks v2 (reserved[7] & 0x10): a hybrid's v1 connection may be upgraded. */
  v2: boolean;
}

/** What an incoming peer's opening bytes established, once its BitTorrent handshake is read. */
export interface IncomingHello {
  readonly handshake: Handshake;
  /** Bytes after the handshake, decrypted. */
  readonly leftover: Buffer;
  /** RC4 both ways when MSE chose it. */
  readonly cipher: PeerCipher | null;
  /** It began with an MSE handshake. */
  readonly encrypted: boolean;
}

/**
 * @param v2 set the BEP 52 bit: as libtorrent, only on a hybrid torrent's connection under its
 *           v1 hash (it tells the peer it may use v2 hash messages there too)
 */
export function encodeHandshake(infoHash: Uint8Array, peerId: Uint8Array, v2 = false): Buffer {
  const out = Buffer.alloc(HANDSHAKE_LENGTH);
  PROTOCOL_PREFIX.copy(out, 0);
  out[20 + 5] = 0x10; // extension protocol
  out[20 + 7] = 0x04 | 0x01 | (v2 ? 0x10 : 0); // fast extension + DHT (+ BEP 52 v2)
  out.set(infoHash, 28);
  out.set(peerId, 48);
  return out;
}

/** Parses the 68 handshake bytes; returns a reason string when they are not a BitTorrent handshake. */
export function decodeHandshake(bytes: Buffer): Handshake | string {
  if (bytes.length < HANDSHAKE_LENGTH) return 'short handshake';
  if (!bytes.subarray(0, 20).equals(PROTOCOL_PREFIX)) return 'not a BitTorrent handshake';
  const reserved = bytes.subarray(20, 28);
  return {
    infoHash: Buffer.from(bytes.subarray(28, 48)),
    peerId: Buffer.from(bytes.subarray(48, 68)),
    extensions: (reserved[5]! & 0x10) !== 0,
    fast: (reserved[7]! & 0x04) !== 0,
    dht: (reserved[7]! & 0x01) !== 0,
    v2: (reserved[7]! & 0x10) !== 0,
  };
}
