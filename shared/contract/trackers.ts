/**
 * Managing a torrent's trackers, as qBittorrent's Trackers tab does: add tiers ("Add
 * trackers…"), edit a URL, remove trackers, and re-announce now ("Force reannounce"). New URLs
 * are parsed as the creator parses them (http, https or udp with a port; create-torrent.ts);
 * a URL that names a tracker the torrent has is only bounded, since a .torrent may carry
 * URLs of other schemes that we list but do not use.
 */
import { array, infoHash, object, string, ValidationError, type Validator } from './validate.js';
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
