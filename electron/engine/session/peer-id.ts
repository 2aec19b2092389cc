import { randomBytes } from 'node:crypto';

/** Tessera's Azureus-style peer id prefix (TE: unused in libtorrent's client table) and client string. Bump with the version. */
export const PEER_ID_PREFIX = '-TE0100-';
export const CLIENT_NAME = 'Tessera 0.1.0';

/** A fresh peer id: the prefix plus 12 random printable bytes. */
export function generatePeerId(): Buffer {
  const random = randomBytes(12).toString('base64url').slice(0, 12);
  return Buffer.from(PEER_ID_PREFIX + random, 'latin1');
}
