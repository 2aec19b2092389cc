import { BDict, BencodeError, type BTape, decodeAt, encode, encodeListSteps, getBytes, getInt, getList, getString, isBytes, isDict, isInt, isList, scan, scanSteps, type BValue, type Encodable } from '../bencode/index.js';
import type { FilePriority } from '../api.js';
import path from 'node:path';
import { categoryName, MAX_RATIO_LIMIT, MAX_SEEDING_MINUTES, type TorrentSeedingLimits } from '../../../shared/contract/policies.js';
import { MAX_RATE_LIMIT } from '../../../shared/contract/types.js';
import { check } from '../../../shared/contract/validate.js';
import { runSteps, runStepsAsync, type Steps } from '../util/yield.js';

const MAX_RESUME_BYTES = 64 * 1024 * 1024;

/** What we remember about a file so a restart can tell whether it changed behind our back. */
export interface FileStamp {
  size: number;
  /** Modification time in ms, or -1 when the file did not exist. */
  mtimeMs: number;
}

/**
 * A torrent's fast-resume record, like qBittorrent's .fastresume or Transmission's .resume:
 * enough to start again without re-hashing when the files on disk are as we left them.
 */
export interface ResumeData {
  infoHash: string;
  savePath: string;
  /** Verified pieces as a wire-order bitfield (empty until the metadata is known). */
  have: Buffer;
  pieceCount: number;
  filePriorities: FilePriority[];
  /** Per file, as it was on disk when `have` was recorded. */
  files: FileStamp[];
  uploaded: number;
  downloaded: number;
  addedAt: number;
  completedAt: number | null;
  paused: boolean;
  sequential: boolean;
  /** Each file's first and last piece first (media). */
  firstLastPiecesFirst: boolean;
  /** This torrent's own limits in bytes per second; 0 = unlimited. */
  downloadLimit: number;
  uploadLimit: number;
  /** For a magnet whose metadata has not arrived: the URI to start from again. */
  magnet: string | null;
  /** A magnet added with "choose files first" whose files are not chosen yet: it asks again after a restart. */
  chooseFiles?: boolean;
  /** The torrent's category label (absent in records from before categories: none). */
  category?: string | null;
  /** Own seeding limits: ratio and minutes, -2 = the global one, -1 = none. */
  seedingLimits?: TorrentSeedingLimits;
  /** Seconds spent seeding over the torrent's life. */
  seedingSeconds?: number;
  /** 1-based place in the session's queue (0 or absent: at the end). */
  queuePosition?: number;
  /** Announce tiers as last used (trackers merged in by a duplicate add included). */
  trackers?: string[][];
  /**
   * The user edited or removed trackers: `trackers` is the whole list, and the metadata's own
   * announce-list is not merged back in (a removed tracker stays removed after a restart).
   */
  trackersEdited?: boolean;
  /** Files the user renamed: [file index, new relative path]. */
  renamedFiles?: Array<[number, string]>;
  /** Who sent each piece and when (torrent/piece-sources.ts), for the mosaic's replay; absent in older records. */
  pieceLog?: PieceLogRecord | null;
}

/** The piece-source log as kept: its time base, the 8-byte entries, and the sources they index. */
export interface PieceLogRecord {
  base: number;
  entries: Buffer;
  sources: Array<{ kind: 'peer' | 'webseed'; label: string; client: string }>;
}

function encodePieceLog(log: PieceLogRecord): Encodable {
  return { base: Math.floor(log.base), entries: log.entries, sources: log.sources.map((s) => [s.kind, s.label, s.client]) };
}

/** A damaged log is dropped (null), never the whole record. */
function decodePieceLog(value: BValue | undefined): PieceLogRecord | null {
  if (value === undefined || !isDict(value)) return null;
  const base = getInt(value, 'base');
  const entries = getBytes(value, 'entries');
  const list = getList(value, 'sources');
  if (base === undefined || base < 0 || !entries || !list) return null;
  const sources: PieceLogRecord['sources'] = [];
  for (const s of list) {
    if (!isList(s) || s.length !== 3 || !s.every((x) => x instanceof Uint8Array)) return null;
    const [kind, label, client] = (s as Uint8Array[]).map((x) => Buffer.from(x).toString('utf8'));
    if (kind !== 'peer' && kind !== 'webseed') return null;
    sources.push({ kind, label: label!, client: client! });
  }
  return { base, entries: Buffer.from(entries), sources };
}

/** Ratios travel as integer thousandths (bencode has no fractions); -1 and -2 stay as they are. */
const RATIO_SCALE = 1000;

export function encodeResume(r: ResumeData): Buffer {
  return runSteps(encodeResumeSteps(r));
}

/** {@link encodeResume} in chunks: a 100,000-file torrent's record lists 300,000 numbers. */
export function encodeResumeAsync(r: ResumeData): Promise<Buffer> {
  return runStepsAsync(encodeResumeSteps(r));
}

