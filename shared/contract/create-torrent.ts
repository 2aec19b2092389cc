/**
 * "Create torrent" (qBittorrent's Tools → Torrent Creator): the payload that asks the engine to
 * hash a file or folder on its machine into a .torrent, the event that reports the job, and
 * the bounds on both. This is the one command where the renderer names a path, and only one
 * to read: on the desktop it comes from main's own file/folder dialog (`chooseCreateSource`),
 * on the web host the user types a path on the server (as in qbittorrent-nox's WebUI). The
 * .torrent comes back as bytes in the `torrentCreation` event; the renderer saves it (a
 * browser download, or main's save dialog in Electron) — the engine writes no .torrent file.
 */
import {
  array,
  base64,
  boolean,
  describe,
  discriminated,
  infoHash,
  literal,
  nonNegativeInt,
  nullable,
  object,
  string,
  ValidationError,
  type Validator,
} from './validate.js';
import type { AddResult } from './commands.js';

/** Longest source path accepted (characters; Linux's PATH_MAX is 4096 bytes). */
export const MAX_CREATE_PATH = 4096;
/** Most trackers one torrent gets, all tiers together (qBittorrent's creator has no bound; clients rarely use more than a few dozen). */
export const MAX_CREATE_TRACKERS = 100;
/** Most trackers in one tier (a client tries a tier's trackers one by one before the next tier). */
export const MAX_CREATE_TIER_TRACKERS = 50;
/** Most web seeds (BEP 19 'url-list') one torrent gets. */
export const MAX_CREATE_WEB_SEEDS = 50;
/** Longest tracker or web seed URL accepted. */
export const MAX_CREATE_URL = 2048;
/** Longest `source` tag (private trackers use a short name such as the tracker's). */
export const MAX_CREATE_SOURCE_TAG = 256;
/** Longest comment accepted (characters). */
export const MAX_CREATE_COMMENT = 4096;
/**
 * Largest .torrent a creation returns (bytes): what the add commands accept (MAX_TORRENT_FILE_BYTES),
 * so the torrent made can be added to start seeding; larger ones fail with "choose larger pieces".
 */
export const MAX_CREATED_TORRENT_BYTES = 16 * 1024 * 1024;
/** Piece sizes offered (bytes): 16 KiB … 64 MiB, as qBittorrent's list; null = automatic. */
export const CREATE_PIECE_SIZES: readonly number[] = Array.from({ length: 13 }, (_, i) => 16 * 1024 * 2 ** i);

export type CreateFormat = 'hybrid' | 'v1' | 'v2';

export interface CreateTorrentPayload {
  /** An absolute path, on the machine running the engine, of a file or a folder. */
  sourcePath: string;
  format: CreateFormat;
  /** Bytes, one of CREATE_PIECE_SIZES; null = chosen from the size. */
  pieceLength: number | null;
  /** Tracker URLs (http, https or udp) in tiers, tried in order (BEP 12); no tier is empty. */
  trackerTiers: string[][];
  /** Web seed URLs (http or https; BEP 19). */
  webSeeds: string[];
  /** info['source'], '' = none: private trackers ask for it so that a cross-seeded copy gets its own info-hash. */
  source: string;
  comment: string;
  private: boolean;
  /** Add the new torrent with the source's folder as its save path, so it checks the data and seeds. */
  startSeeding: boolean;
}

/** The job's id: its `torrentCreation` events carry it; `cancelCreateTorrent` takes it. */
export interface CreateTorrentStarted {
  id: string;
}

export interface CancelCreateTorrentPayload {
  id: string;
}

export interface ChooseCreateSourcePayload {
  /** The OS dialogs pick files or folders, not both (GTK), so the dialog has two buttons, as qBittorrent's. */
  kind: 'file' | 'folder';
}

export interface ChooseCreateSourceResult {
  /** null when the user cancelled the dialog. */
  path: string | null;
}

/** What was made. */
export interface CreatedTorrent {
  name: string;
  /** v1 info-hash (a v2-only torrent: its v2 hash truncated, as the session keys it). */
  infoHash: string;
  /** 64 hex characters for v2 and hybrid torrents. */
  infoHashV2: string | null;
  pieceCount: number;
  pieceLength: number;
  totalBytes: number;
  /** The .torrent file's bytes, base64. */
  data: string;
  /** The torrent as added when `startSeeding` was asked (null otherwise, or when adding failed: see seedError). */
  seeding: AddResult | null;
  seedError: string | null;
  /**
   * What the user should know about the torrent as made (at most MAX_CREATE_NOTICES): files
   * left out (links that point nowhere, sockets), a folder's web seed given its final '/'.
   */
  notices: string[];
}

