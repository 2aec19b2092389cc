import type { TorrentState } from '../api.js';

/** Why a torrent stopped on its own (Transmission's tr_stat_errtype, typed). */
export type TorrentFault =
  /** The save folder or the data in it cannot be used (created, written, read). */
  | { readonly kind: 'storage'; readonly message: string }
  /** The metadata peers sent hashes right but is not a valid info dictionary. */
  | { readonly kind: 'metadata'; readonly message: string };

/**
 * What a torrent holds of its data:
 * - `magnet`: the info-hash only; the metadata is being fetched from peers;
 * - `choosing`: a magnet added with "choose files first" has its verified metadata and waits
 *   for the user's file choice; no storage yet, so no file exists and no piece is requested;
 * - `unprepared`: the metadata, but no usable storage yet (being prepared and checked, or
 *   preparing it failed);
 * - `transfer`: storage ready, pieces flowing (a Transfer exists).
 */
export type DataPhase = 'magnet' | 'choosing' | 'unprepared' | 'transfer';

/**
 * The independent facts a torrent's state is derived from (as Transmission derives
 * tr_torrentGetActivity). Each is changed by one kind of event only:
 * - `wanted`: the user's intent (add paused / pause → false; add / resume → true);
 * - `fault`: set by a storage or metadata failure, cleared only by resume (a retry);
 * - `phase`: advanced by metadata arriving and storage becoming ready; a re-check or a
 *   retry after a fault drops it back to `unprepared`;
 * - `finished`: every wanted piece is verified (only meaningful in `transfer`);
 * - `queued`: the session's queue (session/queue-policy.ts) holds it back: more torrents want
 *   to run than the active limits allow. Set only by the session, never by the torrent.
 */
export interface LifecycleFacts {
  readonly wanted: boolean;
  readonly fault: TorrentFault | null;
  readonly phase: DataPhase;
  readonly finished: boolean;
  readonly queued: boolean;
}

/** The one state shown for a set of facts. A fault outranks everything; preparing storage outranks a pause, a pause outranks the queue. */
export function torrentState(f: LifecycleFacts): TorrentState {
  if (f.fault) return 'error';
  if (f.phase === 'unprepared') return 'checking';
  if (!f.wanted) return 'paused';
  if (f.queued) return 'queued';
  // Waiting for the file choice is still the metadata step: nothing is downloaded yet.
  if (f.phase === 'magnet' || f.phase === 'choosing') return 'metadata';
  return f.finished ? 'seeding' : 'downloading';
}

/**
 * Whether the torrent may talk to the world (trackers, DHT, peers). Activity starts only
 * outside `unprepared` (nothing to offer or ask for while the data is checked), and must stop
 * when it is not wanted or faulted. While storage is prepared after a magnet's metadata
 * arrived, activity that runs already keeps running, so the peers that sent the metadata stay.
 */
export function mayStartActivity(f: LifecycleFacts): boolean {
  return f.wanted && !f.fault && !f.queued && f.phase !== 'unprepared';
}

export function mustStopActivity(f: LifecycleFacts): boolean {
  return !f.wanted || f.fault !== null || f.queued;
}
