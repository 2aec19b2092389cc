import type { TorrentStats } from '../engine/index.js';

/**
 * Whether the torrent's size is known: a magnet has no pieces (size 0) until its metadata
 * arrives, and 0 of 0 bytes must not read as 100%.
 */
function metadataKnown(s: TorrentStats): boolean {
  return s.state !== 'metadata' && s.pieceCount > 0;
}

/**
 * The wanted part's size, verified bytes and fraction done, as qBittorrent shows progress: files
 * set to "Do not download" (a resume record can carry such choices) count neither way, so a
 * torrent whose wanted files are done reads 100%.
 */
export function wantedProgress(s: TorrentStats): { size: number; done: number; fraction: number } {
  const size = s.wantedSize ?? s.size;
  const done = Math.min(size, s.wantedCompletedBytes ?? s.completedBytes);
  return { size, done, fraction: size > 0 ? done / size : 1 };
}

/** One-line terminal progress: bar, percent, rate, peers, ETA (an empty bar while a magnet fetches its metadata). */
export function progressLine(s: TorrentStats, width = 30): string {
  if (!metadataKnown(s)) return `[${'-'.repeat(width)}] fetching metadata  ${s.peers} peers  ${s.state}`;
  const wanted = wantedProgress(s);
  const fraction = wanted.fraction;
  const filled = Math.round(fraction * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  const remaining = wanted.size - wanted.done;
  const eta = s.downloadRate > 0 ? formatDuration(remaining / s.downloadRate) : '∞';
  return `[${bar}] ${(fraction * 100).toFixed(1).padStart(5)}%  ${formatBytes(s.downloadRate)}/s  ${s.peers} peers  ETA ${eta}  ${s.state}`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '∞';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
