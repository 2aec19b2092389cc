/**
 * Path-element sanitizing, modelled on libtorrent's `sanitize_append_path_element`
 * (src/torrent_info.cpp) so that Tessera lays files out exactly where libtorrent would:
 *
 * - an element that is only "." or ".." (or that becomes only dots/nothing once separators
 *   are removed) is dropped — it can never climb out of the torrent's directory;
 * - "/" and "\" (and NUL, and invisible bidi / zero-width characters) are removed;
 * - control characters (C0, DEL, C1), the characters Windows forbids (< > : " | ? *) and
 *   invalid UTF-8 become "_";
 * - an empty element becomes "_";
 * - an element longer than 240 bytes is cut, keeping a short extension if there is one;
 * - trailing dots and spaces are dropped, and Windows device names (CON, nul.txt …) get a
 *   "_" in front (see sanitize-windows.ts).
 *
 * The Windows rules are libtorrent's Windows build's, applied on every platform so that a
 * torrent names the same files everywhere (and a folder downloaded on Linux copies to Windows).
 *
 * Works on raw bytes: names in .torrent files are not guaranteed to be valid UTF-8.
 */
import { isWindowsInvalidChar, windowsSafeElement } from './sanitize-windows.js';

const UNDERSCORE = 0x5f;
const DOT = 0x2e;

/** Decodes one UTF-8 code point like libtorrent's parse_utf8_codepoint: [codepoint or -1, bytes consumed]. */
export function parseUtf8CodePoint(bytes: Uint8Array, at: number): [number, number] {
  const remaining = bytes.length - at;
  const b0 = bytes[at] as number;
  let seqLen: number;
  if (b0 < 0x80) return [b0, 1];
  if (b0 >> 5 === 0b110) seqLen = 2;
  else if (b0 >> 4 === 0b1110) seqLen = 3;
  else if (b0 >> 3 === 0b11110) seqLen = 4;
  else if (b0 >> 2 === 0b111110) return [-1, Math.min(5, remaining)];
  else return [-1, 1];
  if (seqLen > remaining) return [-1, remaining];

  let cp = b0 & (seqLen === 2 ? 0x1f : seqLen === 3 ? 0x0f : 0x07);
  for (let i = 1; i < seqLen; i++) {
    const b = bytes[at + i] as number;
    if (b < 0x80 || b > 0xbf) return [-1, seqLen];
    cp = (cp << 6) | (b & 0x3f);
  }
  // Overlong encodings, out-of-range values and surrogates are invalid.
  if ((seqLen === 2 && cp < 0x80) || (seqLen === 3 && cp < 0x800) || (seqLen === 4 && cp < 0x10000)) return [-1, seqLen];
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return [-1, seqLen];
  return [cp, seqLen];
}

/** Characters removed outright: separators, NUL and invisible direction/zero-width marks. */
function isFilteredChar(cp: number): boolean {
  if (cp === 0x2f || cp === 0x5c || cp === 0) return true;
  return (
    cp === 0x061c ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x2064) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0xfeff
  );
}

/** Control characters (C0, DEL, C1) and characters Windows forbids in names are replaced by "_". */
function isValidPathChar(cp: number): boolean {
  if (cp < 32 || cp === 0x7f) return false;
  if (cp >= 0x80 && cp <= 0x9f) return false;
  return !isWindowsInvalidChar(cp);
}

const MAX_ELEMENT_BYTES = 240;

/**
 * Sanitizes one path element. Returns the clean element as UTF-8 text, or null when the
 * element must be dropped (".", "..", nothing but separators, or nothing but dots and spaces).
 */
export function sanitizePathElement(element: Uint8Array): string | null {
  const clean = sanitizeBytes(element);
  return clean === null ? null : windowsSafeElement(clean);
}

