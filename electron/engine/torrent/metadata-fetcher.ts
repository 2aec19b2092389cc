import type { PeerConnection } from '../peer/peer-connection.js';
import * as msg from '../wire/encode.js';
import { encodeMetadataRequest, METADATA_PIECE_SIZE, type MetadataMessage } from '../wire/ut-metadata.js';
import { infoMatches, type InfoHashes } from './info-hashes.js';

/** Largest info dictionary we accept (libtorrent's default cap is 4 MiB; large torrents need more). */
export const MAX_METADATA_SIZE = 16 * 1024 * 1024;
/**
 * Different sizes fetched at once. Peers disagree only when some lie; each size costs up to
 * MAX_METADATA_SIZE of memory, so a crowd of liars cannot make us hold more than this many.
 */
export const MAX_SIZES = 3;
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * How long a peer's first turn at a size fetched one peer at a time may last, whatever it
 * answers; each turn it loses this way, its next one is twice as long (up to 2^MAX_TURN_DOUBLINGS
 * times), so a slow honest peer still gets a turn long enough for the whole copy. Before, a
 * turn lasted as long as each request was answered within REQUEST_TIMEOUT_MS: a liar answering
 * just in time held it for (pieces / 4) x 10 s (43 minutes for a 16 MiB info dictionary) before
 * its copy failed the hash, and the honest peers waited behind it.
 */
export const TURN_MS = 30_000;
const MAX_TURN_DOUBLINGS = 5;
/** Requests per peer in flight at once. */
const PER_PEER = 4;

/** What the fetcher uses of a connection. */
export type MetadataPeer = Pick<PeerConnection, 'extensions' | 'isOpen' | 'send' | 'close'>;

interface Slot {
  data: Buffer | null;
  peer: MetadataPeer | null;
  requestedAt: number;
}

/** One advertised metadata_size and the peers that advertised it. */
interface Candidate {
  readonly size: number;
  readonly slots: Slot[];
  readonly sources: Set<MetadataPeer>;
  readonly contributors: Set<MetadataPeer>;
  /**
   * A copy that several peers sent failed the hash: which of them lied cannot be told, so from
   * then on each copy of this size comes from one peer alone (`owner`), and a failure names it.
   */
  solo: boolean;
  owner: MetadataPeer | null;
  /** When the owner's turn began (see TURN_MS). */
  turnStartedAt: number;
  /** Turns each source lost by running out of time (see TURN_MS). */
  readonly turnsLost: Map<MetadataPeer, number>;
  /**
   * Sources whose request timed out and that have sent nothing since. They are asked only when
   * every source is stalled: a peer that advertises the metadata and never answers took the
   * same pieces again at every timeout, ahead of the honest peers, for ever.
   */
  readonly stalled: Set<MetadataPeer>;
}

/**
 * Fetches a magnet's info dictionary with ut_metadata (BEP 9) from every peer that offers
 * it, several pieces at a time, and checks the SHA-1 against the info-hash before anyone
 * may use it.
 *
 * Sizes are tracked per peer: peers advertising the same metadata_size fetch one copy
 * together, and different sizes are fetched side by side, so a peer lying about the size
 * cannot shut out the honest ones. A copy that fails the hash is thrown away. When one peer
 * sent it all, that peer lied and is dropped. When several did, nobody is dropped (closing
 * them all let one liar take every honest seeder with it, until their dials gave up): the
 * size is fetched one peer at a time from then on, so the next failure names the liar. A size
 * nobody offers any more is forgotten.
 */
export class MetadataFetcher {
  private readonly bySize = new Map<number, Candidate>();
  private readonly sizeOf = new Map<MetadataPeer, number>();
  /** Peers offering a size we had no room for (MAX_SIZES): offered again when a size is dropped. */
  private readonly waiting = new Set<MetadataPeer>();
  private done = false;

  /** @param infoHash the hashes the metadata must match (a 20-byte hash: its SHA-1 or truncated SHA-256) */
  constructor(infoHash: Buffer | InfoHashes, private readonly onComplete: (info: Buffer) => void) {
    this.hashes = Buffer.isBuffer(infoHash) ? { v1: infoHash, v2: null } : infoHash;
  }

  private readonly hashes: InfoHashes;

  /** Bytes known so far / total of the most advanced copy, for the UI (0/0 until a peer tells a size). */
  progress(): [number, number] {
    let best: [number, number] = [0, 0];
    for (const c of this.bySize.values()) {
      const have = c.slots.reduce((n, s) => n + (s.data?.length ?? 0), 0);
      if (best[1] === 0 || have / c.size > best[0] / best[1]) best = [have, c.size];
    }
    return best;
  }

