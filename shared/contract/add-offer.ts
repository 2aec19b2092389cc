/**
 * Add offers: what the user confirms before a torrent is added (qBittorrent's add dialog).
 * A .torrent or magnet that reaches Tessera — opened from the OS, followed from a web page,
 * dropped or pasted — first becomes an offer: the main process parses it and keeps it under
 * an id, the UI shows its preview, and only `answerAddOffer` with `accept: true` adds it.
 * So a web page cannot start a download (or make Tessera contact trackers) by itself.
 * The setting `confirmAdd: false` ("don't ask again") skips offers for every path.
 *
 * A magnet has no file list until peers send its metadata, and Tessera contacts nobody
 * before the user accepts. So a magnet accepted with `chooseFiles` is added, fetches its
 * metadata, and stops before any storage or piece request: the service then opens a second
 * offer for it with `fileChoice: true` and the full file list (the same dialog, filled in).
 * Accepting that one sets the file priorities and starts the download; declining removes
 * the torrent (nothing was written).
 */
import { categoryName, relativeFolder } from './policies.js';
import type { FilePriority } from './types.js';
import { array, boolean, infoHash, literal, nonNegativeInt, nullable, object, optional, string, type Validator } from './validate.js';

/** Files listed in a preview; the rest are only counted (a torrent may have a million). */
export const MAX_PREVIEW_FILES = 1000;
/** Offers waiting for an answer; the oldest is dropped (and closed) beyond this. */
export const MAX_PENDING_OFFERS = 32;

export interface AddPreviewFile {
  /** Sanitized path inside the torrent, '/'-joined. */
  path: string;
  size: number;
}

export interface AddPreview {
  source: 'torrent' | 'magnet';
  infoHash: string;
  /** Null for a magnet without a display name. */
  name: string | null;
  /** Total payload size; null until a magnet's metadata is known. */
  size: number | null;
  /** Number of files; null until a magnet's metadata is known. */
  fileCount: number | null;
  /** The first MAX_PREVIEW_FILES files (pad files left out); empty for a magnet. */
  files: AddPreviewFile[];
  trackerCount: number;
  private: boolean;
  /** Where it would be saved (the main process's download folder). */
  saveDir: string;
  /** Already in the list: accepting only merges its peers. */
  duplicate: boolean;
}

export interface AddOffer {
  /** Opaque id to answer with. */
  id: string;
  preview: AddPreview;
  /**
   * True: the torrent is in the list already (a magnet accepted with `chooseFiles` whose
   * metadata arrived) and waits for its files to be chosen; only `filePriorities` counts in
   * the answer, and declining removes the torrent. Absent: a torrent to add.
   */
  fileChoice?: boolean;
}

export interface AnswerAddOfferPayload {
  id: string;
  accept: boolean;
  /** Add paused (only with accept). */
  paused?: boolean;
  /** One of Settings.categories: the torrent gets it and is saved in its folder. */
  category?: string | null;
  /** Save in this folder inside the download folder instead (relative; wins over the category's folder). */
  saveFolder?: string;
  /** Per file, in the preview's order (0 = skip); files beyond the list stay normal. */
  filePriorities?: FilePriority[];
  sequential?: boolean;
  firstLastPiecesFirst?: boolean;
  /**
   * A magnet (its files unknown): once its metadata arrives, stop before anything is
   * downloaded and offer its file list (an offer with `fileChoice`).
   */
  chooseFiles?: boolean;
}

const PATH_MAX = 16 * 1024;
const offerId: Validator<string> = string({ pattern: /^[A-Za-z0-9_-]{1,64}$/, what: 'an offer id' });

export const addPreview: Validator<AddPreview> = object<AddPreview>({
  source: literal('torrent', 'magnet'),
  infoHash,
  name: nullable(string({ max: 4096 })),
  size: nullable(nonNegativeInt),
  fileCount: nullable(nonNegativeInt),
  files: array(object<AddPreviewFile>({ path: string({ max: PATH_MAX }), size: nonNegativeInt }), { max: MAX_PREVIEW_FILES }),
  trackerCount: nonNegativeInt,
  private: boolean,
  saveDir: string({ max: PATH_MAX }),
  duplicate: boolean,
});

export const addOffer: Validator<AddOffer> = object<AddOffer>({ id: offerId, preview: addPreview, fileChoice: optional(boolean) });

export const answerAddOfferPayload: Validator<AnswerAddOfferPayload> = object<AnswerAddOfferPayload>({
  id: offerId,
  accept: boolean,
  paused: optional(boolean),
  category: optional(nullable(categoryName)),
  saveFolder: optional(relativeFolder),
  filePriorities: optional(array(literal(0, 1, 2), { max: MAX_PREVIEW_FILES })),
  sequential: optional(boolean),
  firstLastPiecesFirst: optional(boolean),
  chooseFiles: optional(boolean),
});

export const addOffers: Validator<AddOffer[]> = array(addOffer, { max: MAX_PENDING_OFFERS });
