/** Number formatting for the UI (binary units, as qBittorrent and Transmission show them). */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  // Round first, then pick the unit and digits for the rounded value: 1023.7 KiB read
  // "1024 KiB" and 99.999 MiB "100.00 MiB" when the digits followed the unrounded one.
  let text = rounded(v, u);
  if (Number(text) >= 1024 && u < UNITS.length - 1) text = rounded(v / 1024, ++u);
  return `${text} ${UNITS[u]}`;
}

/** `v` with 2 digits below 10, 1 below 100, none above (bytes: always none), as rounded. */
function rounded(v: number, unit: number): string {
  if (unit === 0) return String(Math.round(v));
  for (const digits of [2, 1]) {
    const text = v.toFixed(digits);
    if (Number(text) < 10 ** (3 - digits)) return text;
  }
  return v.toFixed(0);
}

export function formatRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '0 B/s';
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Rate column in the list: blank when idle, like qBittorrent. */
export function formatRateCell(bytesPerSecond: number): string {
  return bytesPerSecond > 0 ? formatRate(bytesPerSecond) : '';
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '–';
  const p = Math.min(1, Math.max(0, fraction)) * 100;
  // Never show 100% before it is really done.
  if (p >= 100) return '100%';
  if (p > 99.9) return '99.9%';
  return `${p.toFixed(1)}%`;
}

/** "∞" for null, else the two largest units: 3d 4h, 2h 5m, 4m 10s, 12s. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '∞';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  if (d < 100) return `${d}d ${h % 24}h`;
  return '∞';
}

export function formatDate(msSinceEpoch: number | null): string {
  if (msSinceEpoch === null || !Number.isFinite(msSinceEpoch) || msSinceEpoch <= 0) return '–';
  const d = new Date(msSinceEpoch);
  const pad = (x: number): string => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}
