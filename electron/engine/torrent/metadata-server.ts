import { encodeMetadataData, encodeMetadataReject, METADATA_PIECE_SIZE } from '../wire/ut-metadata.js';

/**
 * Unsent bytes to a peer under which we still answer a ut_metadata request with its 16 KiB
 * piece (libtorrent's send-buffer watermark plays this part). A peer fetching the metadata
 * normally reads what it asked for and stays far below it.
 */
export const METADATA_SEND_BOUND = 512 * 1024;
/**
 * Unsent bytes under which a request we will not serve still gets a reject (a few dozen bytes).
 * Beyond it the peer reads nothing of what it asked for: further requests get no answer at all,
 * so asking without reading cannot make us queue without end.
 */
export const METADATA_REJECT_BOUND = METADATA_SEND_BOUND + 64 * 1024;

/**
 * The ut_metadata payload answering a request for `piece` (BEP 9): the piece while the peer's
 * backlog allows, a reject when we lack it or the peer is behind, null when nothing should be
 * queued for it. `sendShare` is the peer's part of the session's unsent bytes (send-shares.ts):
 * the bounds above apply within it.
 */
export function metadataReply(info: Buffer | null, piece: number, unsentBytes: number, sendShare = Infinity): Buffer | null {
  const sendBound = Math.min(METADATA_SEND_BOUND, sendShare);
  if (unsentBytes >= sendBound + (METADATA_REJECT_BOUND - METADATA_SEND_BOUND)) return null;
  const start = piece * METADATA_PIECE_SIZE;
  if (!info || start >= info.length || unsentBytes >= sendBound) return encodeMetadataReject(piece);
  return encodeMetadataData(piece, info.length, info.subarray(start, start + METADATA_PIECE_SIZE));
}
