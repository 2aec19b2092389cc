/**
 * The renderer's copy of a torrent's piece-source log (getPieceSources), kept in typed arrays:
 * for each piece its latest source and completion time, the log in order (for replay), the
 * sources, blocks counts per source, and the recent hash failures. Applies replies from its
 * own cursors; a new generation (recheck) starts it over.
 */
import {
  base64ToBytes,
  PIECE_SOURCE_ENTRY_BYTES,
  SOURCE_TIME_UNIT_MS,
  UNKNOWN_SOURCE,
  readSourceEntry,
  unpackSourceEntries,
  type HashFailureView,
  type PieceSource,
  type PieceSourcesView,
} from '../../../shared/contract/index.js';

export class PieceSourceTable {
  generation: number | undefined = undefined;
  base = 0;
  /** Latest source per piece: source index, -1 = none known. */
  readonly sourceOf: Int32Array;
  /** Completion time per piece (ms since epoch), 0 = unknown. */
  readonly doneAt: Float64Array;
  sources: PieceSource[] = [];
  /** Pieces whose latest source is each source. */
  piecesBySource: number[] = [];
  failures: HashFailureView[] = [];
  /** The log in order: piece, source (-1 unknown), time (ms since epoch). */
  logPiece = new Uint32Array(64);
  logSource = new Int32Array(64);
  logTime = new Float64Array(64);
  logCount = 0;

  constructor(readonly pieceCount: number) {
    this.sourceOf = new Int32Array(pieceCount).fill(-1);
    this.doneAt = new Float64Array(pieceCount);
  }

  /** The query cursors for the next request. */
  cursor(): { from: number; sourcesFrom: number; generation?: number } {
    return this.generation === undefined
      ? { from: 0, sourcesFrom: 0 }
      : { from: this.logCount, sourcesFrom: this.sources.length, generation: this.generation };
  }

  /** Applies a reply; true when anything changed. Entries for pieces out of range are ignored. */
  apply(v: PieceSourcesView): boolean {
    let changed = false;
    if (v.generation !== this.generation || v.from === 0 && this.logCount > 0 && v.count < this.logCount) {
      this.reset();
      this.generation = v.generation;
      this.base = v.base;
      changed = true;
    }
    if (v.sourcesFrom === this.sources.length && v.sources.length > 0) {
      this.sources = this.sources.concat(v.sources);
      for (let k = this.piecesBySource.length; k < this.sources.length; k++) this.piecesBySource.push(0);
      changed = true;
    }
    const failuresChanged = v.failures.length !== this.failures.length || v.failures.some((f, k) => f.at !== this.failures[k]?.at || f.piece !== this.failures[k]?.piece);
    if (failuresChanged) {
      this.failures = v.failures;
      changed = true;
    }
    if (v.from !== this.logCount) return changed; // a reply for an old cursor: ask again
    let bytes: Uint8Array;
    try {
      bytes = unpackSourceEntries(base64ToBytes(v.entries));
    } catch {
      return changed;
    }
    const n = Math.floor(bytes.length / PIECE_SOURCE_ENTRY_BYTES);
    for (let k = 0; k < n; k++) {
      const [piece, raw, tenths] = readSourceEntry(bytes, k * PIECE_SOURCE_ENTRY_BYTES);
      const source = raw === UNKNOWN_SOURCE || raw >= this.sources.length ? -1 : raw;
      const at = this.base + tenths * SOURCE_TIME_UNIT_MS;
      this.push(piece, source, at);
      if (piece >= this.pieceCount) continue;
      const previous = this.sourceOf[piece]!;
      if (previous >= 0) this.piecesBySource[previous]!--;
      this.sourceOf[piece] = source;
      if (source >= 0) this.piecesBySource[source]!++;
      this.doneAt[piece] = at;
    }
    return changed || n > 0;
  }

  private push(piece: number, source: number, at: number): void {
    if (this.logCount === this.logPiece.length) {
      const size = this.logPiece.length * 2;
      const p = new Uint32Array(size), s = new Int32Array(size), t = new Float64Array(size);
      p.set(this.logPiece);
      s.set(this.logSource);
      t.set(this.logTime);
      this.logPiece = p;
      this.logSource = s;
      this.logTime = t;
    }
    this.logPiece[this.logCount] = piece;
    this.logSource[this.logCount] = source;
    this.logTime[this.logCount] = at;
    this.logCount++;
  }

  private reset(): void {
    this.sourceOf.fill(-1);
    this.doneAt.fill(0);
    this.sources = [];
    this.piecesBySource = [];
    this.failures = [];
    this.logCount = 0;
  }
}
