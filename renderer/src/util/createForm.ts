/**
 * The Create torrent dialog's form, checked with the contract's own validators before it is
 * sent (the engine checks the same again), so a mistake shows next to its field.
 */
import {
  MAX_CREATE_COMMENT,
  MAX_CREATE_SOURCE_TAG,
  MAX_CREATE_TIER_TRACKERS,
  MAX_CREATE_TRACKERS,
  MAX_CREATE_WEB_SEEDS,
  check,
  createSourcePath,
  sourceTag,
  trackerTierLines,
  trackerUrl,
  urlLines,
  webSeedUrl,
  type CreateFormat,
  type CreateTorrentPayload,
} from '../../../shared/contract/index.js';

export interface CreateForm {
  /** The file or folder to share. */
  sourcePath: string;
  format: CreateFormat;
  /** '' = automatic, else bytes as text (a <select>'s value). */
  pieceLength: string;
  /** One tracker URL per line, a blank line between tiers (qBittorrent's rule). */
  trackers: string;
  /** One web seed URL per line. */
  webSeeds: string;
  /** The `source` tag of private trackers. */
  source: string;
  comment: string;
  private: boolean;
  startSeeding: boolean;
}

export const EMPTY_CREATE_FORM: CreateForm = {
  sourcePath: '',
  format: 'hybrid',
  pieceLength: '',
  trackers: '',
  webSeeds: '',
  source: '',
  comment: '',
  private: false,
  startSeeding: true,
};

export type CreateFormField = 'sourcePath' | 'trackers' | 'webSeeds' | 'source' | 'comment';

type Checked = { ok: true; payload: CreateTorrentPayload } | { ok: false; field: CreateFormField; problem: string };

const clip = (text: string): string => (text.length > 80 ? `${text.slice(0, 80)}…` : text);

/** The payload, or the first problem and the field it belongs to. */
export function createPayload(form: CreateForm): Checked {
  const sourcePath = form.sourcePath.trim();
  if (sourcePath === '') return { ok: false, field: 'sourcePath', problem: 'Choose the file or folder to share.' };
  const path = check(createSourcePath, sourcePath);
  if (!path.ok) return { ok: false, field: 'sourcePath', problem: `The path must be ${path.error.problem.replace(/^expected /, '')}.` };

  const trackerTiers = trackerTierLines(form.trackers);
  const trackerCount = trackerTiers.reduce((n, t) => n + t.length, 0);
  if (trackerCount > MAX_CREATE_TRACKERS) return { ok: false, field: 'trackers', problem: `At most ${MAX_CREATE_TRACKERS} trackers (${trackerCount} listed).` };
  const bigTier = trackerTiers.findIndex((t) => t.length > MAX_CREATE_TIER_TRACKERS);
  if (bigTier >= 0) {
    return { ok: false, field: 'trackers', problem: `At most ${MAX_CREATE_TIER_TRACKERS} trackers in one tier (tier ${bigTier + 1} has ${trackerTiers[bigTier]!.length}): separate tiers with a blank line.` };
  }
  const badTracker = trackerTiers.flat().find((t) => !check(trackerUrl, t).ok);
  if (badTracker !== undefined) return { ok: false, field: 'trackers', problem: `Not a tracker URL (http://, https:// or udp://host:port): ${clip(badTracker)}` };

  const webSeeds = urlLines(form.webSeeds);
  if (webSeeds.length > MAX_CREATE_WEB_SEEDS) return { ok: false, field: 'webSeeds', problem: `At most ${MAX_CREATE_WEB_SEEDS} web seeds (${webSeeds.length} listed).` };
  const badSeed = webSeeds.find((u) => !check(webSeedUrl, u).ok);
  if (badSeed !== undefined) return { ok: false, field: 'webSeeds', problem: `Not a web seed URL (http:// or https://): ${clip(badSeed)}` };

  const source = form.source.trim();
  if (source.length > MAX_CREATE_SOURCE_TAG) return { ok: false, field: 'source', problem: `The source is longer than ${MAX_CREATE_SOURCE_TAG} characters.` };
  if (!check(sourceTag, source).ok) return { ok: false, field: 'source', problem: 'The source must be one line of text.' };
  if (form.comment.length > MAX_CREATE_COMMENT) return { ok: false, field: 'comment', problem: `The comment is longer than ${MAX_CREATE_COMMENT} characters.` };
  return {
    ok: true,
    payload: {
      sourcePath,
      format: form.format,
      pieceLength: form.pieceLength === '' ? null : Number(form.pieceLength),
      trackerTiers,
      webSeeds,
      source,
      comment: form.comment,
      private: form.private,
      startSeeding: form.startSeeding,
    },
  };
}
