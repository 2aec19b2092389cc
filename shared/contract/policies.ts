/**
 * What a qBittorrent user sets for many torrents at once: the queue (how many run), seeding
 * limits (when a finished torrent stops), categories (each with its own save folder),
 * alternative speed limits (with a schedule) and the all-time statistics. Each settings part
 * is an optional field of Settings (a settings file from before it existed reads as the
 * default: use the `…Of(settings)` helpers).
 */
import { array, boolean, literal, nonNegativeInt, number, object, string, ValidationError, type Shape, type Validator } from './validate.js';

/** A count limit: -1 = unlimited (qBittorrent's convention), else 0..MAX_ACTIVE. */
export const MAX_ACTIVE = 100_000;
export const UNLIMITED = -1;
const countLimit: Validator<number> = number({ integer: true, min: UNLIMITED, max: MAX_ACTIVE });

// ---------------------------------------------------------------------------------------
// Queue
// ---------------------------------------------------------------------------------------

/**
 * Torrent queueing. When enabled, at most `maxActiveDownloads` downloading and
 * `maxActiveUploads` seeding torrents run, and `maxActiveTorrents` in all; the others wait as
 * `queued`, in queue order. With `ignoreSlowTorrents`, a running torrent that has moved less
 * than 2 KiB/s each way for a minute does not count against the limits (qBittorrent's rule).
 */
export interface QueueSettings {
  enabled: boolean;
  maxActiveDownloads: number;
  maxActiveUploads: number;
  maxActiveTorrents: number;
  ignoreSlowTorrents: boolean;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  enabled: false,
  maxActiveDownloads: 3,
  maxActiveUploads: 3,
  maxActiveTorrents: 5,
  ignoreSlowTorrents: true,
};

export const queueSettings: Validator<QueueSettings> = object<QueueSettings>({
  enabled: boolean,
  maxActiveDownloads: countLimit,
  maxActiveUploads: countLimit,
  maxActiveTorrents: countLimit,
  ignoreSlowTorrents: boolean,
});

export type QueueMove = 'up' | 'down' | 'top' | 'bottom';
export const queueMove: Validator<QueueMove> = literal('up', 'down', 'top', 'bottom');

// ---------------------------------------------------------------------------------------
// Seeding limits
// ---------------------------------------------------------------------------------------

/** Largest share ratio limit accepted (qBittorrent's 9998). */
export const MAX_RATIO_LIMIT = 9998;
/** Largest seeding-time limit in minutes (about 1900 years: "no practical limit" is -1). */
export const MAX_SEEDING_MINUTES = 1_000_000_000;

/** What happens to a finished torrent that reached its limit. */
export type SeedingLimitAction = 'pause' | 'remove';

/** The global limits: -1 = no limit. */
export interface SeedingLimits {
  /** Share ratio (uploaded / downloaded); -1 = none. */
  ratio: number;
  /** Minutes spent seeding; -1 = none. */
  minutes: number;
  action: SeedingLimitAction;
}

export const DEFAULT_SEEDING_LIMITS: SeedingLimits = { ratio: -1, minutes: -1, action: 'pause' };

/** One torrent's own limits: -2 = use the global limit, -1 = none, else the limit. */
export interface TorrentSeedingLimits {
  ratio: number;
  minutes: number;
}
export const USE_GLOBAL = -2;
export const DEFAULT_TORRENT_SEEDING_LIMITS: TorrentSeedingLimits = { ratio: USE_GLOBAL, minutes: USE_GLOBAL };

export const seedingLimits: Validator<SeedingLimits> = object<SeedingLimits>({
  ratio: number({ min: -1, max: MAX_RATIO_LIMIT }),
  minutes: number({ integer: true, min: -1, max: MAX_SEEDING_MINUTES }),
  action: literal('pause', 'remove'),
});

export const torrentSeedingLimitsShape: Shape<TorrentSeedingLimits> = {
  ratio: number({ min: USE_GLOBAL, max: MAX_RATIO_LIMIT }),
  minutes: number({ integer: true, min: USE_GLOBAL, max: MAX_SEEDING_MINUTES }),
};
export const torrentSeedingLimits: Validator<TorrentSeedingLimits> = object<TorrentSeedingLimits>(torrentSeedingLimitsShape);

// ---------------------------------------------------------------------------------------
// Categories
// ---------------------------------------------------------------------------------------

export const MAX_CATEGORIES = 1000;
export const CATEGORY_NAME_MAX = 128;

/**
 * A category: a name and its save folder, a relative path inside the download folder (as
 * qBittorrent's default "<save path>/<category>"). The renderer never names an absolute
 * path; the main process resolves `folder` against the download folder.
 */
export interface Category {
  name: string;
  folder: string;
}

/** Letters, digits, spaces and common punctuation; no slashes or control characters. */
export const categoryName: Validator<string> = string({
  min: 1,
  max: CATEGORY_NAME_MAX,
  pattern: /^(?![ .])[^\\/\p{Cc}]+(?<![ ])$/u,
  what: 'a category name (1-128 characters, no slashes)',
});

