/**
 * Speed limits in the UI: the contract carries bytes per second (0 = unlimited); people type
 * and read KiB/s, as in qBittorrent's preferences.
 */
import { MAX_RATE_LIMIT } from '../../../shared/contract/index.js';
import { formatRate } from './format.js';

export const KIB = 1024;
/** The largest limit one can type, in KiB/s. */
export const MAX_LIMIT_KIB = Math.floor(MAX_RATE_LIMIT / KIB);

/** The text an input shows for a limit: whole KiB/s, "0" for unlimited. */
export function limitToKiBText(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '0';
  return String(Math.max(1, Math.round(bytesPerSecond / KIB)));
}

export type LimitParse = { ok: true; bytesPerSecond: number } | { ok: false; problem: string };

/** Reads a KiB/s field: whole numbers from 0 (or empty = unlimited) to MAX_LIMIT_KIB. */
export function parseKiBLimit(text: string, label: string): LimitParse {
  const t = text.trim();
  if (t === '') return { ok: true, bytesPerSecond: 0 };
  if (!/^\d+$/.test(t)) return { ok: false, problem: `${label} must be a whole number of KiB/s (0 = unlimited).` };
  const kib = Number(t);
  if (kib > MAX_LIMIT_KIB) return { ok: false, problem: `${label} can be at most ${MAX_LIMIT_KIB.toLocaleString('en-US')} KiB/s (0 = unlimited).` };
  return { ok: true, bytesPerSecond: kib * KIB };
}

/** "∞" for no limit, else the rate ("500 KiB/s"). */
export function formatLimit(bytesPerSecond: number): string {
  return bytesPerSecond > 0 ? formatRate(bytesPerSecond) : '∞';
}
