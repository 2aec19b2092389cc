/**
 * Peers other nodes announced to us (announce_peer), per info-hash, each with an expiry.
 * Bounded in both dimensions so a flood of announces costs a fixed amount of memory.
 */
import type { PeerAddress } from '../api.js';

export const PEER_TTL_MS = 30 * 60_000;

export interface PeerStoreOptions {
  ttlMs?: number;
  maxInfoHashes?: number;
  maxPeersPerInfoHash?: number;
  now?: () => number;
}

export class PeerStore {
  private readonly torrents = new Map<string, Map<string, { peer: PeerAddress; expires: number }>>();
  private readonly ttlMs: number;
  private readonly maxInfoHashes: number;
  private readonly maxPeers: number;
  private readonly now: () => number;

  constructor(options: PeerStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? PEER_TTL_MS;
    this.maxInfoHashes = options.maxInfoHashes ?? 2000;
    this.maxPeers = options.maxPeersPerInfoHash ?? 500;
    this.now = options.now ?? Date.now;
  }

  /** Records (or refreshes) a peer; returns false when the store is full. */
  add(infoHashHex: string, peer: PeerAddress): boolean {
    const now = this.now();
    let peers = this.torrents.get(infoHashHex);
    if (!peers) {
      if (this.torrents.size >= this.maxInfoHashes) {
        this.prune();
        if (this.torrents.size >= this.maxInfoHashes) return false;
      }
      peers = new Map();
      this.torrents.set(infoHashHex, peers);
    }
    const key = `${peer.host}|${peer.port}`;
    if (!peers.has(key) && peers.size >= this.maxPeers) {
      // Make room by dropping the entry closest to expiry.
      let oldestKey: string | undefined;
      let oldest = Infinity;
      for (const [candidateKey, entry] of peers) {
        if (entry.expires < oldest) {
          oldest = entry.expires;
          oldestKey = candidateKey;
        }
      }
      if (oldestKey !== undefined) peers.delete(oldestKey);
    }
    peers.delete(key); // re-insert so iteration order is freshest last
    peers.set(key, { peer: { host: peer.host, port: peer.port }, expires: now + this.ttlMs });
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
        peers.delete(key);
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

  /** Drops expired entries. */
  prune(): void {
    const now = this.now();
    for (const [infoHash, peers] of this.torrents) {
      for (const [key, entry] of peers) if (entry.expires <= now) peers.delete(key);
      if (peers.size === 0) this.torrents.delete(infoHash);
    }
  }

  get infoHashCount(): number {
    return this.torrents.size;
  }

  get peerCount(): number {
    let total = 0;
    for (const peers of this.torrents.values()) total += peers.size;
    return total;
  }
}
