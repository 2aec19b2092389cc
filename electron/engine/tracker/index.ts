/** Trackers: HTTP(S) and UDP clients, and the per-torrent announcer. */
export { Announcer, type AnnounceClient, type AnnounceStats, type AnnouncerEvents, type AnnouncerOptions, type AnnouncerTorrent } from './announcer.js';
export { TrackerClient, trackerProtocol, type TrackerCallOptions, type TrackerClientOptions } from './client.js';
export {
  ignoredTrackersMessage,
  limitTrackerTiers,
  MAX_ANNOUNCES_PER_TORRENT,
  MAX_HTTP_ANNOUNCES,
  MAX_TRACKERS_PER_TORRENT,
  MAX_UDP_ANNOUNCES,
  type LimitedTiers,
} from './limits.js';
export { Slots, type AcquireOptions, type ReleaseSlot } from './slots.js';
export { decodeCompactPeers, encodeCompactPeers4, encodeCompactPeers6, formatIPv6 } from './compact.js';
export { buildAnnounceUrl, parseAnnounceResponse, parseScrapeResponse, scrapeUrlFor } from './http.js';
export { UdpTrackerClient, type UdpTrackerOptions } from './udp.js';
export {
  TrackerError,
  type AnnounceEvent,
  type AnnounceParams,
  type AnnounceResult,
  type ScrapeResult,
  type TrackerErrorKind,
} from './types.js';