  /** Sizes being fetched now (for tests and the log). */
  sizes(): number[] {
    return [...this.bySize.keys()];
  }

  /** A peer finished its extension handshake. */
  peerReady(peer: MetadataPeer): void {
    const ext = peer.extensions;
    const size = ext?.metadataSize ?? null;
    if (this.done || !ext?.ids.get('ut_metadata') || size === null || this.sizeOf.has(peer)) return;
    if (size <= 0) return;
    if (size > MAX_METADATA_SIZE) return peer.close({ kind: 'bad-metadata', detail: `metadata_size ${size} is over the ${MAX_METADATA_SIZE}-byte cap` });
    let candidate = this.bySize.get(size);
    if (!candidate) {
      if (this.bySize.size >= MAX_SIZES) return void this.waiting.add(peer); // Too many disagreeing sizes: wait for room.
      const slots = Array.from({ length: Math.ceil(size / METADATA_PIECE_SIZE) }, (): Slot => ({ data: null, peer: null, requestedAt: 0 }));
      candidate = { size, slots, sources: new Set(), contributors: new Set(), solo: false, owner: null, turnStartedAt: 0, turnsLost: new Map(), stalled: new Set() };
      this.bySize.set(size, candidate);
    }
    this.waiting.delete(peer);
    candidate.sources.add(peer);
    this.sizeOf.set(peer, size);
    this.requestFrom(candidate, peer);
  }

  peerGone(peer: MetadataPeer): void {
    this.waiting.delete(peer);
    const candidate = this.candidateOf(peer);
    this.sizeOf.delete(peer);
    if (!candidate) return;
    this.release(candidate, peer);
    candidate.sources.delete(peer);
    candidate.stalled.delete(peer);
    candidate.turnsLost.delete(peer);
    for (const slot of candidate.slots) if (slot.peer === peer && !slot.data) slot.peer = null;
    if (candidate.sources.size === 0) this.drop(candidate);
    else this.requestFromAll(candidate);
  }

  onMessage(peer: MetadataPeer, message: MetadataMessage): void {
    const candidate = this.candidateOf(peer);
    if (!candidate || this.done) return;
    if (message.type === 'reject') {
      const slot = candidate.slots[message.piece];
      if (slot && slot.peer === peer && !slot.data) slot.peer = null;
      // It will not send the metadata: no longer a source, though it may stay a fine peer.
      this.release(candidate, peer);
      candidate.sources.delete(peer);
      candidate.stalled.delete(peer);
      candidate.turnsLost.delete(peer);
      this.sizeOf.delete(peer);
      if (candidate.sources.size === 0) this.drop(candidate);
      else this.requestFromAll(candidate);
      return;
    }
    if (message.type !== 'data') return;
    // One peer at a time: a late answer from the one before must not mix into this copy.
    if (candidate.solo && candidate.owner !== peer) return;
    const slot = candidate.slots[message.piece];
    const expected = Math.min(METADATA_PIECE_SIZE, candidate.size - message.piece * METADATA_PIECE_SIZE);
    if (!slot || message.totalSize !== candidate.size || message.data.length !== expected) {
      return peer.close({ kind: 'bad-metadata', detail: 'sent malformed metadata' });
    }
    candidate.stalled.delete(peer);
    if (slot.data) return;
    slot.data = Buffer.from(message.data);
    candidate.contributors.add(peer);
    if (candidate.slots.every((s) => s.data)) return this.finish(candidate);
    this.requestFrom(candidate, peer);
  }

  /** Re-issues requests that timed out. */
  tick(): void {
    const now = Date.now();
    for (const candidate of this.bySize.values()) {
      const late = candidate.slots.filter((slot) => !slot.data && slot.peer && now - slot.requestedAt > REQUEST_TIMEOUT_MS);
      for (const slot of late) candidate.stalled.add(slot.peer!);
      const owner = candidate.owner;
      if (candidate.solo && owner && late.length > 0) {
        // The one peer fetching this size stalls: the next source gets its turn, it goes last.
        this.passTurn(candidate, owner);
      } else if (candidate.solo && owner && now - candidate.turnStartedAt > this.turnBudget(candidate, owner)) {
        // It answers, but too slowly for the whole copy: the same, and its next turn is longer.
        candidate.turnsLost.set(owner, (candidate.turnsLost.get(owner) ?? 0) + 1);
        this.passTurn(candidate, owner);
      } else {
        for (const slot of late) slot.peer = null;
      }
      this.requestFromAll(candidate);
    }
    this.evictStalledSizes();
  }

