import { encode } from '../bencode/index.js';

/**
 * A .torrent holding fetched metadata: announce-list plus the info dict's original bytes, and
 * for a v2 torrent the piece layers fetched from peers (BEP 52), so a restart needs no peer
 * to check its pieces.
 */
export function torrentFileFromInfo(info: Buffer, tiers: string[][], pieceLayers: ReadonlyMap<string, Buffer> = new Map()): Buffer {
  // Keys must be sorted: 'announce-list' < 'info' < 'piece layers'. The info dict is spliced in verbatim.
  const head = tiers.length > 0 ? encode({ 'announce-list': tiers }).subarray(1, -1) : Buffer.alloc(0);
  const tail = pieceLayers.size > 0 ? encode({ 'piece layers': pieceLayers }).subarray(1, -1) : Buffer.alloc(0);
  return Buffer.concat([Buffer.from('d'), head, Buffer.from('4:info'), info, tail, Buffer.from('e')]);
}

/** Announce tiers from the .torrent first, then any extra (magnet `tr`) not already listed. */
export function mergeTiers(primary: string[][], extra: string[][]): string[][] {
  const seen = new Set(primary.flat());
  const rest = extra.map((tier) => tier.filter((url) => !seen.has(url))).filter((tier) => tier.length > 0);
  return [...primary.map((t) => [...t]), ...rest];
}
