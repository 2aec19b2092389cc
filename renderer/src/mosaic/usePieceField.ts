import { useSyncExternalStore } from 'react';
import { useController } from '../app/context.js';
import type { PieceField } from '../grid/pieceField.js';

/** The PieceField of a torrent, updating when the registry replaces it. */
export function usePieceField(infoHash: string): PieceField | null {
  const pieces = useController().pieces;
  return useSyncExternalStore(
    (cb) => pieces.subscribe((h) => { if (h === infoHash) cb(); }),
    () => pieces.get(infoHash),
  );
}
