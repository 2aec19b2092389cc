import { encode } from '../bencode/index.js';

/**
 * A .torrent holding fetched metadata: announce-list plus the info dict's original bytes, for a
 * v2 torrent the piece layers fetched from peers (BEP 52), so a restart needs no peer to check
 * its pieces, and the magnet's web seeds as url-list.
 */
export function torrentFileFromInfo(
  info: Buffer,
  tiers: string[][],
  extras: { pieceLayers?: ReadonlyMap<string, Buffer>; webSeeds?: readonly string[] } = {},
): Buffer {
  // Keys must be sorted: 'announce-list' < 'info' < 'piece layers' < 'url-list'. The info dict is spliced in verbatim.
  const pieceLayers = extras.pieceLayers ?? new Map<string, Buffer>();
  const webSeeds = extras.webSeeds ?? [];
  const head = tiers.length > 0 ? encode({ 'announce-list': tiers }).subarray(1, -1) : Buffer.alloc(0);
  const tail = encode({
    ...(pieceLayers.size > 0 ? { 'piece layers': pieceLayers } : {}),
    ...(webSeeds.length > 0 ? { 'url-list': [...webSeeds] } : {}),
  }).subarray(1, -1);
  return Buffer.concat([Buffer.from('d'), head, Buffer.from('4:info'), info, tail, Buffer.from('e')]);
}

/** Announce tiers from the .torrent first, then any extra (magnet `tr`) not already listed. */
export function mergeTiers(primary: string[][], extra: string[][]): string[][] {
  const seen = new Set(primary.flat());
  const rest = extra.map((tier) => tier.filter((url) => !seen.has(url))).filter((tier) => tier.length > 0);
  return [...primary.map((t) => [...t]), ...rest];
}
