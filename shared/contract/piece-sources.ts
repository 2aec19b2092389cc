/**
 * Who sent each tile (the `getPieceSources` command): the engine logs every verified piece
 * with its main source (the peer, or web seed, that delivered most of its blocks) and when it
 * completed. The log is append-only, so the renderer asks for what it has not seen yet
 * (`from`, `sourcesFrom`); `generation` changes when the log starts over (a recheck).
 * The same log, kept in the resume record, replays the mosaic.
 */
import { ByteReader, ByteWriter } from './varint.js';
import { array, base64, infoHash, literal, nonNegativeInt, object, optional, string, timestamp, ValidationError, type Validator } from './validate.js';

export type PieceSourceKind = 'peer' | 'webseed';

/** One source: a peer (label "ip:port", client from its handshake) or a web seed (label = URL, client ''). */
export interface PieceSource {
  kind: PieceSourceKind;
  label: string;
  client: string;
}

/** A piece that failed its hash check, and the peers that sent its blocks. */
export interface HashFailureView {
  piece: number;
  /** ms since epoch. */
  at: number;
  peers: string[];
}

export interface PieceSourcesQuery {
  infoHash: string;
  /** First log entry wanted (0 = all). */
  from: number;
  /** First source wanted (0 = all). */
  sourcesFrom: number;
  /** The generation the cursors belong to; another one (or none) returns everything from 0. */
  generation?: number;
  /** Entries wanted at most (default MAX_SOURCE_ENTRIES_PER_REPLY; 0 = none: just the counts and failures). */
  limit?: number;
}

/**
 * Bytes per entry in `entries`, little-endian: u24 piece index (LIMITS.pieces fits), u16 source
 * index (into the whole sources list; 0xffff = unknown), u24 completion time in tenths of a
 * second after `base` (clamped at MAX_SOURCE_TIME, 19 days). Use writeSourceEntry / readSourceEntry.
 */
export const PIECE_SOURCE_ENTRY_BYTES = 8;
export const MAX_SOURCE_TIME = 0xff_ffff;
export const SOURCE_TIME_UNIT_MS = 100;

export function writeSourceEntry(bytes: Uint8Array, offset: number, piece: number, source: number, tenths: number): void {
  const t = Math.max(0, Math.min(MAX_SOURCE_TIME, Math.round(tenths)));
  bytes[offset] = piece & 0xff;
  bytes[offset + 1] = (piece >>> 8) & 0xff;
  bytes[offset + 2] = (piece >>> 16) & 0xff;
  bytes[offset + 3] = source & 0xff;
  bytes[offset + 4] = (source >>> 8) & 0xff;
  bytes[offset + 5] = t & 0xff;
  bytes[offset + 6] = (t >>> 8) & 0xff;
  bytes[offset + 7] = (t >>> 16) & 0xff;
}

/** [piece, source, tenths of a second after base] of the entry at `offset`. */
export function readSourceEntry(bytes: Uint8Array, offset: number): [piece: number, source: number, tenths: number] {
  return [
    bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16),
    bytes[offset + 3]! | (bytes[offset + 4]! << 8),
    bytes[offset + 5]! | (bytes[offset + 6]! << 8) | (bytes[offset + 7]! << 16),
  ];
}
export const UNKNOWN_SOURCE = 0xffff;

/**
 * The wire form of `entries` in a reply, in runs of consecutive entries with the same time
 * (at full speed hundreds of pieces complete in a tenth of a second): per run a zigzag varint
 * of its time's difference from the run before (the first from 0) and a varint count of its
 * sources; per source a zigzag varint of its difference from the source before, a varint count
 * and its pieces in ascending order as varint gaps (from 0). About a byte an entry instead of
 * eight. Inside a run the order becomes by source, then piece: entries of the same tenth of a
 * second are not told apart by anything the log says about them.
 */
