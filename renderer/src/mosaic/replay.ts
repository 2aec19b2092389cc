/**
 * Replaying the mosaic from the piece-source log: the picture at time T is every piece the log
 * says completed by T, plus the pieces verified now that the log never saw (they were on disk
 * before it started: shown from the start). Pieces skipped now stay skipped throughout: the replay
 * shows the wanted part filling, not skipped files as holes still to come. Pure.
 */
import { MISSING, SKIPPED, VERIFIED } from '../grid/layout.js';
import type { PieceSourceTable } from './sourceTable.js';

/** The span of the log: first and last completion time (ms since epoch); null when empty. */
export function replaySpan(table: PieceSourceTable): { start: number; end: number } | null {
  if (table.logCount === 0) return null;
  let start = Infinity, end = 0;
  for (let k = 0; k < table.logCount; k++) {
    const t = table.logTime[k]!;
    if (t < start) start = t;
    if (t > end) end = t;
  }
  return { start, end };
}

/**
 * Piece states at time `at` into `states`, and the source index of each verified piece into
 * `sources` (−1 unknown). `now` = the live states (for pieces the log never saw).
 */
export function replayAt(table: PieceSourceTable, now: Uint8Array, at: number, states: Uint8Array, sources: Int32Array): number {
  const inLog = new Uint8Array(table.pieceCount);
  for (let k = 0; k < table.logCount; k++) {
    const p = table.logPiece[k]!;
    if (p < table.pieceCount) inLog[p] = 1;
  }
  let verified = 0;
  for (let i = 0; i < table.pieceCount; i++) {
    const before = !inLog[i] && now[i] === VERIFIED;
    states[i] = before ? VERIFIED : now[i] === SKIPPED ? SKIPPED : MISSING;
    sources[i] = -1;
    if (before) verified++;
  }
  for (let k = 0; k < table.logCount; k++) {
    if (table.logTime[k]! > at) continue;
    const p = table.logPiece[k]!;
    if (p >= table.pieceCount) continue;
    if (states[p] !== VERIFIED) verified++;
    states[p] = VERIFIED;
    sources[p] = table.logSource[k]!;
  }
  return verified;
}
