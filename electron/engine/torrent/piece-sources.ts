/**
 * Who sent each tile: every verified piece is logged with its main source (the sender of
 * most of its blocks) and when it completed, append-only, in a compact byte log (see
 * PIECE_SOURCE_ENTRY_BYTES). Hash failures are kept too, naming every sender. Bounded: a
 * piece that is fetched again (a failure, a recheck) adds an entry, so the log holds at most
 * twice the pieces plus a margin; sources are de-duplicated and capped.
 */
import {
  MAX_HASH_FAILURES_SHOWN,
  MAX_PIECE_SOURCES,
  MAX_SOURCE_ENTRIES_PER_REPLY,
  PIECE_SOURCE_ENTRY_BYTES,
  SOURCE_TIME_UNIT_MS,
  UNKNOWN_SOURCE,
  packSourceEntries,
  readSourceEntry,
  writeSourceEntry,
  type HashFailureView,
  type PieceSource,
  type PieceSourcesView,
} from '../../../shared/contract/piece-sources.js';
import { mainSender } from '../picker/piece-download.js';
import type { PieceLogRecord } from '../resume/resume-data.js';
import { LazyMap, LazyWeakMap } from '../util/lazy-collections.js';

/** Kept here too for the callers that know it from the log. */
export { mainSender };

/** A block sender that is not a peer connection (a web seed) says what it is. */
export interface DescribesSource {
  pieceSource(): PieceSource;
}

/** What a peer connection offers for a label. */
interface PeerLike {
  readonly address: string;
  readonly client: string;
}

const MAX_FAILURE_PEERS = 64;
/** Entries the log first makes room for (it doubles from there, up to twice the piece count plus 1,024). */
const INITIAL_ENTRIES = 16;

let generations = 0;

/** Every log's entries until its first (see the constructor). */
const NO_ENTRIES = new Uint8Array(0);

/** The source of a block sender: a web seed describes itself; anything else is a peer connection. */
export function describeSender(sender: object): PieceSource {
  const s = sender as Partial<DescribesSource> & Partial<PeerLike>;
  if (typeof s.pieceSource === 'function') return s.pieceSource();
  return { kind: 'peer', label: String(s.address ?? '?'), client: String(s.client ?? '') };
}


export class PieceSourceLog {
  /** Unique per log in this process, and never 0 (a query without one gets everything). */
  readonly generation = ++generations;
  private baseTime: number;
  private bytes: Uint8Array;
  private entries = 0;
  private readonly maxEntries: number;
  private readonly sources: PieceSource[] = [];
  private readonly sourceIds = new LazyMap<string, number>();
  private readonly failures: HashFailureView[] = [];
  /** Each sender's source id, found once: a source is keyed by its label, which a sender keeps. */
  private readonly senderIds = new LazyWeakMap<object, number>();

  constructor(readonly pieceCount: number, private readonly now: () => number = Date.now) {
    this.baseTime = now();
    this.maxEntries = pieceCount * 2 + 1024;
    // Empty until the first piece: 10,000 seeding torrents restored from resume data with their
    // logs would otherwise hold 8 KiB each before anything happens (80 MiB). The empty array is
    // shared (nothing can be written into it): one of its own was ~180 bytes per torrent.
    this.bytes = NO_ENTRIES;
  }

  /** ms since epoch: time 0 of the entries. */
  get base(): number {
    return this.baseTime;
  }

  get count(): number {
    return this.entries;
  }

  /** Piece `index` verified; `blocksFrom` counts the blocks each sender delivered. */
  verified(index: number, blocksFrom: ReadonlyMap<object, number>): void {
    this.verifiedBy(index, mainSender(blocksFrom));
  }

  /** Piece `index` verified; `sender` delivered most of its blocks (null: unknown). */
  verifiedBy(index: number, sender: object | null): void {
    if (this.entries >= this.maxEntries) return;
    if (!sender) return this.append(index, UNKNOWN_SOURCE, this.now());
    let id = this.senderIds.get(sender);
    if (id === undefined) this.senderIds.set(sender, (id = this.sourceId(describeSender(sender))));
    this.append(index, id, this.now());
  }

  /** Adds an entry as it was recorded before (the resume record). */
  restore(index: number, source: PieceSource | null, at: number): void {
    if (this.entries >= this.maxEntries || index < 0 || index >= this.pieceCount) return;
    this.append(index, source ? this.sourceId(source) : UNKNOWN_SOURCE, at);
  }

