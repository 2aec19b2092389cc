/**
 * Base64 (RFC 4648, standard alphabet, padded) for byte arrays that cross the contract:
 * .torrent file bytes, piece-state and availability arrays. Pure: no Buffer, no atob.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    let s = '';
    let i = start;
    for (; i + 2 < end; i += 3) {
      const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
      s += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
    }
    const rest = end - i;
    if (rest === 1) {
      const n = (bytes[i] ?? 0) << 16;
      s += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + '==';
    } else if (rest === 2) {
      const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8);
      s += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + '=';
    }
    parts.push(s);
  }
  return parts.join('');
}

/**
 * Whether `text` is standard padded base64. A linear scan: a regular expression over a
 * multi-megabyte string (a .torrent file) overflows V8's regexp stack.
 */
export function isBase64(text: string): boolean {
  if (text.length % 4 !== 0) return false;
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === 61) end--;
  if (end > 0 && text.length - end === 1 && text.charCodeAt(end - 1) === 61) end--;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || (LOOKUP[code] ?? -1) < 0) return false;
  }
  return true;
}

/** Decodes standard padded base64. Throws RangeError on malformed input. */
export function base64ToBytes(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new RangeError('base64 length is not a multiple of 4');
  let pad = 0;
  if (text.endsWith('==')) pad = 2;
  else if (text.endsWith('=')) pad = 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = text.charCodeAt(i + 2) === 61 && i + 4 === text.length ? 0 : sextet(text, i + 2);
    const d = text.charCodeAt(i + 3) === 61 && i + 4 === text.length ? 0 : sextet(text, i + 3);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    if (o < out.length) out[o++] = n >>> 16;
    if (o < out.length) out[o++] = (n >>> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

function sextet(text: string, i: number): number {
  const code = text.charCodeAt(i);
  const v = code < 128 ? (LOOKUP[code] ?? -1) : -1;
  if (v < 0) throw new RangeError(`invalid base64 character at ${i}`);
  return v;
}