/** Notices a created torrent reports at most; each at most MAX_CREATE_NOTICE_CHARS. */
export const MAX_CREATE_NOTICES = 20;
export const MAX_CREATE_NOTICE_CHARS = 1000;

/**
 * A creation job, sent only to the connection that started it: `hashing` as the pieces are
 * hashed (a few per second at most), then exactly one of `done`, `failed` or `cancelled`.
 * `cancelled` means nothing was made nor added: a Cancel that comes once the hashing is
 * complete (while the torrent is added for seeding) is too late, and the job ends `done`.
 */
export type TorrentCreationEvent =
  | { type: 'torrentCreation'; id: string; state: 'hashing'; hashedBytes: number; totalBytes: number }
  | { type: 'torrentCreation'; id: string; state: 'done'; torrent: CreatedTorrent }
  | { type: 'torrentCreation'; id: string; state: 'failed'; message: string }
  | { type: 'torrentCreation'; id: string; state: 'cancelled' };

// ---- validators ----

/** Control characters (NUL above all: no file system takes it) never make a path. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** An absolute path: POSIX `/…`, Windows `C:\…` or `\\server\share`. A relative one would depend on the engine's working folder. */
export const createSourcePath: Validator<string> = (value, path) => {
  const text = string({ min: 1, max: MAX_CREATE_PATH, what: 'a path' })(value, path);
  if (CONTROL.test(text)) throw new ValidationError(path, 'expected a path without control characters');
  if (!/^(\/|[A-Za-z]:[\\/]|\\\\)/.test(text)) throw new ValidationError(path, 'expected an absolute path (starting with / or a drive letter)');
  return text;
};

/**
 * A URL of one of `schemes` ('http:', …), parsed as the engine parses it (metainfo/create-announce.ts),
 * so that the dialog shows the engine's refusal next to the field: no spaces or control
 * characters, a host, and a port for udp.
 */