function* encodeResumeSteps(r: ResumeData): Steps<Buffer> {
  const priorities = yield* encodeListSteps(r.filePriorities);
  const sizes = yield* encodeListSteps(r.files.map((f) => [f.size, Math.round(f.mtimeMs)]));
  return encode({
    'info-hash': r.infoHash,
    'save-path': r.savePath,
    have: r.have,
    pieces: r.pieceCount,
    'file-priorities': priorities,
    'file-sizes': sizes,
    uploaded: r.uploaded,
    downloaded: r.downloaded,
    'added-at': r.addedAt,
    'completed-at': r.completedAt ?? -1,
    paused: r.paused ? 1 : 0,
    sequential: r.sequential ? 1 : 0,
    'first-last-pieces': r.firstLastPiecesFirst ? 1 : 0,
    'download-limit': r.downloadLimit,
    'upload-limit': r.uploadLimit,
    magnet: r.magnet ?? undefined,
    'choose-files': r.chooseFiles ? 1 : undefined,
    category: r.category ?? undefined,
    'ratio-limit': r.seedingLimits ? (r.seedingLimits.ratio < 0 ? r.seedingLimits.ratio : Math.round(r.seedingLimits.ratio * RATIO_SCALE)) : undefined,
    'seeding-time-limit': r.seedingLimits?.minutes,
    'seeding-time': r.seedingSeconds !== undefined ? Math.floor(r.seedingSeconds) : undefined,
    'queue-position': r.queuePosition,
    trackers: r.trackers,
    'trackers-edited': r.trackersEdited ? 1 : undefined,
    'renamed-files': r.renamedFiles && r.renamedFiles.length > 0 ? r.renamedFiles : undefined,
    'piece-log': r.pieceLog ? encodePieceLog(r.pieceLog) : undefined,
  });
}

/** Parses a resume file; null (never a throw) when it is damaged — the torrent is then re-checked. */
export function decodeResume(bytes: Uint8Array): ResumeData | null {
  let tape: BTape;
  try {
    tape = scan(bytes, { maxSize: MAX_RESUME_BYTES });
  } catch (err) {
    if (err instanceof BencodeError) return null;
    throw err;
  }
  return resumeFrom(tape);
}

/** {@link decodeResume} in chunks: the record of a 100,000-file torrent is megabytes of bencode. */
export async function decodeResumeAsync(bytes: Uint8Array): Promise<ResumeData | null> {
  let tape: BTape;
  try {
    tape = await runStepsAsync(scanSteps(bytes, { maxSize: MAX_RESUME_BYTES }));
  } catch (err) {
    if (err instanceof BencodeError) return null;
    throw err;
  }
  return resumeFrom(tape);
}

/** The record's lists with an entry per file: read from the tape in place, not decoded. */
const PER_FILE_KEYS = new Set(['file-priorities', 'file-sizes']);

/**
 * The record read from its tape: the lists with an entry per file in place (decoded, the
 * sizes of a 300,000-file torrent were a list and a number object per file, ~26 MB), the
 * rest, a few fields, as values.
 */
function resumeFrom(tape: BTape): ResumeData | null {
  if (!tape.isDict(tape.root)) return null;
  const root = new BDict();
  for (let k = tape.first(tape.root); k >= 0; k = tape.after(tape.after(k))) {
    const key = tape.latin1(k) as string;
    // The first of a duplicate key, as decode() keeps it.
    if (!PER_FILE_KEYS.has(key) && !root.has(key)) root.set(key, decodeAt(tape, tape.after(k)));
  }
  const pieceLog = decodePieceLog(root.get('piece-log'));
  const record = resumeFields(root, tape);
  return record && pieceLog ? { ...record, pieceLog } : record;
}

/** 'file-priorities': 0, 1 or 2 each; null if any is not. */
function prioritiesFrom(tape: BTape): FilePriority[] | null {
  const out: FilePriority[] = [];
  for (let e = tape.first(tape.findList(tape.root, 'file-priorities')); e >= 0; e = tape.after(e)) {
    const p = tape.intNumber(e) ?? -1;
    if (p !== 0 && p !== 1 && p !== 2) return null;
    out.push(p);
  }
  return out;
}

/** 'file-sizes': [size, mtime] each; null if any is not. */
function stampsFrom(tape: BTape): FileStamp[] | null {
  const files: FileStamp[] = [];
  for (let e = tape.first(tape.findList(tape.root, 'file-sizes')); e >= 0; e = tape.after(e)) {
    const size = tape.first(e);
    const mtime = tape.after(size);
    if (!tape.isList(e) || !tape.isInt(size) || !tape.isInt(mtime) || tape.after(mtime) >= 0) return null;
    files.push({ size: tape.intNumber(size) as number, mtimeMs: tape.intNumber(mtime) as number });
  }
  return files;
}

