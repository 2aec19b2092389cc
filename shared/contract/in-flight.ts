/**
 * What is in flight (the `getInFlight` command): the pieces being downloaded now, block by
 * block — requested, received, being hashed and written — from which peers, and how long the
 * oldest request has waited; slow pieces are marked (like BitTorrent Mainline's Pieces tab).
 * Poll it only while the inspector is open.
 */
import { array, nonNegativeInt, nullable, object, string, timestamp, tuple, type Validator } from './validate.js';

/** Per block, one character: '.' not requested, 'r' requested, 'R' received, 'w' received and being hashed/written. */
export type BlockStates = string;

export interface InFlightPeer {
  /** "ip:port" (or a web seed's URL). */
  peer: string;
  blocks: number;
}

export interface InFlightPiece {
  index: number;
  blocks: BlockStates;
  /** Who sent the blocks received so far. */
  from: InFlightPeer[];
  /** Who has requests for it outstanding, and how many blocks. */
  waitingOn: InFlightPeer[];
  /** ms since epoch of its oldest outstanding request (null: none outstanding). */
  oldestRequest: number | null;
  /** Its oldest request has waited longer than SLOW_REQUEST_MS. */
  slow: boolean;
  state: 'downloading' | 'verifying';
}

export interface InFlightView {
  /** The engine's clock when this was taken (ages are relative to it). */
  now: number;
  /** Pieces in flight in all (`pieces` holds at most MAX_IN_FLIGHT_SHOWN, slow ones first). */
  total: number;
  pieces: InFlightPiece[];
}

export const SLOW_REQUEST_MS = 10_000;
export const MAX_IN_FLIGHT_SHOWN = 64;
const MAX_BLOCKS = 8192;

/**
 * What travels (the command's result): each peer named once, rows as tuples, the wait relative
 * to `now`; `slow` and `state` follow from the wait and the blocks ('w' only in a piece being verified). The inspector polls this
 * every second while it is open, and at full speed every row is new each time: about 30 bytes
 * a row instead of ~150 of named fields. `unpackInFlight` gives the InFlightView back.
 */
export type InFlightPeerRef = [peer: number, blocks: number];
export type InFlightRow = [index: number, blocks: BlockStates, from: InFlightPeerRef[], waitingOn: InFlightPeerRef[], waitedMs: number | null];
export interface InFlightReply {
  now: number;
  total: number;
  peers: string[];
  rows: InFlightRow[];
}

export function packInFlight(v: InFlightView): InFlightReply {
  const peers: string[] = [];
  const ids = new Map<string, number>();
  const ref = (p: InFlightPeer): InFlightPeerRef => {
    let id = ids.get(p.peer);
    if (id === undefined) {
      id = peers.length;
      peers.push(p.peer);
      ids.set(p.peer, id);
    }
    return [id, p.blocks];
  };
  const rows = v.pieces.map((p): InFlightRow => [p.index, p.blocks, p.from.map(ref), p.waitingOn.map(ref), p.oldestRequest === null ? null : Math.max(0, v.now - p.oldestRequest)]);
  return { now: v.now, total: v.total, peers, rows };
}

export function unpackInFlight(r: InFlightReply): InFlightView {
  const peer = ([id, blocks]: InFlightPeerRef): InFlightPeer => ({ peer: r.peers[id] ?? '?', blocks });
  return {
    now: r.now,
    total: r.total,
    pieces: r.rows.map(([index, blocks, from, waitingOn, waited]) => ({
      index,
      blocks,
      from: from.map(peer),
      waitingOn: waitingOn.map(peer),
      oldestRequest: waited === null ? null : r.now - waited,
      slow: waited !== null && waited > SLOW_REQUEST_MS,
      // 'w' is a received block of a piece being verified: only such pieces have one.
      state: blocks.includes('w') ? 'verifying' : 'downloading',
    })),
  };
}

const peerRefs = array(tuple<InFlightPeerRef>(nonNegativeInt, nonNegativeInt), { max: 256 });

export const inFlightReply: Validator<InFlightReply> = object<InFlightReply>({
  now: timestamp,
  total: nonNegativeInt,
  peers: array(string({ max: 8192 }), { max: MAX_IN_FLIGHT_SHOWN * 2 * 256 }),
  rows: array(
    tuple<InFlightRow>(
      nonNegativeInt,
      string({ max: MAX_BLOCKS, pattern: /^[.rRw]*$/, what: 'block states' }),
      peerRefs,
      peerRefs,
      nullable(nonNegativeInt),
    ),
    { max: MAX_IN_FLIGHT_SHOWN },
  ),
});
