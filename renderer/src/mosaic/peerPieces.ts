/**
 * The Peers tab's copy of each peer's pieces (getPeerPieces), polled while the tab is open:
 * the renderer tells the engine which bitfield counts it holds, so only changed ones travel.
 */
import { useEffect, useState } from 'react';
import { base64ToBytes, type PeerPiecesResult } from '../../../shared/contract/index.js';
import { useController } from '../app/context.js';

export const PEER_PIECES_POLL_MS = 2000;

export interface PeerPieces {
  count: number;
  seed: boolean;
  wanted: number;
  /** Wire-order bitfield; null for a seed or while unknown. */
  bits: Uint8Array | null;
}

export interface PeerPiecesState {
  pieceCount: number;
  wantedMissing: number;
  peers: ReadonlyMap<string, PeerPieces>;
}

/**
 * Merges a reply into what was known: bitfields kept where the engine left them out, gone
 * peers dropped. A peer whose pieces did not change keeps its object, so its row and strip
 * are not drawn again (identity is the strip's change key).
 */
export function mergePeerPieces(previous: PeerPiecesState | null, reply: PeerPiecesResult): PeerPiecesState {
  const same = previous?.pieceCount === reply.pieceCount;
  const peers = new Map<string, PeerPieces>();
  for (const p of reply.peers) {
    const old = same ? previous.peers.get(p.id) : undefined;
    const bits = p.seed ? null : p.have !== undefined ? base64ToBytes(p.have) : old && old.count === p.count ? old.bits : null;
    const unchanged = old && old.count === p.count && old.seed === p.seed && old.wanted === p.wanted && (old.bits === bits || (old.bits !== null && bits !== null && sameBytes(old.bits, bits)));
    peers.set(p.id, unchanged ? old : { count: p.count, seed: p.seed, wanted: p.wanted, bits });
  }
  return { pieceCount: reply.pieceCount, wantedMissing: reply.wantedMissing, peers };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One byte per piece (1 = the peer has it), for the grid's highlight. */
export function piecesOf(p: PeerPieces, pieceCount: number): Uint8Array {
  const out = new Uint8Array(pieceCount);
  if (p.seed) return out.fill(1);
  const bits = p.bits;
  if (!bits) return out;
  for (let i = 0; i < pieceCount; i++) if ((bits[i >> 3]! >> (7 - (i & 7))) & 1) out[i] = 1;
  return out;
}

/** Fraction of pieces had per column of a `width`-column strip (pieces spread evenly, like the grid). */
export function stripColumns(p: PeerPieces, pieceCount: number, width: number): Float32Array {
  const out = new Float32Array(width);
  if (pieceCount === 0 || width === 0) return out;
  if (p.seed) return out.fill(1);
  const bits = p.bits;
  if (!bits) return out;
  for (let c = 0; c < width; c++) {
    const first = Math.floor((c * pieceCount) / width);
    const end = Math.max(first + 1, Math.floor(((c + 1) * pieceCount) / width));
    let had = 0;
    for (let i = first; i < end; i++) if ((bits[i >> 3]! >> (7 - (i & 7))) & 1) had++;
    out[c] = had / (end - first);
  }
  return out;
}

/** Polls the peers' pieces of `infoHash` while `enabled` (the Peers tab is open). */
export function usePeerPieces(infoHash: string, enabled: boolean): PeerPiecesState | null {
  const controller = useController();
  const [state, setState] = useState<{ infoHash: string; value: PeerPiecesState } | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let current: PeerPiecesState | null = null;
    const tick = async (): Promise<void> => {
      const known = current ? [...current.peers].filter(([, p]) => p.bits !== null).map(([id, p]) => ({ id, count: p.count })) : [];
      const reply = await controller.call(() => controller.client.getPeerPieces({ infoHash, known }), false);
      if (stopped) return;
      if (reply) {
        current = mergePeerPieces(current, reply);
        setState({ infoHash, value: current });
      }
      timer = setTimeout(() => void tick(), PEER_PIECES_POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [controller, infoHash, enabled]);
  return state && state.infoHash === infoHash ? state.value : null;
}