function resumeFields(root: BDict, tape: BTape): ResumeData | null {
  const infoHash = getString(root, 'info-hash');
  const savePath = getString(root, 'save-path');
  const have = getBytes(root, 'have');
  const pieceCount = getInt(root, 'pieces');
  if (!infoHash || !/^[0-9a-f]{40}$/.test(infoHash) || !savePath || !have || pieceCount === undefined || pieceCount < 0) return null;
  // We only ever write absolute save paths; a relative one (hand-edited) would follow the working directory.
  if (!path.isAbsolute(savePath)) return null;
  if (have.length !== Math.ceil(pieceCount / 8)) return null;
  const priorities = prioritiesFrom(tape);
  if (priorities === null) return null;
  const files = stampsFrom(tape);
  if (files === null) return null;
  const completedAt = getInt(root, 'completed-at');
  const addedAt = getInt(root, 'added-at');
  const category = getString(root, 'category');
  return {
    infoHash,
    savePath,
    have: Buffer.from(have),
    pieceCount,
    filePriorities: priorities,
    files,
    uploaded: count(getInt(root, 'uploaded')),
    downloaded: count(getInt(root, 'downloaded')),
    addedAt: isCount(addedAt) ? addedAt : Date.now(),
    completedAt: isCount(completedAt) ? completedAt : null,
    paused: getInt(root, 'paused') === 1,
    sequential: getInt(root, 'sequential') === 1,
    // Records from before these fields existed read as "off" / unlimited.
    firstLastPiecesFirst: getInt(root, 'first-last-pieces') === 1,
    downloadLimit: rateLimit(getInt(root, 'download-limit')),
    uploadLimit: rateLimit(getInt(root, 'upload-limit')),
    magnet: getString(root, 'magnet') ?? null,
    chooseFiles: getInt(root, 'choose-files') === 1,
    // A name no category can have (slashes, too long) is no category.
    category: category !== undefined && check(categoryName, category).ok ? category : null,
    seedingLimits: seedingLimitsFrom(getInt(root, 'ratio-limit'), getInt(root, 'seeding-time-limit')),
    seedingSeconds: count(getInt(root, 'seeding-time')),
    queuePosition: count(getInt(root, 'queue-position')),
    trackers: tiersFrom(getList(root, 'trackers')),
    trackersEdited: getInt(root, 'trackers-edited') === 1,
    renamedFiles: renamedFrom(getList(root, 'renamed-files')),
  };
}

/*
 * Numbers of a record are trusted no further than their range: a hand-edited or damaged one
 * (negative bytes, a time beyond 2^53) reads as unknown, as a missing field does. Passed on,
 * such values reached the UI, whose client refuses a whole event for one field out of range.
 */
function isCount(n: number | undefined): n is number {
  return n !== undefined && Number.isSafeInteger(n) && n >= 0;
}
const count = (n: number | undefined): number => (isCount(n) ? n : 0);
/** Bytes per second, 0 = unlimited: a huge limit stays a limit (the largest), not unlimited. */
const rateLimit = (n: number | undefined): number => (n !== undefined && n > 0 ? Math.min(MAX_RATE_LIMIT, n) : 0);

/**
 * A renamed file's path as renamePath makes it: relative, '/'-separated, every element a real
 * name. Anything else (an absolute path, '..', a backslash) is not ours: storage refuses paths
 * leaving the save folder, and the torrent then stalled instead of keeping the metadata's name.
 */
function isRenamedPath(p: string): boolean {
  if (p.length === 0 || /[\\\p{Cc}]/u.test(p) || path.posix.isAbsolute(p) || path.win32.isAbsolute(p)) return false;
  return p.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/** [index, path] pairs; malformed entries are dropped (the file keeps its name from the metadata). */
function renamedFrom(list: BValue[] | undefined): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  for (const e of list ?? []) {
    if (!isList(e) || e.length !== 2 || !isInt(e[0]) || !isBytes(e[1])) continue;
    const index = Number(e[0]);
    const renamed = e[1].toString('utf8');
    if (isCount(index) && isRenamedPath(renamed)) out.push([index, renamed]);
  }
  return out;
}

/** Tiers of URL strings; anything else in the list is dropped. */
function tiersFrom(list: BValue[] | undefined): string[][] {
  const tiers: string[][] = [];
  for (const tier of list ?? []) {
    if (!isList(tier)) continue;
    const urls = tier.filter(isBytes).map((u) => u.toString('utf8'));
    if (urls.length > 0) tiers.push(urls);
  }
  return tiers;
}

/** A limit outside what the contract accepts (below -2, above the largest limit) or a missing one reads as "use the global limit". */
function seedingLimitsFrom(ratio: number | undefined, minutes: number | undefined): TorrentSeedingLimits {
  const limit = (n: number | undefined, max: number): number => (n === undefined || n < -2 || n > max ? -2 : n);
  const r = limit(ratio, MAX_RATIO_LIMIT * RATIO_SCALE);
  return { ratio: r < 0 ? r : r / RATIO_SCALE, minutes: limit(minutes, MAX_SEEDING_MINUTES) };
}
