/**
 * What a torrent we create may hold so that clients can load it: libtorrent's default
 * load_torrent_limits (10,000,000 bytes — "metadata too large" beyond — and 3,000,000 bencoded
 * tokens), which Tessera's parser applies too (bencode DEFAULT_DECODE_LIMITS). `tessera create
 * /usr` (120,000 files) used to hash for a minute and write a 33 MB torrent that neither
 * libtorrent nor Tessera itself would load. A folder walk now stops as soon as its files
 * could not fit, and the whole torrent is sized (hashes as zeros) before any hashing.
 */
import { DEFAULT_DECODE_LIMITS, EncodedValue, type Encodable } from '../bencode/index.js';

export const MAX_LOADABLE_TORRENT_BYTES = DEFAULT_DECODE_LIMITS.maxSize;
export const MAX_LOADABLE_TOKENS = DEFAULT_DECODE_LIMITS.maxTokens;
/**
 * A v1 file entry takes at least 8 tokens (`d 6:length i…e 4:path l 1:a e e`), so no loadable
 * torrent lists more files than this: the walk stops here whatever their names.
 */
export const MAX_LOADABLE_FILES = Math.floor(MAX_LOADABLE_TOKENS / 8);

/** Thrown when the files chosen would make a torrent clients refuse to load. */
export class TooLargeToLoadError extends Error {
  constructor(what: string) {
    super(`${what}: clients (libtorrent, Tessera) load torrents of at most ${MAX_LOADABLE_TORRENT_BYTES} bytes and ${MAX_LOADABLE_TOKENS} bencoded values; share a smaller folder or several torrents`);
    this.name = 'TooLargeToLoadError';
  }
}

/** Bencoded values in `value` as a decoder counts them (each value, plus each list's and dictionary's end) and its encoded bytes. */
export function bencodeSize(value: Encodable): { tokens: number; bytes: number } {
  const size = { tokens: 0, bytes: 0 };
  measure(value, size);
  return size;
}

/** The size of a string of `n` bytes: `<n>:` and the bytes. */
function stringBytes(n: number): number {
  return String(n).length + 1 + n;
}

// Counted without encoding: the zeros standing for piece layers can be tens of MiB.
function measure(value: Encodable, size: { tokens: number; bytes: number }): void {
  size.tokens++;
  if (typeof value === 'number' || typeof value === 'bigint') size.bytes += String(value).length + 2;
  else if (typeof value === 'string') size.bytes += stringBytes(Buffer.byteLength(value, 'utf8'));
  else if (value instanceof Uint8Array) size.bytes += stringBytes(value.byteLength);
  else if (value instanceof EncodedValue) throw new Error('cannot count the values of pre-encoded bytes');
  else {
    size.tokens++;
    size.bytes += 2;
    if (Array.isArray(value)) {
      for (const item of value as readonly Encodable[]) measure(item, size);
    } else if (value instanceof Map) {
      // Map keys are raw bytes as latin1 strings (encode.ts).
      for (const [key, item] of value as ReadonlyMap<string, Encodable>) {
        size.tokens++;
        size.bytes += stringBytes(key.length);
        measure(item, size);
      }
    } else {
      for (const [key, item] of Object.entries(value as Record<string, Encodable | undefined>)) {
        if (item === undefined) continue;
        size.tokens++;
        size.bytes += stringBytes(Buffer.byteLength(key, 'utf8'));
        measure(item, size);
      }
    }
  }
}

/** Throws TooLargeToLoadError when `torrent` (its hashes may be zeros of the right length) would not load. */
export function checkLoadable(torrent: Encodable): void {
  const { tokens, bytes } = bencodeSize(torrent);
  if (bytes > MAX_LOADABLE_TORRENT_BYTES) throw new TooLargeToLoadError(`this torrent would be ${bytes} bytes`);
  if (tokens > MAX_LOADABLE_TOKENS) throw new TooLargeToLoadError(`this torrent would hold ${tokens} bencoded values`);
}
