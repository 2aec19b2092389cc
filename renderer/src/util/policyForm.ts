/**
 * The Settings dialog's queue, seeding-limit, category and alternative-speed fields: what the
 * inputs hold and the checked patch they make. Pure, so the rules are tested without a DOM.
 */
import {
  altSpeedOf,
  categoriesOf,
  check,
  categories as categoriesValidator,
  MAX_ACTIVE,
  queueOf,
  relativeFolder,
  seedingLimitsOf,
  watchFolderOf,
  type AltSpeedSettings,
  type QueueSettings,
  type SeedingLimitAction,
  type SeedingLimits,
  type Settings,
  type SettingsPatch,
} from '../../../shared/contract/index.js';
import { limitToKiBText, parseKiBLimit } from './limits.js';
import { limitField, parseLimitField, type LimitField } from './seedingForm.js';

export interface PolicyForm {
  queueEnabled: boolean;
  /** Whole numbers; "-1" or empty = unlimited. */
  maxDownloads: string;
  maxUploads: string;
  maxTorrents: string;
  ignoreSlow: boolean;
  ratio: LimitField;
  minutes: LimitField;
  action: SeedingLimitAction;
  categories: Array<{ name: string; folder: string }>;
  altDownload: string;
  altUpload: string;
  altActive: boolean;
  altScheduled: boolean;
  /** Sunday first. */
  altDays: boolean[];
  /** "HH:MM". */
  altFrom: string;
  altTo: string;
  watchEnabled: boolean;
  watchFolder: string;
}

const hhmm = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

export function policyForm(s: Settings | null): PolicyForm {
  const q = queueOf(s ?? {});
  const l = seedingLimitsOf(s ?? {});
  const a = altSpeedOf(s ?? {});
  const count = (n: number): string => (n < 0 ? '-1' : String(n));
  return {
    queueEnabled: q.enabled,
    maxDownloads: count(q.maxActiveDownloads),
    maxUploads: count(q.maxActiveUploads),
    maxTorrents: count(q.maxActiveTorrents),
    ignoreSlow: q.ignoreSlowTorrents,
    ratio: limitField(l.ratio, false),
    minutes: limitField(l.minutes, false),
    action: l.action,
    categories: categoriesOf(s ?? {}).map((c) => ({ ...c })),
    altDownload: limitToKiBText(a.downloadLimit),
    altUpload: limitToKiBText(a.uploadLimit),
    altActive: a.active,
    altScheduled: a.scheduled,
    altDays: [0, 1, 2, 3, 4, 5, 6].map((d) => a.days.includes(d)),
    altFrom: hhmm(a.from),
    altTo: hhmm(a.to),
    watchEnabled: watchFolderOf(s ?? {}).enabled,
    watchFolder: watchFolderOf(s ?? {}).folder,
  };
}

type Result<T> = { ok: true; value: T } | { ok: false; problem: string };

function parseCount(text: string, label: string): Result<number> {
  const t = text.trim();
  if (t === '' || t === '-1') return { ok: true, value: -1 };
  if (!/^\d+$/.test(t) || Number(t) > MAX_ACTIVE) return { ok: false, problem: `${label} must be a whole number from 0 to ${MAX_ACTIVE} (-1 = unlimited).` };
  return { ok: true, value: Number(t) };
}

export function parseTime(text: string, label: string): Result<number> {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) return { ok: false, problem: `${label} must be a time of day as HH:MM.` };
  return { ok: true, value: Number(m[1]) * 60 + Number(m[2]) };
}

export type PolicyPatch = Required<Pick<SettingsPatch, 'queueing' | 'seedingLimits' | 'categories' | 'altSpeed' | 'watchFolder'>>;

/** Checks every field; the first problem is reported in words a user can act on. */
export function policyPatch(f: PolicyForm): { ok: true; patch: PolicyPatch } | { ok: false; problem: string } {
  const downloads = parseCount(f.maxDownloads, 'Active downloads');
  if (!downloads.ok) return downloads;
  const uploads = parseCount(f.maxUploads, 'Active uploads');
  if (!uploads.ok) return uploads;
  const torrents = parseCount(f.maxTorrents, 'Active torrents');
  if (!torrents.ok) return torrents;
  const queueing: QueueSettings = {
    enabled: f.queueEnabled,
    maxActiveDownloads: downloads.value,
    maxActiveUploads: uploads.value,
    maxActiveTorrents: torrents.value,
    ignoreSlowTorrents: f.ignoreSlow,
  };
  const ratio = parseLimitField(f.ratio, 'ratio');
  if (!ratio.ok) return ratio;
  const minutes = parseLimitField(f.minutes, 'minutes');
  if (!minutes.ok) return minutes;
  const seedingLimits: SeedingLimits = { ratio: ratio.value, minutes: minutes.value, action: f.action };
  const list = f.categories.map((c) => ({ name: c.name.trim(), folder: c.folder.trim().replace(/^\/+|\/+$/g, '') || c.name.trim() }));
  const checked = check(categoriesValidator, list, 'categories');
  if (!checked.ok) return { ok: false, problem: `Categories: ${checked.error.problem} (names without slashes, folders inside the download folder, each name once).` };
  const down = parseKiBLimit(f.altDownload, 'The alternative download limit');
  if (!down.ok) return down;
  const up = parseKiBLimit(f.altUpload, 'The alternative upload limit');
  if (!up.ok) return up;
  const from = parseTime(f.altFrom, 'The schedule start');
  if (!from.ok) return from;
  const to = parseTime(f.altTo, 'The schedule end');
  if (!to.ok) return to;
  const altSpeed: AltSpeedSettings = {
    active: f.altActive,
    downloadLimit: down.bytesPerSecond,
    uploadLimit: up.bytesPerSecond,
    scheduled: f.altScheduled,
    days: f.altDays.flatMap((on, d) => (on ? [d] : [])),
    from: from.value,
    to: to.value,
  };
  const watchFolder = { enabled: f.watchEnabled, folder: f.watchFolder.trim().replace(/^\/+|\/+$/g, '') };
  if (!check(relativeFolder, watchFolder.folder).ok) return { ok: false, problem: 'The watch folder must be a folder inside the download folder, such as watch (no "..").' };
  return { ok: true, patch: { queueing, seedingLimits, categories: checked.value, altSpeed, watchFolder } };
}
