/** Types shared by the HTTP and UDP tracker clients and the announcer. */
import type { PeerAddress } from '../api.js';

/** BEP 3 announce events; 'none' is a regular re-announce. */
export type AnnounceEvent = 'none' | 'started' | 'completed' | 'stopped';

/** One announce, as both protocols need it. */
export interface AnnounceParams {
  /** 20 bytes. */
  infoHash: Uint8Array;
  /** 20 bytes. */
  peerId: Uint8Array;
  /** Our listening port. */
  port: number;
  uploaded: number;
  downloaded: number;
  left: number;
  event: AnnounceEvent;
  /** Peers wanted; -1 lets the tracker choose (UDP), omitted for HTTP. */
  numwant: number;
  /** Random 32-bit key, stable for the torrent's lifetime (lets the tracker recognise us across IP changes). */
  key: number;
  /** HTTP `trackerid` from a previous reply, if any. */
  trackerId?: string | null;
}

/** A successful announce. Times are in seconds, as trackers send them. */
export interface AnnounceResult {
  interval: number;
  minInterval: number | null;
  peers: PeerAddress[];
  /** Seeders, leechers as the tracker counts them; null when not sent. */
  complete: number | null;
  incomplete: number | null;
  /** `warning message` (HTTP) or a note about a reply we had to trim; null when none. */
  warning: string | null;
  /** HTTP `tracker id`, to send back next time. */
  trackerId: string | null;
}

export interface ScrapeResult {
  complete: number;
  downloaded: number;
  incomplete: number;
}

/**
 * A failed announce or scrape.
 * - failure: the tracker answered and refused (`failure reason`, UDP action 3)
 * - protocol: the reply was garbage (not bencode, wrong types, truncated, wrong action)
 * - network: connection refused, DNS, HTTP status, socket errors
 * - timeout: no (valid) reply in time
 * - aborted: the caller cancelled
 * - unsupported: a URL scheme we do not speak (wss:, …) or an unusable URL
 */
export type TrackerErrorKind = 'failure' | 'protocol' | 'network' | 'timeout' | 'aborted' | 'unsupported';

export class TrackerError extends Error {
  readonly kind: TrackerErrorKind;
  constructor(kind: TrackerErrorKind, message: string) {
    super(message);
    this.name = 'TrackerError';
    this.kind = kind;
  }
}

/** Keeps messages from the network printable and on one line. */
export function printable(s: string, max = 200): string {
  let flat = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    flat += c < 0x20 || (c >= 0x7f && c <= 0x9f) ? ' ' : ch;
  }
  flat = flat.trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
