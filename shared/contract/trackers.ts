/**
 * Managing a torrent's trackers, as qBittorrent's Trackers tab does: add tiers ("Add
 * trackers…"), edit a URL, remove trackers, and re-announce now ("Force reannounce"). New URLs
 * are parsed as the creator parses them (http, https or udp with a port; create-torrent.ts);
 * a URL that names a tracker the torrent has is only bounded, since a .torrent may carry
 * URLs of other schemes that we list but do not use.
 */
import { array, boolean, infoHash, literal, number, object, string, ValidationError, type Validator } from './validate.js';
import { trackerTierList, trackerUrl } from './create-torrent.js';
import { LIMITS, MAX_URL_CHARS } from './types.js';

/**
 * Most trackers a torrent keeps, all tiers together (the engine ignores the rest of a longer
 * .torrent list; the big public lists have 100–200). Adding past it fails.
 */
export const MAX_TRACKERS_PER_TORRENT = 200;

export interface AddTrackersPayload {
  infoHash: string;
  /** New tiers after the torrent's own (BEP 12 order); URLs the torrent has already are skipped. */
  tiers: string[][];
}

export interface EditTrackerPayload {
  infoHash: string;
  /** A URL as getTrackers lists it. */
  url: string;
  /** Takes its place, in the same tier. */
  newUrl: string;
}

export interface RemoveTrackersPayload {
  infoHash: string;
  /** URLs as getTrackers lists them; those the torrent does not have are ignored. */
  urls: string[];
}

export interface ReannouncePayload {
  infoHashes: string[];
}

/** A tracker the torrent has, by its URL as listed (any scheme: only its length is bounded). */
const knownTrackerUrl: Validator<string> = string({ min: 1, max: MAX_URL_CHARS, what: 'a tracker URL' });

function atLeastOneTier(tiers: Validator<string[][]>): Validator<string[][]> {
  return (value, path) => {
    const list = tiers(value, path);
    if (list.length === 0) throw new ValidationError(path, 'expected at least 1 tracker');
    return list;
  };
}

export const addTrackersPayload: Validator<AddTrackersPayload> = object<AddTrackersPayload>({
  infoHash,
  tiers: atLeastOneTier(trackerTierList(MAX_TRACKERS_PER_TORRENT, MAX_TRACKERS_PER_TORRENT)),
});

export const editTrackerPayload: Validator<EditTrackerPayload> = object<EditTrackerPayload>({ infoHash, url: knownTrackerUrl, newUrl: trackerUrl });

export const removeTrackersPayload: Validator<RemoveTrackersPayload> = object<RemoveTrackersPayload>({
  infoHash,
  urls: array(knownTrackerUrl, { min: 1, max: MAX_TRACKERS_PER_TORRENT }),
});

export const reannouncePayload: Validator<ReannouncePayload> = object<ReannouncePayload>({ infoHashes: array(infoHash, { min: 1, max: LIMITS.torrents }) });

/**
 * The rows qBittorrent's Trackers tab keeps above the trackers ("** [DHT] **", "** [PeX] **",
 * "** [LSD] **"): whether each way of finding peers works for this torrent, and how many of
 * the connected peers it named. `disabled`: off in the settings (or by the host's flags);
 * `disabled-for-torrent`: the torrent is private (BEP 27: peers from its trackers only).
 */
export type DiscoveryStatus = 'working' | 'disabled' | 'disabled-for-torrent';

export interface DiscoveryRow {
  status: DiscoveryStatus;
  /** Connected peers (handshake done) this source named, seeds and the others. A peer several sources named counts in each. */
  seeds: number;
  leechers: number;
}

export interface DiscoveryView {
  /** The torrent is private: its rows say "This torrent is private", as qBittorrent's do. */
  private: boolean;
  dht: DiscoveryRow;
  pex: DiscoveryRow;
  lsd: DiscoveryRow;
}

const peerCount: Validator<number> = number({ integer: true, min: 0, max: LIMITS.peers });
const discoveryRow: Validator<DiscoveryRow> = object<DiscoveryRow>({ status: literal('working', 'disabled', 'disabled-for-torrent'), seeds: peerCount, leechers: peerCount });
export const discoveryView: Validator<DiscoveryView> = object<DiscoveryView>({ private: boolean, dht: discoveryRow, pex: discoveryRow, lsd: discoveryRow });