function createUrl(what: string, schemes: readonly string[]): Validator<string> {
  const expected = `${what} (${schemes.map((s) => `${s}//`).join(', ')}${schemes.includes('udp:') ? ' with a port for udp' : ''}, no spaces)`;
  const text = string({ min: 1, max: MAX_CREATE_URL, what });
  return (value, path) => {
    const raw = text(value, path);
    // A host right after '//': URL would read 'http:///a' as the host 'a', and the engine writes the URL as typed.
    if (/\s/.test(raw) || CONTROL.test(raw) || !/^[a-z]+:\/\/[^/?#]/i.test(raw)) throw new ValidationError(path, `expected ${expected}`);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ValidationError(path, `expected ${expected}`);
    }
    if (!schemes.includes(url.protocol) || url.hostname === '' || (url.protocol === 'udp:' && url.port === '')) {
      throw new ValidationError(path, `expected ${expected}`);
    }
    return raw;
  };
}

export const trackerUrl: Validator<string> = createUrl('a tracker URL', ['http:', 'https:', 'udp:']);
export const webSeedUrl: Validator<string> = createUrl('a web seed URL', ['http:', 'https:']);

/**
 * Tiers of tracker URLs: at most `total` in all, `perTier` per tier, no empty tier. The counts
 * are checked before any URL is parsed.
 */
export function trackerTierList(total: number, perTier: number): Validator<string[][]> {
  return (value, path) => {
    const tiers = array((tier: unknown, at: string) => {
      if (!Array.isArray(tier)) throw new ValidationError(at, `expected a tier (an array of tracker URLs), got ${describe(tier)}`);
      if (tier.length === 0) throw new ValidationError(at, 'expected a tier of at least 1 tracker');
      if (tier.length > perTier) throw new ValidationError(at, `expected a tier of at most ${perTier} trackers`);
      return tier as unknown[];
    }, { max: total })(value, path);
    const count = tiers.reduce((n, t) => n + t.length, 0);
    if (count > total) throw new ValidationError(path, `expected at most ${total} trackers in all (got ${count})`);
    return tiers.map((tier, i) => tier.map((url, j) => trackerUrl(url, `${path}[${i}][${j}]`)));
  };
}

/** A new torrent's tiers: at most MAX_CREATE_TRACKERS in all, MAX_CREATE_TIER_TRACKERS per tier. */
export const trackerTiers: Validator<string[][]> = trackerTierList(MAX_CREATE_TRACKERS, MAX_CREATE_TIER_TRACKERS);

/** The `source` tag: one line of text, '' for none. */
export const sourceTag: Validator<string> = (value, path) => {
  const text = string({ max: MAX_CREATE_SOURCE_TAG, what: 'a source tag' })(value, path);
  if (CONTROL.test(text)) throw new ValidationError(path, 'expected a source tag without control characters');
  return text;
};

export const createTorrentPayload: Validator<CreateTorrentPayload> = object<CreateTorrentPayload>({
  sourcePath: createSourcePath,
  format: literal('hybrid', 'v1', 'v2'),
  pieceLength: nullable(literal(...CREATE_PIECE_SIZES)),
  trackerTiers,
  webSeeds: array(webSeedUrl, { max: MAX_CREATE_WEB_SEEDS }),
  source: sourceTag,
  comment: string({ max: MAX_CREATE_COMMENT }),
  private: boolean,
  startSeeding: boolean,
});

const jobId: Validator<string> = string({ min: 1, max: 64, pattern: /^[A-Za-z0-9-]+$/, what: 'a creation id' });

export const createTorrentStarted: Validator<CreateTorrentStarted> = object<CreateTorrentStarted>({ id: jobId });
export const cancelCreateTorrentPayload: Validator<CancelCreateTorrentPayload> = object<CancelCreateTorrentPayload>({ id: jobId });
export const chooseCreateSourcePayload: Validator<ChooseCreateSourcePayload> = object<ChooseCreateSourcePayload>({ kind: literal('file', 'folder') });
export const chooseCreateSourceResult: Validator<ChooseCreateSourceResult> = object<ChooseCreateSourceResult>({ path: nullable(string({ max: 64 * 1024 })) });

const addResult: Validator<AddResult> = object<AddResult>({ infoHash, name: string({ max: 4096 }), duplicate: boolean });

const createdTorrent: Validator<CreatedTorrent> = object<CreatedTorrent>({
  name: string({ max: 4096 }),
  infoHash,
  infoHashV2: nullable(string({ pattern: /^[0-9a-f]{64}$/, what: 'a v2 info-hash (64 lower-case hex characters)' })),
  pieceCount: nonNegativeInt,
  pieceLength: nonNegativeInt,
  totalBytes: nonNegativeInt,
  data: base64(Math.ceil(MAX_CREATED_TORRENT_BYTES / 3) * 4),
  seeding: nullable(addResult),
  seedError: nullable(string({ max: 64 * 1024 })),
  notices: array(string({ max: MAX_CREATE_NOTICE_CHARS }), { max: MAX_CREATE_NOTICES }),
});

export const torrentCreationEvent: Validator<TorrentCreationEvent> = discriminated<'state', TorrentCreationEvent>('state', {
  hashing: object({ type: literal('torrentCreation'), id: jobId, state: literal('hashing'), hashedBytes: nonNegativeInt, totalBytes: nonNegativeInt }),
  done: object({ type: literal('torrentCreation'), id: jobId, state: literal('done'), torrent: createdTorrent }),
  failed: object({ type: literal('torrentCreation'), id: jobId, state: literal('failed'), message: string({ max: 64 * 1024 }) }),
  cancelled: object({ type: literal('torrentCreation'), id: jobId, state: literal('cancelled') }),
});

/**
 * The trackers textarea, as qBittorrent's Torrent Creator reads it: one URL per line, a blank
 * line between two tiers (several blank lines are one break). Surrounding spaces are dropped
 * and a URL listed before is left out (the engine keeps one entry per URL too).
 */
export function trackerTierLines(text: string): string[][] {
  const seen = new Set<string>();
  const tiers: string[][] = [];
  let tier: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const url = line.trim();
    if (url === '') {
      if (tier.length > 0) tiers.push(tier);
      tier = [];
    } else if (!seen.has(url)) {
      seen.add(url);
      tier.push(url);
    }
  }
  if (tier.length > 0) tiers.push(tier);
  return tiers;
}

/** URLs typed one per line (web seeds): blank lines and surrounding spaces dropped, duplicates once. */
export function urlLines(text: string): string[] {
  const seen = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t !== '') seen.add(t);
  }
  return [...seen];
}
