/** What the choker looks at for each peer. */
export interface ChokeCandidate {
  readonly id: string;
  readonly peerInterested: boolean;
  /** Payload rate the peer sends us (tit-for-tat while downloading). */
  readonly downloadRate: number;
  /** Payload rate we send the peer (while seeding: favour peers that take data fast). */
  readonly uploadRate: number;
  readonly isSeed: boolean;
}

/**
 * Upload-slot choice, like the reference clients: `slots` regular unchokes by the rate
 * that matters (what the peer gives us while we download; what it takes while we seed),
 * plus one optimistic unchoke that rotates so newcomers get a chance to prove themselves.
 * Pure: the torrent calls it every 10 s and applies the result.
 */
export function chooseUnchoked(
  peers: readonly ChokeCandidate[],
  seeding: boolean,
  slots: number,
  optimistic: string | null,
): Set<string> {
  const eligible = peers.filter((p) => p.peerInterested && !p.isSeed);
  const rate = (p: ChokeCandidate): number => (seeding ? p.uploadRate : p.downloadRate);
  const ranked = [...eligible].sort((a, b) => rate(b) - rate(a));
  const chosen = new Set(ranked.slice(0, slots).map((p) => p.id));
  if (optimistic && eligible.some((p) => p.id === optimistic)) chosen.add(optimistic);
  return chosen;
}

/** Picks the next optimistic unchoke among interested peers not already unchoked, at random. */
export function nextOptimistic(
  peers: readonly ChokeCandidate[],
  regular: ReadonlySet<string>,
  random: () => number = Math.random,
): string | null {
  const pool = peers.filter((p) => p.peerInterested && !p.isSeed && !regular.has(p.id));
  if (pool.length === 0) return null;
  return pool[Math.floor(random() * pool.length)]!.id;
}
