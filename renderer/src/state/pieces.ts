/**
 * Piece events → typed arrays. The piece state of watched torrents lives in PieceFields
 * (one per torrent), never in React state; the grid's painter subscribes to the field.
 */
import { base64ToBytes, forEachPieceChange, type PiecesDeltaEvent, type PiecesSnapshotEvent, PieceState } from '../../../shared/contract/index.js';
import { PieceField } from '../grid/pieceField.js';

/** What applying a piece event asks of the caller. */
export type ApplyResult =
  | 'ok'
  /** A delta arrived out of sequence or for an unknown torrent: ask for a fresh snapshot (watch again). */
  | 'resync';

interface Entry {
  field: PieceField;
  seq: number;
}

export class PieceRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(infoHash: string) => void>();

  get(infoHash: string): PieceField | null {
    return this.entries.get(infoHash)?.field ?? null;
  }

  /** Called when the field object for a torrent is created, replaced or dropped. */
  subscribe(fn: (infoHash: string) => void): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  drop(infoHash: string): void {
    if (this.entries.delete(infoHash)) this.emit(infoHash);
  }

  apply(event: PiecesSnapshotEvent | PiecesDeltaEvent, now: number): ApplyResult {
    return event.type === 'piecesSnapshot' ? this.applySnapshot(event) : this.applyDelta(event, now);
  }

  private applySnapshot(e: PiecesSnapshotEvent): ApplyResult {
    let states: Uint8Array;
    let availability: Uint8Array;
    try {
      states = base64ToBytes(e.states);
      availability = base64ToBytes(e.availability);
    } catch {
      return 'resync';
    }
    const fractions = new Float32Array(e.pieceCount);
    for (const [index, f] of e.inFlight) if (index < e.pieceCount) fractions[index] = f;

    const prev = this.entries.get(e.infoHash);
    if (prev && prev.field.pieceCount === e.pieceCount) {
      prev.field.load(states, fractions, availability);
      prev.seq = e.seq;
      return 'ok';
    }
    const field = new PieceField(e.pieceCount);
    field.load(states, fractions, availability);
    this.entries.set(e.infoHash, { field, seq: e.seq });
    this.emit(e.infoHash);
    return 'ok';
  }

  private applyDelta(e: PiecesDeltaEvent, now: number): ApplyResult {
    const entry = this.entries.get(e.infoHash);
    if (!entry || e.seq !== entry.seq + 1) return 'resync';
    entry.seq = e.seq;
    const f = entry.field;
    try {
      forEachPieceChange(e.changes, (index, state, fraction) => {
        if (state === PieceState.Failed) f.fail(index, now, PieceState.Failed);
        else f.setPiece(index, state, fraction);
      });
    } catch {
      return 'resync';
    }
    if (e.availability !== undefined) {
      let a: Uint8Array;
      try {
        a = base64ToBytes(e.availability);
      } catch {
        return 'resync';
      }
      const n = Math.min(a.length, f.pieceCount);
      for (let i = 0; i < n; i++) f.setAvailability(i, a[i] as number);
    }
    return 'ok';
  }

  private emit(infoHash: string): void {
    for (const fn of [...this.listeners]) fn(infoHash);
  }
}