export function packSourceEntries(raw: Uint8Array): Uint8Array {
  const n = Math.floor(raw.length / PIECE_SOURCE_ENTRY_BYTES);
  const w = new ByteWriter(n * 2 + 8);
  let source = 0, tenths = 0;
  const run: Array<[piece: number, source: number]> = [];
  for (let k = 0; k < n; ) {
    const t = readSourceEntry(raw, k * PIECE_SOURCE_ENTRY_BYTES)[2];
    run.length = 0;
    for (; k < n; k++) {
      const [p, s, t2] = readSourceEntry(raw, k * PIECE_SOURCE_ENTRY_BYTES);
      if (t2 !== t) break;
      run.push([p, s]);
    }
    run.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    let groups = 0;
    for (let i = 0; i < run.length; i++) if (i === 0 || run[i]![1] !== run[i - 1]![1]) groups++;
    w.svarint(t - tenths);
    w.varint(groups);
    tenths = t;
    for (let i = 0; i < run.length; ) {
      const s = run[i]![1];
      let j = i;
      while (j < run.length && run[j]![1] === s) j++;
      w.svarint(s - source);
      w.varint(j - i);
      let prev = 0;
      for (; i < j; i++) {
        w.varint(run[i]![0] - prev);
        prev = run[i]![0];
      }
      source = s;
    }
  }
  return w.finish();
}

/** Back to PIECE_SOURCE_ENTRY_BYTES-byte entries. Throws ValidationError on malformed input. */
export function unpackSourceEntries(packed: Uint8Array, path = 'entries'): Uint8Array {
  const out: number[] = [];
  const r = new ByteReader(packed, path);
  let source = 0, tenths = 0;
  while (!r.done) {
    tenths += r.svarint();
    const groups = r.varint();
    if (tenths < 0 || tenths > MAX_SOURCE_TIME || groups > packed.length) throw new ValidationError(path, 'has a run out of range');
    for (let g = 0; g < groups; g++) {
      source += r.svarint();
      const count = r.varint();
      if (source < 0 || source > 0xffff || count > packed.length) throw new ValidationError(path, 'has a run out of range');
      let piece = 0;
      for (let k = 0; k < count; k++) {
        piece += r.varint();
        if (piece > 0xff_ffff) throw new ValidationError(path, 'has a piece out of range');
        out.push(piece, source, tenths);
      }
    }
  }
  const bytes = new Uint8Array((out.length / 3) * PIECE_SOURCE_ENTRY_BYTES);
  for (let k = 0; k < out.length; k += 3) writeSourceEntry(bytes, (k / 3) * PIECE_SOURCE_ENTRY_BYTES, out[k]!, out[k + 1]!, out[k + 2]!);
  return bytes;
}

/** Entries in one reply at most; ask again from `from + returned` for the rest. */
export const MAX_SOURCE_ENTRIES_PER_REPLY = 100_000;
/** Distinct sources one log keeps (more are folded into the last, "other peers"). */
export const MAX_PIECE_SOURCES = 4096;
/** Recent hash failures reported. */
export const MAX_HASH_FAILURES_SHOWN = 16;

export interface PieceSourcesView {
  generation: number;
  /** ms since epoch: time 0 of the entries. */
  base: number;
  /** Entries in the whole log. */
  count: number;
  /** Index of the first entry in `entries` (the query's `from`, or 0 for a new generation). */
  from: number;
  /** base64 of the entries packed by packSourceEntries (unpackSourceEntries reads them). */
  entries: string;
  /** Index of the first source in `sources`. */
  sourcesFrom: number;
  sources: PieceSource[];
  /** The most recent hash failures, oldest first. */
  failures: HashFailureView[];
}

export const pieceSource: Validator<PieceSource> = object<PieceSource>({
  kind: literal('peer', 'webseed'),
  label: string({ max: 8192 }),
  client: string({ max: 1024 }),
});

export const pieceSourcesQuery: Validator<PieceSourcesQuery> = object<PieceSourcesQuery>({
  infoHash,
  from: nonNegativeInt,
  sourcesFrom: nonNegativeInt,
  generation: optional(nonNegativeInt),
  limit: optional(nonNegativeInt),
});

export const pieceSourcesView: Validator<PieceSourcesView> = object<PieceSourcesView>({
  generation: nonNegativeInt,
  base: timestamp,
  count: nonNegativeInt,
  from: nonNegativeInt,
  entries: base64(Math.ceil((MAX_SOURCE_ENTRIES_PER_REPLY * 3 * 4) / 3) * 4),
  sourcesFrom: nonNegativeInt,
  sources: array(pieceSource, { max: MAX_PIECE_SOURCES }),
  failures: array(
    object<HashFailureView>({ piece: nonNegativeInt, at: timestamp, peers: array(string({ max: 256 }), { max: 64 }) }),
    { max: MAX_HASH_FAILURES_SHOWN },
  ),
});
