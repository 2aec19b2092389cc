/**
 * Issue 11 (peak memory flat in torrent size): the info dictionary a torrent keeps for its life
 * (piece hashes, metadata it serves) is a view of the caller's bytes when they never change
 * (`unchanging`, the CLI's .torrent read for the parse alone) instead of a second copy of
 * nearly the whole file: 5 MiB more at once while a torrent of 262,144 pieces was added.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encode } from '../bencode/index.js';
import { OUTSIDE_INFO_VIEW_BYTES, parseTorrent, parseTorrentAsync } from './parse.js';
import { torrentBytes, v1Info } from './test-torrents.js';

const PIECES = 4096;

/** A .torrent of PIECES random piece hashes, with `comment` outside the info dictionary. */
function torrentFile(comment = ''): { bytes: Buffer; info: Buffer; hashes: Buffer } {
  const hashes = randomBytes(PIECES * 20);
  const info = v1Info({ length: PIECES * 16384, pieces: hashes });
  // Its own ArrayBuffer, as a .torrent read from a file has (not a slice of a shared pool).
  const encoded = torrentBytes(info, { announce: 'http://127.0.0.1:1/announce', ...(comment ? { comment } : {}) });
  const bytes = Buffer.alloc(encoded.length, encoded);
  return { bytes, info: encode(info), hashes };
}

describe('the info dictionary of unchanging .torrent bytes', () => {
  it('is a view of them, not a copy, when little else is in the file', async () => {
    const { bytes, info, hashes } = torrentFile();
    const meta = await parseTorrentAsync(bytes, { unchanging: true });
    expect(meta.infoBytes.buffer).toBe(bytes.buffer);
    expect(meta.pieceHashes.buffer).toBe(bytes.buffer);
    expect(meta.infoBytes.equals(info)).toBe(true);
    expect(meta.pieceHashes.equals(hashes)).toBe(true);
    expect(meta.infoHash.equals(createHash('sha1').update(info).digest())).toBe(true);
    // The synchronous parse likewise.
    expect(parseTorrent(bytes, { unchanging: true }).infoBytes.buffer).toBe(bytes.buffer);
  });

  it('is a copy when more than OUTSIDE_INFO_VIEW_BYTES outside it would be kept alive with it', async () => {
    const { bytes, info } = torrentFile('x'.repeat(OUTSIDE_INFO_VIEW_BYTES + 1));
    const meta = await parseTorrentAsync(bytes, { unchanging: true });
    expect(meta.infoBytes.buffer).not.toBe(bytes.buffer);
    expect(meta.infoBytes.equals(info)).toBe(true);
  });

  it('is a copy when the caller may change its bytes', async () => {
    const { bytes, info } = torrentFile();
    const meta = await parseTorrentAsync(bytes);
    expect(meta.infoBytes.buffer).not.toBe(bytes.buffer);
    expect(parseTorrent(bytes).pieceHashes.buffer).not.toBe(bytes.buffer);
    bytes.fill(0);
    expect(meta.infoBytes.equals(info)).toBe(true);
  });
});
