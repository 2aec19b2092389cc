/**
 * The wire form of a `piecesDelta`'s changes: base64 of groups, one per piece state, each
 *   u8 state · varint count · count × varint gap (index − previous index − 1, ascending,
 *   the first from −1) · for InFlight only: count × u8 fraction (0–255 = 0–1)
 * About one to three bytes a piece instead of ~20 bytes of JSON per `[index, state, fraction]`:
 * at full speed (thousands of pieces a second) this is most of what the host sends the page.
 * Groups go in order of each state's first appearance (a Failed group first, as PieceWatch
 * sends it); a piece appears at most once per delta.
 */
import { base64ToBytes, bytesToBase64 } from './base64.js';
import { PieceState, type PieceChange, type PieceStateCode } from './types.js';
import { ByteReader, ByteWriter } from './varint.js';
import { ValidationError } from './validate.js';

/** Fractions travel in 255ths: finer changes are not worth a delta (PieceWatch quantizes the same way). */
export const FRACTION_STEPS = 255;

export function quantizeFraction(f: number): number {
  return Math.round(Math.min(1, Math.max(0, f)) * FRACTION_STEPS);
}

export function encodePieceChanges(changes: readonly PieceChange[]): string {
  const groups = new Map<PieceStateCode, PieceChange[]>();
  for (const c of changes) {
    const g = groups.get(c[1]);
    if (g) g.push(c);
    else groups.set(c[1], [c]);
  }
  const w = new ByteWriter(changes.length * 2 + 8);
  for (const [state, list] of groups) {
    list.sort((a, b) => a[0] - b[0]);
    w.u8(state);
    w.varint(list.length);
    let prev = -1;
    for (const [index] of list) {
      w.varint(index - prev - 1);
      prev = index;
    }
    if (state === PieceState.InFlight) for (const [, , f] of list) w.u8(quantizeFraction(f));
  }
  return bytesToBase64(w.finish());
}

/** Calls `fn` for each change, group by group. Throws ValidationError on malformed input. */
export function forEachPieceChange(packed: string, fn: (index: number, state: PieceStateCode, fraction: number) => void, path = 'changes'): void {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(packed);
  } catch {
    throw new ValidationError(path, 'is not base64');
  }
  const r = new ByteReader(bytes, path);
  const indexes: number[] = [];
  while (!r.done) {
    const state = r.u8();
    if (state !== PieceState.Missing && state !== PieceState.InFlight && state !== PieceState.Verified && state !== PieceState.Failed && state !== PieceState.Skipped) {
      throw new ValidationError(path, `has an unknown piece state ${state}`);
    }
    const count = r.varint();
    if (count > bytes.length) throw new ValidationError(path, 'has a group longer than itself');
    indexes.length = 0;
    let prev = -1;
    for (let k = 0; k < count; k++) {
      prev += r.varint() + 1;
      indexes.push(prev);
    }
    for (const index of indexes) {
      const f = state === PieceState.InFlight ? r.u8() / FRACTION_STEPS : state === PieceState.Verified ? 1 : 0;
      fn(index, state, f);
    }
  }
}

export function decodePieceChanges(packed: string): PieceChange[] {
  const out: PieceChange[] = [];
  forEachPieceChange(packed, (index, state, fraction) => out.push([index, state, fraction]));
  return out;
}
