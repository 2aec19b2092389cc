import { useSyncExternalStore } from 'react';
import type { PieceField } from '../grid/pieceField.js';

/**
 * The field's skipped-piece count, re-rendering only when it changes (a file skipped or wanted
 * again), not on every piece that lands.
 */
export function useSkippedCount(field: PieceField | null): number {
  return useSyncExternalStore(
    (cb) => field?.subscribe(cb) ?? (() => undefined),
    () => field?.skipped ?? 0,
  );
}
