/** Peer wire message ids: BEP 3 core, BEP 5 port, BEP 6 fast extension, BEP 10 extended, BEP 52 hashes. */
export const MessageId = {
  Choke: 0,
  Unchoke: 1,
  Interested: 2,
  NotInterested: 3,
  Have: 4,
  Bitfield: 5,
  Request: 6,
  Piece: 7,
  Cancel: 8,
  Port: 9,
  Suggest: 0x0d,
  HaveAll: 0x0e,
  HaveNone: 0x0f,
  RejectRequest: 0x10,
  AllowedFast: 0x11,
  Extended: 20,
  HashRequest: 21,
  Hashes: 22,
  HashReject: 23,
} as const;

/** Largest frame we accept. A 16 KiB block is 16 KiB + 13; bitfields of 2^21 pieces are 256 KiB. */
export const MAX_FRAME_LENGTH = 1024 * 1024;
/** Standard block size; requests larger than this are refused (as libtorrent does). */
export const BLOCK_SIZE = 16 * 1024;
