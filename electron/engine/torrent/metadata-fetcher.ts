import { createHash } from 'node:crypto';
import type { PeerConnection } from '../peer/peer-connection.js';
import * as msg from '../wire/encode.js';
import { encodeMetadataRequest, METADATA_PIECE_SIZE, type MetadataMessage } from '../wire/ut-metadata.js';

/** Largest info dictionary we accept (libtorrent's default cap is 4 MiB; large torrents need more). */
export const MAX_METADATA_SIZE = 16 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;
/** Requests per peer in flight at once. */
const PER_PEER = 4;

interface Slot {
  data: Buffer | null;
  peer: PeerConnection | null;
  requestedAt: number;
}

/**
 * Fetches a magnet's info dictionary with ut_metadata (BEP 9) from every peer that offers
 * it, several pieces at a time, and checks the SHA-1 against the info-hash before anyone
 * may use it. A peer whose size disagrees, or whose data fails the check, is dropped.
 */
export class MetadataFetcher {
  private size: number | null = null;
  private slots: Slot[] = [];
  private readonly sources = new Set<PeerConnection>();
  private readonly contributors = new Set<PeerConnection>();

  constructor(private readonly infoHash: Buffer, private readonly onComplete: (info: Buffer) => void) {}

  /** Bytes known so far / total, for the UI (0/0 until a peer tells the size). */
  progress(): [number, number] {
    if (this.size === null) return [0, 0];
    const have = this.slots.reduce((n, s) => n + (s.data?.length ?? 0), 0);
    return [have, this.size];
  }

  /** A peer finished its extension handshake. */
  peerReady(peer: PeerConnection): void {
    const ext = peer.extensions;
    const size = ext?.metadataSize ?? null;
    if (!ext?.ids.get('ut_metadata') || size === null) return;
    if (size > MAX_METADATA_SIZE) return peer.close({ kind: 'bad-metadata', detail: `metadata_size ${size} is over the ${MAX_METADATA_SIZE}-byte cap` });
    if (this.size === null) {
      this.size = size;
      this.slots = Array.from({ length: Math.ceil(size / METADATA_PIECE_SIZE) }, () => ({ data: null, peer: null, requestedAt: 0 }));
    } else if (size !== this.size) {
      return; // Disagrees with the others: not a source (it may still be a fine peer otherwise).
    }
    this.sources.add(peer);
    this.requestFrom(peer);
  }

  peerGone(peer: PeerConnection): void {
    this.sources.delete(peer);
    for (const slot of this.slots) if (slot.peer === peer && !slot.data) slot.peer = null;
    this.requestFromAll();
  }

  onMessage(peer: PeerConnection, message: MetadataMessage): void {
    if (message.type === 'reject') {
      const slot = this.slots[message.piece];
      if (slot && slot.peer === peer && !slot.data) slot.peer = null;
      this.sources.delete(peer);
      this.requestFromAll();
      return;
    }
    if (message.type !== 'data' || this.size === null) return;
    const slot = this.slots[message.piece];
    const expected = Math.min(METADATA_PIECE_SIZE, this.size - message.piece * METADATA_PIECE_SIZE);
    if (!slot || message.totalSize !== this.size || message.data.length !== expected) {
      return peer.close({ kind: 'bad-metadata', detail: 'sent malformed metadata' });
    }
    if (slot.data) return;
    slot.data = Buffer.from(message.data);
    this.contributors.add(peer);
    if (this.slots.every((s) => s.data)) return this.finish();
    this.requestFrom(peer);
  }

  /** Re-issues requests that timed out. */
  tick(): void {
    const now = Date.now();
    for (const slot of this.slots) if (!slot.data && slot.peer && now - slot.requestedAt > REQUEST_TIMEOUT_MS) slot.peer = null;
    this.requestFromAll();
  }

  private requestFromAll(): void {
    for (const peer of this.sources) this.requestFrom(peer);
  }

  private requestFrom(peer: PeerConnection): void {
    const remoteId = peer.extensions?.ids.get('ut_metadata');
    if (!remoteId || !peer.isOpen) return;
    let inFlight = this.slots.filter((s) => s.peer === peer && !s.data).length;
    const now = Date.now();
    for (let i = 0; i < this.slots.length && inFlight < PER_PEER; i++) {
      const slot = this.slots[i]!;
      if (slot.data || slot.peer) continue;
      slot.peer = peer;
      slot.requestedAt = now;
      peer.send(msg.extended(remoteId, encodeMetadataRequest(i)));
      inFlight++;
    }
  }

  private finish(): void {
    const info = Buffer.concat(this.slots.map((s) => s.data!));
    if (createHash('sha1').update(info).digest().equals(this.infoHash)) {
      this.onComplete(info);
      return;
    }
    // Somebody lied. We cannot tell who from the hash alone: drop every contributor and start over.
    for (const peer of this.contributors) peer.close({ kind: 'bad-metadata', detail: 'sent metadata that does not match the info-hash' });
    this.contributors.clear();
    for (const slot of this.slots) {
      slot.data = null;
      slot.peer = null;
    }
    this.requestFromAll();
  }
}
