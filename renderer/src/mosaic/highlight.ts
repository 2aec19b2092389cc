/**
 * The peer whose pieces the grid highlights (hovering it in the Peers tab): one value shared
 * by the Peers tab (writer) and the mosaic (reader), outside React state so a hover does not
 * re-render the app.
 */
import { useSyncExternalStore } from 'react';

export interface PeerHighlight {
  infoHash: string;
  /** "ip:port (client)". */
  label: string;
  /** Per piece: 1 = the peer has it. */
  pieces: Uint8Array;
}

let current: PeerHighlight | null = null;
const listeners = new Set<() => void>();

export function setPeerHighlight(next: PeerHighlight | null): void {
  if (next === current) return;
  current = next;
  for (const l of listeners) l();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The highlighted peer of this torrent, or null. */
export function usePeerHighlight(infoHash: string): PeerHighlight | null {
  const h = useSyncExternalStore(subscribe, () => current);
  return h && h.infoHash === infoHash ? h : null;
}
