/** Human-readable sizes for CLI output. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1799542 → "1.72 MiB"; exact byte counts stay available to callers that print both. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} B`;
  const digits = value >= 100 || Number.isInteger(value) ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Parses "262144", "256k", "256KiB", "1m", "4MiB" (binary units) into bytes; NaN if malformed. */
export function parseByteSize(text: string): number {
  const m = /^(\d+)\s*(k|kb|kib|m|mb|mib)?$/i.exec(text.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  if (unit.startsWith('k')) return n * 1024;
  if (unit.startsWith('m')) return n * 1024 * 1024;
  return n;
}