  /**
   * Peers wait for room (MAX_SIZES) while a size has only stalled sources: that size goes, so
   * three silent peers advertising sizes of their own cannot keep an honest one waiting for
   * ever. Its sources wait in turn, after the peers already waiting.
   */
  private evictStalledSizes(): void {
    if (this.waiting.size === 0) return;
    const stuck = [...this.bySize.values()].filter((c) => [...c.sources].every((p) => c.stalled.has(p)));
    const evicted: MetadataPeer[] = [];
    for (const candidate of stuck) {
      for (const peer of candidate.sources) {
        this.sizeOf.delete(peer);
        evicted.push(peer);
      }
      this.drop(candidate);
    }
    for (const peer of evicted) if (!this.sizeOf.has(peer)) this.waiting.add(peer);
  }

  /** How long `peer`'s turn at this size may last (see TURN_MS). */
  private turnBudget(candidate: Candidate, peer: MetadataPeer): number {
    return TURN_MS * 2 ** Math.min(candidate.turnsLost.get(peer) ?? 0, MAX_TURN_DOUBLINGS);
  }

  /** The owner of a size fetched one peer at a time gives up its turn (and its copy) and goes to the back of the line. */
  private passTurn(candidate: Candidate, owner: MetadataPeer): void {
    this.release(candidate, owner);
    candidate.sources.delete(owner);
    candidate.sources.add(owner);
  }

  /** `peer` no longer fetches a size fetched one peer at a time: its partial copy goes, the next source may start. */
  private release(candidate: Candidate, peer: MetadataPeer): void {
    if (!candidate.solo || candidate.owner !== peer) return;
    candidate.owner = null;
    this.restart(candidate);
  }

  private restart(candidate: Candidate): void {
    candidate.contributors.clear();
    for (const slot of candidate.slots) {
      slot.data = null;
      slot.peer = null;
    }
  }

  /** Nobody offers this size any more: forget it, and make room for a peer that waited. */
  private drop(candidate: Candidate): void {
    this.bySize.delete(candidate.size);
    for (const peer of [...this.waiting]) {
      this.waiting.delete(peer);
      this.peerReady(peer);
    }
  }

  private candidateOf(peer: MetadataPeer): Candidate | undefined {
    const size = this.sizeOf.get(peer);
    return size === undefined ? undefined : this.bySize.get(size);
  }

  private requestFromAll(candidate: Candidate): void {
    for (const peer of candidate.sources) this.requestFrom(candidate, peer);
  }

  private requestFrom(candidate: Candidate, peer: MetadataPeer): void {
    const remoteId = peer.extensions?.ids.get('ut_metadata');
    if (!remoteId || !peer.isOpen) return;
    if (candidate.stalled.has(peer) && [...candidate.sources].some((p) => !candidate.stalled.has(p))) return;
    if (candidate.solo) {
      if (candidate.owner === null) {
        candidate.owner = peer;
        candidate.turnStartedAt = Date.now();
      } else if (candidate.owner !== peer) return;
    }
    let inFlight = candidate.slots.filter((s) => s.peer === peer && !s.data).length;
    const now = Date.now();
    for (let i = 0; i < candidate.slots.length && inFlight < PER_PEER; i++) {
      const slot = candidate.slots[i]!;
      if (slot.data || slot.peer) continue;
      slot.peer = peer;
      slot.requestedAt = now;
      peer.send(msg.extended(remoteId, encodeMetadataRequest(i)));
      inFlight++;
    }
  }

  private finish(candidate: Candidate): void {
    const info = Buffer.concat(candidate.slots.map((s) => s.data!));
    // A v2 torrent (BEP 52) is named on the wire by the first 20 bytes of the SHA-256; a known
    // v2 hash must match whole.
    if (infoMatches(this.hashes, info)) {
      this.done = true;
      this.bySize.clear();
      this.waiting.clear();
      this.sizeOf.clear();
      this.onComplete(info);
      return;
    }
    // Somebody lied. Alone, the sender is the liar; among several, the hash cannot tell who.
    const senders = [...candidate.contributors];
    const liar = senders.length === 1 ? senders[0]! : null;
    this.restart(candidate);
    candidate.owner = null;
    if (liar === null) candidate.solo = true;
    else {
      candidate.sources.delete(liar);
      candidate.stalled.delete(liar);
      candidate.turnsLost.delete(liar);
      this.sizeOf.delete(liar);
    }
    if (candidate.sources.size === 0) this.drop(candidate);
    else this.requestFromAll(candidate);
    // Closing reports peerGone back here: the liar is already forgotten above.
    liar?.close({ kind: 'bad-metadata', detail: 'sent metadata that does not match the info-hash' });
  }
}
