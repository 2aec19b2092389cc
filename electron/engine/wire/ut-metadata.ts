import { BencodeError, decodePrefix, encode, getInt, isDict } from '../bencode/index.js';

/** BEP 9 metadata exchange: the info dictionary travels in 16 KiB pieces. */
export const METADATA_PIECE_SIZE = 16 * 1024;

export type MetadataMessage =
  | { type: 'request'; piece: number }
  | { type: 'data'; piece: number; totalSize: number; data: Buffer }
  | { type: 'reject'; piece: number };

export function encodeMetadataRequest(piece: number): Buffer {
  return encode({ msg_type: 0, piece });
}

export function encodeMetadataReject(piece: number): Buffer {
  return encode({ msg_type: 2, piece });
}

/** A data message: the bencoded header followed by the raw piece bytes. */
export function encodeMetadataData(piece: number, totalSize: number, data: Uint8Array): Buffer {
  return Buffer.concat([encode({ msg_type: 1, piece, total_size: totalSize }), data]);
}

/** Parses a ut_metadata payload; a reason string when it is malformed. */
export function decodeMetadataMessage(payload: Buffer): MetadataMessage | string {
  let decoded;
  try {
    decoded = decodePrefix(payload, { maxDepth: 4, maxTokens: 64 });
  } catch (err) {
    return err instanceof BencodeError ? err.message : 'undecodable';
  }
  const head = decoded.value;
  if (!isDict(head)) return 'not a dictionary';
  const type = getInt(head, 'msg_type');
  const piece = getInt(head, 'piece');
  if (piece === undefined || !Number.isSafeInteger(piece) || piece < 0) return 'missing or bad piece';
  if (type === 0) return { type: 'request', piece };
  if (type === 2) return { type: 'reject', piece };
  if (type === 1) {
    const totalSize = getInt(head, 'total_size');
    if (totalSize === undefined || !Number.isSafeInteger(totalSize) || totalSize <= 0) return 'data without total_size';
    return { type: 'data', piece, totalSize, data: payload.subarray(decoded.end) };
  }
  return `unknown msg_type ${String(type)}`;
}