  /** Piece `index` failed its hash check; every sender is named. */
  failed(index: number, senders: Iterable<object>): void {
    const peers: string[] = [];
    for (const s of senders) {
      if (peers.length >= MAX_FAILURE_PEERS) break;
      peers.push(describeSender(s).label.slice(0, 256));
    }
    this.failures.push({ piece: index, at: Math.floor(this.now()), peers });
    if (this.failures.length > MAX_HASH_FAILURES_SHOWN) this.failures.shift();
  }

  /** The entries from `from` and the sources from `sourcesFrom` (everything for another generation). */
  query(from: number, sourcesFrom: number, generation?: number, limit = MAX_SOURCE_ENTRIES_PER_REPLY): PieceSourcesView {
    const fresh = generation !== this.generation;
    const start = fresh ? 0 : Math.min(from, this.entries);
    const end = Math.min(this.entries, start + Math.min(limit, MAX_SOURCE_ENTRIES_PER_REPLY));
    const sFrom = fresh ? 0 : Math.min(sourcesFrom, this.sources.length);
    return {
      generation: this.generation,
      base: Math.floor(this.baseTime),
      count: this.entries,
      from: start,
      entries: Buffer.from(packSourceEntries(this.bytes.subarray(start * PIECE_SOURCE_ENTRY_BYTES, end * PIECE_SOURCE_ENTRY_BYTES))).toString('base64'),
      sourcesFrom: sFrom,
      sources: this.sources.slice(sFrom).map((s) => ({ ...s })),
      failures: this.failures.map((f) => ({ ...f, peers: [...f.peers] })),
    };
  }

  /** The log as the resume record keeps it (8 bytes per entry). */
  record(): PieceLogRecord {
    // A view, not a copy (2 MiB for 262,144 pieces, once per save): entries are only ever
    // appended past the end, and growing moves the log to a new array, so what the view shows
    // never changes.
    const entries = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.entries * PIECE_SOURCE_ENTRY_BYTES);
    return { base: Math.floor(this.baseTime), entries, sources: this.sources.map((s) => ({ ...s })) };
  }

  /**
   * Takes the log of an earlier session (the resume record), keeping only entries of pieces
   * `stillHad` (verified now), before anything is logged in this one.
   */
  adopt(record: PieceLogRecord, stillHad: (piece: number) => boolean): void {
    if (this.entries > 0) return;
    this.baseTime = record.base;
    const n = Math.floor(record.entries.length / PIECE_SOURCE_ENTRY_BYTES);
    for (let k = 0; k < n && this.entries < this.maxEntries; k++) {
      const [piece, id, tenths] = readSourceEntry(record.entries, k * PIECE_SOURCE_ENTRY_BYTES);
      if (piece >= this.pieceCount || !stillHad(piece)) continue;
      const source = record.sources[id];
      this.append(piece, source ? this.sourceId(source) : UNKNOWN_SOURCE, record.base + tenths * SOURCE_TIME_UNIT_MS);
    }
  }

  /** Every entry, oldest first (for the resume record). */
  *all(): Generator<{ piece: number; source: PieceSource | null; at: number }> {
    for (let k = 0; k < this.entries; k++) {
      const [piece, id, tenths] = readSourceEntry(this.bytes, k * PIECE_SOURCE_ENTRY_BYTES);
      yield { piece, source: this.sources[id] ?? null, at: this.baseTime + tenths * SOURCE_TIME_UNIT_MS };
    }
  }

  private append(index: number, sourceId: number, at: number): void {
    if ((this.entries + 1) * PIECE_SOURCE_ENTRY_BYTES > this.bytes.length) this.grow();
    writeSourceEntry(this.bytes, this.entries * PIECE_SOURCE_ENTRY_BYTES, index, sourceId, (at - this.baseTime) / SOURCE_TIME_UNIT_MS);
    this.entries++;
  }

  private grow(): void {
    const bigger = new Uint8Array(Math.min(this.maxEntries, Math.max(INITIAL_ENTRIES, this.entries * 2)) * PIECE_SOURCE_ENTRY_BYTES);
    bigger.set(this.bytes);
    this.bytes = bigger;
  }

  /** The source's index; past MAX_PIECE_SOURCES every new source shares the last slot. */
  private sourceId(source: PieceSource): number {
    const key = `${source.kind} ${source.label}`;
    const known = this.sourceIds.get(key);
    if (known !== undefined) return known;
    if (this.sources.length >= MAX_PIECE_SOURCES - 1) {
      const other = MAX_PIECE_SOURCES - 1;
      if (this.sources.length === other) this.sources.push({ kind: 'peer', label: 'other peers', client: '' });
      return other;
    }
    const id = this.sources.length;
    this.sources.push({ kind: source.kind, label: source.label.slice(0, 8192), client: source.client.slice(0, 1024) });
    this.sourceIds.set(key, id);
    return id;
  }
}
