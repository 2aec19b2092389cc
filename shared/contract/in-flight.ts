/**
 * What is in flight (the `getInFlight` command): the pieces being downloaded now, block by
 * block — requested, received, being hashed and written — from which peers, and how long the
 * oldest request has waited; slow pieces are marked (like BitTorrent Mainline's Pieces tab).
 * Poll it only while the inspector is open.
 */
import { array, boolean, literal, nonNegativeInt, object, string, timestamp, type Validator } from './validate.js';

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

const inFlightPeer: Validator<InFlightPeer> = object<InFlightPeer>({ peer: string({ max: 8192 }), blocks: nonNegativeInt });

export const inFlightView: Validator<InFlightView> = object<InFlightView>({
  now: timestamp,
  total: nonNegativeInt,
  pieces: array(
    object<InFlightPiece>({
      index: nonNegativeInt,
      blocks: string({ max: MAX_BLOCKS, pattern: /^[.rRw]*$/, what: 'block states' }),
      from: array(inFlightPeer, { max: 256 }),
      waitingOn: array(inFlightPeer, { max: 256 }),
      oldestRequest: (value, path) => (value === null ? null : timestamp(value, path)),
      slow: boolean,
      state: literal('downloading', 'verifying'),
    }),
    { max: MAX_IN_FLIGHT_SHOWN },
  ),
});
