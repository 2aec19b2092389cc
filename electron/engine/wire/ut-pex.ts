import type { PeerAddress } from '../api.js';
import { BencodeError, decode, encode, getBytes, isDict } from '../bencode/index.js';
import { decodeCompactPeers, encodeCompactPeers4, encodeCompactPeers6 } from '../tracker/compact.js';

/** BEP 11 peer exchange message: peers added and dropped since the last message to that peer. */
export interface PexMessage {
  added: PeerAddress[];
  dropped: PeerAddress[];
  /** The added peers whose flag says they support uTP (PEX_FLAG_UTP). */
  utp: PeerAddress[];
}

/** Per-peer flags in `added.f`: 0x02 seed, 0x04 supports uTP (we are connected over uTP), 0x10 reachable (we dialled it successfully). */
export const PEX_FLAG_SEED = 0x02;
export const PEX_FLAG_UTP = 0x04;
export const PEX_FLAG_REACHABLE = 0x10;
/** Entries per list in one message, as libtorrent caps them. */
export const MAX_PEX_ENTRIES = 50;

const isV4 = (p: PeerAddress): boolean => !p.host.includes(':');

export function encodePex(added: ReadonlyArray<PeerAddress & { flags: number }>, dropped: readonly PeerAddress[]): Buffer {
  const add4 = added.filter(isV4).slice(0, MAX_PEX_ENTRIES);
  const add6 = added.filter((p) => !isV4(p)).slice(0, MAX_PEX_ENTRIES);
  return encode({
    added: encodeCompactPeers4(add4),
    'added.f': Buffer.from(add4.map((p) => p.flags)),
    added6: encodeCompactPeers6(add6),
    'added6.f': Buffer.from(add6.map((p) => p.flags)),
    dropped: encodeCompactPeers4(dropped.filter(isV4).slice(0, MAX_PEX_ENTRIES)),
    dropped6: encodeCompactPeers6(dropped.filter((p) => !isV4(p)).slice(0, MAX_PEX_ENTRIES)),
  });
}

/** Parses a ut_pex payload; a reason string when it is malformed. Oversized lists are truncated. */
export function decodePex(payload: Uint8Array): PexMessage | string {
  if (payload.length > 64 * 1024) return 'pex message too large';
  let root;
  try {
    root = decode(payload, { maxDepth: 4, maxTokens: 1000 });
  } catch (err) {
    return err instanceof BencodeError ? err.message : 'undecodable';
  }
  if (!isDict(root)) return 'not a dictionary';
  const list = (key: string, family: 4 | 6): PeerAddress[] => {
    const bytes = getBytes(root, key);
    return bytes ? decodeCompactPeers(bytes, family, MAX_PEX_ENTRIES * 4).peers : [];
  };
  /** The added peers of one family whose flag byte (same index, in `flagsKey`) has PEX_FLAG_UTP. */
  const flaggedUtp = (peers: PeerAddress[], flagsKey: string): PeerAddress[] => {
    const flags = getBytes(root, flagsKey);
    return flags ? peers.filter((_, i) => ((flags[i] ?? 0) & PEX_FLAG_UTP) !== 0) : [];
  };
  const added4 = list('added', 4);
  const added6 = list('added6', 6);
  return {
    added: [...added4, ...added6],
    dropped: [...list('dropped', 4), ...list('dropped6', 6)],
    utp: [...flaggedUtp(added4, 'added.f'), ...flaggedUtp(added6, 'added6.f')],
  };
}
