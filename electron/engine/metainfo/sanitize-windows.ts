/**
 * The part of path sanitizing that Windows needs, as libtorrent's Windows build does it
 * (sanitize_append_path_element in src/torrent_info.cpp), applied on every platform: a
 * torrent then names the same files on Linux, macOS and Windows.
 */

/** Characters Windows forbids in a name (libtorrent's Windows `invalid_chars`, less the controls). */
const INVALID = new Set([0x22, 0x2a, 0x3a, 0x3c, 0x3e, 0x3f, 0x7c]); // " * : < > ? |

export function isWindowsInvalidChar(cp: number): boolean {
  return INVALID.has(cp);
}

/**
 * Device names: opening `CON`, `nul.txt` or `com1.tar.gz` on Windows opens the device, not a
 * file. libtorrent's list (its non-UNC Windows build), plus the superscript-digit ports
 * Microsoft also documents (COM¹ … LPT³).
 */
const RESERVED = new Set([
  'con',
  'prn',
  'aux',
  'clock$',
  'nul',
  ...Array.from({ length: 10 }, (_, i) => `com${i}`),
  ...Array.from({ length: 10 }, (_, i) => `lpt${i}`),
  ...['\u00b9', '\u00b2', '\u00b3'].flatMap((digit) => [`com${digit}`, `lpt${digit}`]),
]);

/** The longest of {@link RESERVED} ('clock$'). */
const MAX_DEVICE_NAME = 6;

/**
 * The last step on a sanitized element: trailing dots and spaces go (Windows drops them, so
 * `a.` and `a` would be one file there), and a device name gets "_" in front, as libtorrent
 * does. Null when nothing is left (the element is dropped, or becomes "_" where it must exist).
 */
export function windowsSafeElement(element: string): string | null {
  const last = element.charCodeAt(element.length - 1);
  const trimmed = last === 0x2e || last === 0x20 ? element.replace(/[. ]+$/u, '') : element;
  if (trimmed === '') return null;
  // Windows takes everything before the first dot as the device name, ignoring trailing spaces
  // ("nul .txt" and "NUL.tar.gz" are the NUL device).
  const dot = trimmed.indexOf('.');
  const stemEnd = dot < 0 ? trimmed.length : dot;
  // No device name is longer than MAX_DEVICE_NAME: a longer stem needs no lowercase copy (run for every element of every path).
  if (stemEnd > MAX_DEVICE_NAME && trimmed.charCodeAt(stemEnd - 1) !== 0x20) return trimmed;
  const stem = trimmed.slice(0, stemEnd).replace(/ +$/u, '').toLowerCase();
  return RESERVED.has(stem) ? `_${trimmed}` : trimmed;
}
