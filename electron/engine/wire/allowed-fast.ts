import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';

/**
 * The canonical BEP 6 allowed-fast set for a peer: pieces it may request even while we
 * choke it, derived from its IPv4 /24 and the info-hash so every client computes the same.
 * Returns [] for IPv6 peers (BEP 6 defines the set for IPv4 only) or tiny torrents.
 */
export function allowedFastSet(ip: string, infoHash: Uint8Array, pieceCount: number, k: number): number[] {
  const host = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (!isIPv4(host) || pieceCount <= k) return [];
  const octets = host.split('.').map(Number);
  let x: Buffer = Buffer.concat([Buffer.from([octets[0]!, octets[1]!, octets[2]!, 0]), Buffer.from(infoHash)]);
  const out: number[] = [];
  while (out.length < k) {
    x = createHash('sha1').update(x).digest();
    for (let i = 0; i < 5 && out.length < k; i++) {
      const index = x.readUInt32BE(i * 4) % pieceCount;
      if (!out.includes(index)) out.push(index);
    }
  }
  return out;
}
