/**
 * BEP 14 Local Service Discovery messages: an HTTP-like `BT-SEARCH * HTTP/1.1` request sent
 * to a multicast group, naming the sender's listening port, one or more info-hashes and a
 * cookie (so a client can ignore its own announces that loop back to it).
 */

export const LSD_PORT = 6771;
export const LSD_GROUP_V4 = '239.192.152.143';
export const LSD_GROUP_V6 = 'ff15::efc0:988f';
/** BEP 14: a message must fit one unfragmented datagram (< 1400 bytes). */
export const MAX_LSD_MESSAGE_BYTES = 1400;
/** Info-hashes one received message may name; the rest are ignored (libtorrent sends one). */
export const MAX_INFOHASHES_PER_MESSAGE = 16;
/** Info-hashes we put in one message: 20 × 52-byte lines stay well under the size cap. */
export const INFOHASHES_PER_SENT_MESSAGE = 20;

export interface LsdAnnounce {
  port: number;
  /** Lowercase hex, 40 characters each, de-duplicated. */
  infoHashes: string[];
  cookie: string | null;
}

export class LsdMessageError extends Error {
  override readonly name = 'LsdMessageError';
}

export function formatLsdAnnounce(host: string, port: number, infoHashes: readonly string[], cookie: string): Buffer {
  const hostHeader = host.includes(':') ? `[${host}]:${LSD_PORT}` : `${host}:${LSD_PORT}`;
  const lines = ['BT-SEARCH * HTTP/1.1', `Host: ${hostHeader}`, `Port: ${port}`, ...infoHashes.map((h) => `Infohash: ${h}`), `cookie: ${cookie}`];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n\r\n`, 'latin1');
}

/** Parses one datagram; throws LsdMessageError for anything that is not a well-formed BT-SEARCH. */
export function parseLsdAnnounce(datagram: Uint8Array): LsdAnnounce {
  if (datagram.length > MAX_LSD_MESSAGE_BYTES) throw new LsdMessageError(`message of ${datagram.length} bytes is over ${MAX_LSD_MESSAGE_BYTES}`);
  const text = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength).toString('latin1');
  const lines = text.split(/\r?\n/);
  if (!/^BT-SEARCH \* HTTP\/1\.[01]$/.test(lines[0] ?? '')) throw new LsdMessageError('not a BT-SEARCH request');
  let port: number | null = null;
  let cookie: string | null = null;
  const infoHashes: string[] = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new LsdMessageError('header line without a name');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'port') {
      if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) throw new LsdMessageError(`bad port ${JSON.stringify(value.slice(0, 20))}`);
      port = Number(value);
    } else if (name === 'infohash') {
      const hash = value.toLowerCase();
      if (!/^[0-9a-f]{40}$/.test(hash)) throw new LsdMessageError('bad infohash');
      if (infoHashes.length < MAX_INFOHASHES_PER_MESSAGE && !infoHashes.includes(hash)) infoHashes.push(hash);
    } else if (name === 'cookie') {
      cookie = value.slice(0, 64);
    }
  }
  if (port === null) throw new LsdMessageError('no Port header');
  if (infoHashes.length === 0) throw new LsdMessageError('no Infohash header');
  return { port, infoHashes, cookie };
}