/** 'a', 'a/b' — relative, '/'-separated, no empty, '.' or '..' segments, no backslashes or control characters. */
export const relativeFolder: Validator<string> = string({
  min: 1,
  max: 1024,
  pattern: /^(?!\.{1,2}(\/|$))(?!.*\/\.{1,2}(\/|$))[^/\\\p{Cc}]+(\/[^/\\\p{Cc}]+)*$/u,
  what: 'a relative folder inside the download folder (no "..", no leading "/")',
});

export const category: Validator<Category> = object<Category>({ name: categoryName, folder: relativeFolder });
export const categories: Validator<Category[]> = (value, path) => {
  const list = array(category, { max: MAX_CATEGORIES })(value, path);
  const names = new Set<string>();
  for (const c of list) {
    if (names.has(c.name)) throw new ValidationError(path, `category ${JSON.stringify(c.name)} listed twice`);
    names.add(c.name);
  }
  return list;
};

// ---------------------------------------------------------------------------------------
// Alternative speed limits
// ---------------------------------------------------------------------------------------

/**
 * Alternative (turtle) speed limits: used instead of the normal global limits while `active`.
 * With `scheduled`, the engine switches them on at `from` and off at `to` (minutes after
 * midnight, local time; `to` < `from` spans midnight) on the listed `days` (0 = Sunday), and
 * a manual switch lasts until the next boundary of the schedule.
 */
export interface AltSpeedSettings {
  active: boolean;
  downloadLimit: number;
  uploadLimit: number;
  scheduled: boolean;
  days: number[];
  from: number;
  to: number;
}

export const DEFAULT_ALT_SPEED: AltSpeedSettings = {
  active: false,
  downloadLimit: 10 * 1024,
  uploadLimit: 10 * 1024,
  scheduled: false,
  days: [0, 1, 2, 3, 4, 5, 6],
  from: 8 * 60,
  to: 20 * 60,
};

const minuteOfDay: Validator<number> = number({ integer: true, min: 0, max: 24 * 60 - 1 });
const weekday: Validator<number> = number({ integer: true, min: 0, max: 6 });
const limitBytes: Validator<number> = number({ integer: true, min: 0, max: 100 * 1024 * 1024 * 1024 });

export const altSpeedSettings: Validator<AltSpeedSettings> = object<AltSpeedSettings>({
  active: boolean,
  downloadLimit: limitBytes,
  uploadLimit: limitBytes,
  scheduled: boolean,
  days: array(weekday, { max: 7 }),
  from: minuteOfDay,
  to: minuteOfDay,
});

// ---------------------------------------------------------------------------------------
// Watch folder
// ---------------------------------------------------------------------------------------

/**
 * .torrent files appearing in `folder` (relative, inside the download folder, as a category's)
 * are added and renamed `.added` (or `.invalid`). Adding skips the add dialog, as qBittorrent's.
 */
export interface WatchFolderSettings {
  enabled: boolean;
  folder: string;
}

export const DEFAULT_WATCH_FOLDER: WatchFolderSettings = { enabled: false, folder: 'watch' };

export const watchFolderSettings: Validator<WatchFolderSettings> = object<WatchFolderSettings>({ enabled: boolean, folder: relativeFolder });

// ---------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------

/** Payload bytes moved: this session (since the engine started) and all time (kept across restarts). */
export interface Statistics {
  sessionDownloaded: number;
  sessionUploaded: number;
  allTimeDownloaded: number;
  allTimeUploaded: number;
  /** allTimeUploaded / allTimeDownloaded; 0 when nothing was downloaded. */
  allTimeRatio: number;
}

export const statistics: Validator<Statistics> = object<Statistics>({
  sessionDownloaded: nonNegativeInt,
  sessionUploaded: nonNegativeInt,
  allTimeDownloaded: nonNegativeInt,
  allTimeUploaded: nonNegativeInt,
  allTimeRatio: number({ min: 0 }),
});

// ---------------------------------------------------------------------------------------
// Settings parts with their defaults (a settings file from before a part existed lacks it)
// ---------------------------------------------------------------------------------------

interface PolicySettings {
  queueing?: QueueSettings;
  seedingLimits?: SeedingLimits;
  categories?: Category[];
  altSpeed?: AltSpeedSettings;
  watchFolder?: WatchFolderSettings;
}

export const watchFolderOf = (s: PolicySettings): WatchFolderSettings => s.watchFolder ?? DEFAULT_WATCH_FOLDER;
export const queueOf = (s: PolicySettings): QueueSettings => s.queueing ?? DEFAULT_QUEUE_SETTINGS;
export const seedingLimitsOf = (s: PolicySettings): SeedingLimits => s.seedingLimits ?? DEFAULT_SEEDING_LIMITS;
export const categoriesOf = (s: PolicySettings): Category[] => s.categories ?? [];
export const altSpeedOf = (s: PolicySettings): AltSpeedSettings => s.altSpeed ?? DEFAULT_ALT_SPEED;

/** The global limits in force: the alternative ones while they are active (bytes per second, 0 = unlimited). */
export function effectiveRateLimits(s: PolicySettings & { downloadLimit: number; uploadLimit: number }): { download: number; upload: number } {
  const alt = altSpeedOf(s);
  return alt.active ? { download: alt.downloadLimit, upload: alt.uploadLimit } : { download: s.downloadLimit, upload: s.uploadLimit };
}