/**
 * A name that stands alone, with no folder before it: a single-file torrent's file, the
 * torrent's own name. As {@link sanitizePathElement}, but a name that only the Windows trim
 * empties ("...", " ", ". .") becomes "_" rather than nothing: libtorrent keeps such a name
 * (its Windows build ends up with "_", `if (path.empty()) path = "_"`), so refusing the
 * torrent would refuse what libtorrent loads. Null only for what libtorrent drops too
 * (".", "..", nothing but separators).
 */
export function sanitizeFileName(element: Uint8Array): string | null {
  const clean = sanitizeBytes(element);
  return clean === null ? null : (windowsSafeElement(clean) ?? '_');
}

/**
 * Whether every byte of `element` is printable ASCII that sanitizing keeps as it is, and it is
 * shorter than the length where sanitizing cuts: then the element is its own clean form.
 */
function isPlainAscii(element: Uint8Array): boolean {
  if (element.length >= MAX_ELEMENT_BYTES) return false;
  for (let i = 0; i < element.length; i++) {
    const b = element[i] as number;
    if (b < 0x20 || b >= 0x7f || b === 0x2f || b === 0x5c || isWindowsInvalidChar(b)) return false;
  }
  return true;
}

/** libtorrent's (non-Windows) sanitizing of one element; null when it is dropped. */
function sanitizeBytes(element: Uint8Array): string | null {
  if (element.length === 0) return '_';
  if (element.length === 1 && element[0] === DOT) return null;
  // Nearly every name: no code point to decode, nothing to replace, no array of bytes to build
  // (a torrent of 300,000 files sanitizes ~700,000 elements).
  if (isPlainAscii(element)) {
    const text = Buffer.from(element.buffer, element.byteOffset, element.byteLength).toString('latin1');
    return text === '..' ? null : text;
  }

  const out: number[] = [];
  let added = 0;
  let dots = 0;
  let foundExtension = false;

  for (let i = 0; i < element.length; ) {
    const [cp, seqLen] = parseUtf8CodePoint(element, i);
    let next = i + seqLen;
    if (cp >= 0 && isFilteredChar(cp)) {
      i = next;
      continue;
    }
    if (cp < 0 || !isValidPathChar(cp)) {
      out.push(UNDERSCORE);
      added++;
      i = next;
      continue;
    }
    for (let k = i; k < next; k++) out.push(element[k] as number);
    if (cp === DOT) dots++;
    added += seqLen;

    // Keep elements under 255 bytes: once past 240, jump to a short extension (a dot in
    // the last 10 bytes) if there is one, otherwise stop here.
    if (added >= MAX_ELEMENT_BYTES && !foundExtension) {
      let dot = -1;
      for (let j = element.length - 1; j > Math.max(element.length - 10, i); j--) {
        if (element[j] === DOT) {
          dot = j;
          break;
        }
      }
      if (dot === -1) break;
      foundExtension = true;
      next = dot;
    }
    i = next;
  }

  // Nothing but one or two dots left (".", "..", "/..", "\\." …): drop the element.
  if (added === dots && added <= 2) return null;
  return Buffer.from(out).toString('utf8');
}

/** Sanitizes a list of path elements; dropped elements vanish (the caller decides what an empty result means). */
export function sanitizePathElements(elements: readonly Uint8Array[]): string[] {
  const parts: string[] = [];
  for (const e of elements) {
    const clean = sanitizePathElement(e);
    if (clean !== null) parts.push(clean);
  }
  return parts;
}

/** Text from a .torrent (comment, created by): invalid UTF-8 sequences become "_", like libtorrent's verify_encoding. */
export function sanitizeText(bytes: Uint8Array): string {
  const out: number[] = [];
  let valid = true;
  for (let i = 0; i < bytes.length; ) {
    const [cp, len] = parseUtf8CodePoint(bytes, i);
    if (cp < 0) {
      valid = false;
      out.push(UNDERSCORE);
    } else {
      for (let k = i; k < i + len; k++) out.push(bytes[k] as number);
    }
    i += len;
  }
  if (valid) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return Buffer.from(out).toString('utf8');
}
