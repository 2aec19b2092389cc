import { MAX_FRAME_LENGTH, MessageId } from './message-ids.js';
import { MAX_HASHES_ANSWER_PAYLOAD } from './hash-messages.js';

const M = MessageId;

/** Names for close reasons and logs. */
export const MESSAGE_NAMES: Readonly<Record<number, string>> = {
  [M.Choke]: 'choke',
  [M.Unchoke]: 'unchoke',
  [M.Interested]: 'interested',
  [M.NotInterested]: 'not interested',
  [M.Have]: 'have',
  [M.Bitfield]: 'bitfield',
  [M.Request]: 'request',
  [M.Piece]: 'piece',
  [M.Cancel]: 'cancel',
  [M.Port]: 'port',
  [M.Suggest]: 'suggest',
  [M.HaveAll]: 'have all',
  [M.HaveNone]: 'have none',
  [M.RejectRequest]: 'reject',
  [M.AllowedFast]: 'allowed fast',
  [M.Extended]: 'extended',
  [M.HashRequest]: 'hash request',
  [M.Hashes]: 'hashes',
  [M.HashReject]: 'hash reject',
};

/**
 * The payload length each message must have (Transmission's is_message_length_correct()).
 * Missing: no fixed length — a bitfield's depends on the piece count (checked where the
 * count is known), a piece is framed apart, an extended message needs at least its id byte,
 * unknown ids are ignored.
 */
const FIXED_PAYLOAD: ReadonlyMap<number, number> = new Map([
  [M.Choke, 0],
  [M.Unchoke, 0],
  [M.Interested, 0],
  [M.NotInterested, 0],
  [M.Have, 4],
  [M.Request, 12],
  [M.Cancel, 12],
  [M.Port, 2],
  [M.Suggest, 4],
  [M.HaveAll, 0],
  [M.HaveNone, 0],
  [M.RejectRequest, 12],
  [M.AllowedFast, 4],
  [M.HashRequest, 48],
  [M.HashReject, 48],
]);

/** Messages of BEP 6: only a peer that announced the fast extension may send them. */
export const FAST_EXTENSION_MESSAGES: ReadonlySet<number> = new Set([M.Suggest, M.HaveAll, M.HaveNone, M.RejectRequest, M.AllowedFast]);

/** Null when a message with this id may carry `length` bytes of payload, else why not. */
export function payloadLengthError(id: number, length: number): string | null {
  const fixed = FIXED_PAYLOAD.get(id);
  if (fixed !== undefined && length !== fixed) return `malformed ${MESSAGE_NAMES[id]}: a ${length}-byte payload, not ${fixed}`;
  if (id === M.Extended && length < 1) return 'empty extended message';
  if (id === M.Hashes && (length < 48 || (length - 48) % 32 !== 0)) return `malformed hashes: a ${length}-byte payload`;
  return null;
}

/** Largest bitfield of a torrent whose piece count is not known yet (a magnet): 2^21 pieces. */
const MAX_UNKNOWN_BITFIELD = 256 * 1024;
/**
 * Largest extended (BEP 10) payload we take: an extension handshake is parsed up to 64 KiB
 * (extension-handshake.ts), a ut_metadata piece is 16 KiB plus a small dictionary, a PEX
 * message a few KiB.
 */
const MAX_EXTENDED_PAYLOAD = 64 * 1024 + 1024;

/**
 * The most payload bytes a message with this id can legitimately carry, for a torrent of
 * `pieceCount` pieces (0 = not known yet): a longer length prefix is refused before any byte of
 * the payload is buffered, so a peer cannot make us reserve the largest frame (1 MiB) for a
 * message it then trickles or never finishes. Unknown ids (newer extensions) are skipped as
 * they arrive, whatever their length (`'skip'`).
 */
export function payloadLimit(id: number, pieceCount: number): number | 'skip' {
  const fixed = FIXED_PAYLOAD.get(id);
  if (fixed !== undefined) return fixed;
  switch (id) {
    case M.Bitfield: return pieceCount > 0 ? Math.ceil(pieceCount / 8) : MAX_UNKNOWN_BITFIELD;
    case M.Extended: return MAX_EXTENDED_PAYLOAD;
    // We never ask for more (v2-hashes.ts); a longer answer could only be refused once whole.
    case M.Hashes: return MAX_HASHES_ANSWER_PAYLOAD;
    case M.Piece: return MAX_FRAME_LENGTH - 1;
    default: return 'skip';
  }
}
