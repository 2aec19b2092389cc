/**
 * Peers other nodes announced to us (announce_peer), per info-hash, each with an expiry.
 * Bounded so that a flood of announces costs a fixed amount of memory: per info-hash, in
 * info-hashes, in entries overall, and per sender (an IPv4 address or an IPv6 /64).
 */
import type { PeerAddress } from '../api.js';
import { senderKey } from './routing-table-ips.js';

export const PEER_TTL_MS = 30 * 60_000;
/**
 * Entries in the whole store. libtorrent's 2000 info-hashes × 500 peers would be a million
 * entries, ~300 MiB of JS objects here (measured); 50,000 is ~15 MiB, and a node is among the
 * 8 closest to few info-hashes, so honest use stays far below it.
 */
export const MAX_STORED_PEERS = 50_000;
/**
 * Entries one sender holds across the store. A sender's token is good for every info-hash
 * and any port, so without this one address announcing 500 ports evicted every honest peer
 * of a torrent, and a handful of addresses filled the store.
 */
export const MAX_PEERS_PER_SENDER = 16;

/** Shortest gap between the prunes a full store triggers. */
const PRUNE_GAP_MS = 1000;

export interface PeerStoreOptions {
  ttlMs?: number;
  maxInfoHashes?: number;
  maxPeersPerInfoHash?: number;
  maxPeers?: number;
  maxPeersPerSender?: number;
  now?: () => number;
}

interface Entry {
  peer: PeerAddress;
  expires: number;
  sender: string;
}

export class PeerStore {
  private readonly torrents = new Map<string, Map<string, Entry>>();
  /** Entries per sender key; a sender is absent once it holds none. */
  private readonly perSender = new Map<string, number>();
  private total = 0;
  private prunedAt = -Infinity;
  private readonly ttlMs: number;
  private readonly maxInfoHashes: number;
  private readonly maxPeers: number;
  private readonly maxTotal: number;
  private readonly maxPerSender: number;
  private readonly now: () => number;

  constructor(options: PeerStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? PEER_TTL_MS;
    this.maxInfoHashes = options.maxInfoHashes ?? 2000;
    this.maxPeers = options.maxPeersPerInfoHash ?? 500;
    this.maxTotal = options.maxPeers ?? MAX_STORED_PEERS;
    this.maxPerSender = options.maxPeersPerSender ?? MAX_PEERS_PER_SENDER;
    this.now = options.now ?? Date.now;
  }

  /** Records (or refreshes) a peer; returns false when a bound keeps it out. */
  add(infoHashHex: string, peer: PeerAddress): boolean {
    const now = this.now();
    const key = `${peer.host}|${peer.port}`;
    const known = this.torrents.get(infoHashHex)?.get(key);
    if (known) {
      known.expires = now + this.ttlMs;
      const peers = this.torrents.get(infoHashHex)!;
      peers.delete(key); // re-insert so iteration order is freshest last
      peers.set(key, known);
      return true;
    }
    // A sender at its bound may still refresh what it has (above), but adds nothing new. Its
    // expired entries go at the next prune (maintenance, or a full store): not pruned here, or
    // a sender at its bound would make every announce of its a walk over the whole store.
    const sender = senderKey(peer.host);
    if ((this.perSender.get(sender) ?? 0) >= this.maxPerSender) return false;
    if (this.total >= this.maxTotal) {
      this.pruneNowAndThen(now);
      if (this.total >= this.maxTotal) return false;
    }
    let peers = this.torrents.get(infoHashHex);
    if (!peers) {
      if (this.torrents.size >= this.maxInfoHashes) {
        this.pruneNowAndThen(now);
        if (this.torrents.size >= this.maxInfoHashes) return false;
      }
      peers = new Map();
      this.torrents.set(infoHashHex, peers);
    }
    if (peers.size >= this.maxPeers) {
      // Make room by dropping the entry closest to expiry.
      let oldestKey: string | undefined;
      let oldest = Infinity;
      for (const [candidateKey, entry] of peers) {
        if (entry.expires < oldest) {
          oldest = entry.expires;
          oldestKey = candidateKey;
        }
      }
      if (oldestKey !== undefined) this.remove(peers, oldestKey);
    }
    peers.set(key, { peer: { host: peer.host, port: peer.port }, expires: now + this.ttlMs, sender });
    this.total++;
    this.perSender.set(sender, (this.perSender.get(sender) ?? 0) + 1);
    return true;
  }

  /** Up to `max` live peers for an info-hash, a random selection when there are more. */
  get(infoHashHex: string, max = 50, family?: 4 | 6): PeerAddress[] {
    const peers = this.torrents.get(infoHashHex);
    if (!peers) return [];
    const now = this.now();
    const live: PeerAddress[] = [];
    for (const [key, entry] of peers) {
      if (entry.expires <= now) {
        this.remove(peers, key);
        continue;
      }
      if (family !== undefined && entry.peer.host.includes(':') !== (family === 6)) continue;
      live.push(entry.peer);
    }
    if (peers.size === 0) this.torrents.delete(infoHashHex);
    if (live.length <= max) return live.map((peer) => ({ ...peer }));
    for (let i = live.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const a = live[i];
      const b = live[j];
      if (a && b) {
        live[i] = b;
        live[j] = a;
      }
    }
    return live.slice(0, max).map((peer) => ({ ...peer }));
  }

  /** prune() from add(), at most once per PRUNE_GAP_MS: a full store must not cost a walk per announce. */
  private pruneNowAndThen(now: number): void {
    if (now - this.prunedAt < PRUNE_GAP_MS) return;
    this.prune();
  }

  /** Drops expired entries. */
  prune(): void {
    const now = this.now();
    this.prunedAt = now;
    for (const [infoHash, peers] of this.torrents) {
      for (const [key, entry] of peers) if (entry.expires <= now) this.remove(peers, key);
      if (peers.size === 0) this.torrents.delete(infoHash);
    }
  }

  get infoHashCount(): number {
    return this.torrents.size;
  }

  get peerCount(): number {
    return this.total;
  }

  /** Deletes one entry and keeps the counts true (the caller drops an emptied info-hash). */
  private remove(peers: Map<string, Entry>, key: string): void {
    const entry = peers.get(key);
    if (!entry) return;
    peers.delete(key);
    this.total--;
    const held = (this.perSender.get(entry.sender) ?? 0) - 1;
    if (held > 0) this.perSender.set(entry.sender, held);
    else this.perSender.delete(entry.sender);
  }
}
