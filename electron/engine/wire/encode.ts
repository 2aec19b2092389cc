import type { ReadonlyBitfield } from '../util/bitfield.js';
import { MessageId } from './message-ids.js';

/** Encoders for outgoing peer wire messages. Each returns one complete frame. */

const KEEP_ALIVE = Buffer.alloc(4);

function header(length: number, id: number): Buffer {
  const out = Buffer.allocUnsafe(4 + length);
  out.writeUInt32BE(length, 0);
  out[4] = id;
  return out;
}

function bare(id: number): Buffer {
  return header(1, id);
}

export const keepAlive = (): Buffer => KEEP_ALIVE;
export const choke = (): Buffer => bare(MessageId.Choke);
export const unchoke = (): Buffer => bare(MessageId.Unchoke);
export const interested = (): Buffer => bare(MessageId.Interested);
export const notInterested = (): Buffer => bare(MessageId.NotInterested);
export const haveAll = (): Buffer => bare(MessageId.HaveAll);
export const haveNone = (): Buffer => bare(MessageId.HaveNone);

function withIndex(id: number, index: number): Buffer {
  const out = header(5, id);
  out.writeUInt32BE(index, 5);
  return out;
}

export const have = (index: number): Buffer => withIndex(MessageId.Have, index);
export const suggest = (index: number): Buffer => withIndex(MessageId.Suggest, index);
export const allowedFast = (index: number): Buffer => withIndex(MessageId.AllowedFast, index);

/** Bytes of one have frame. */
const HAVE_FRAME_BYTES = 9;

function writeHave(out: Buffer, at: number, index: number): void {
  out.writeUInt32BE(5, at);
  out[at + 4] = MessageId.Have;
  out.writeUInt32BE(index, at + 5);
}

/**
 * A have frame for every piece set in `have`, back to back in one buffer: what we hold, told to
 * a peer after the opening (a bitfield may only be its first message, BEP 3).
 */
export function haves(have: ReadonlyBitfield): Buffer {
  const out = Buffer.allocUnsafe(HAVE_FRAME_BYTES * have.count);
  let at = 0;
  for (let index = 0; index < have.length && at < out.length; index++) {
    if (!have.has(index)) continue;
    writeHave(out, at, index);
    at += HAVE_FRAME_BYTES;
  }
  return out;
}

/** A have frame for each of `indices`, in that order, back to back in one buffer (one write per peer). */
export function haveList(indices: ArrayLike<number>): Buffer {
  const out = Buffer.allocUnsafe(HAVE_FRAME_BYTES * indices.length);
  for (let i = 0; i < indices.length; i++) writeHave(out, i * HAVE_FRAME_BYTES, indices[i]!);
  return out;
}

export function bitfield(bits: Uint8Array): Buffer {
  const out = header(1 + bits.length, MessageId.Bitfield);
  out.set(bits, 5);
  return out;
}

function blockRef(id: number, index: number, begin: number, length: number): Buffer {
  const out = header(13, id);
  out.writeUInt32BE(index, 5);
  out.writeUInt32BE(begin, 9);
  out.writeUInt32BE(length, 13);
  return out;
}

export const request = (index: number, begin: number, length: number): Buffer => blockRef(MessageId.Request, index, begin, length);
export const cancel = (index: number, begin: number, length: number): Buffer => blockRef(MessageId.Cancel, index, begin, length);
export const rejectRequest = (index: number, begin: number, length: number): Buffer =>
  blockRef(MessageId.RejectRequest, index, begin, length);

/** Bytes of one request frame. */
export const REQUEST_FRAME_BYTES = 17;

/** Writes one request frame at `at` of `out` (for callers that build a batch without an array of tuples). */
export function writeRequest(out: Buffer, at: number, index: number, begin: number, length: number): void {
  out.writeUInt32BE(13, at);
  out[at + 4] = MessageId.Request;
  out.writeUInt32BE(index, at + 5);
  out.writeUInt32BE(begin, at + 9);
  out.writeUInt32BE(length, at + 13);
}

/** Request frames back to back in one buffer (one socket write for a whole batch). */
export function requestBatch(refs: ReadonlyArray<readonly [number, number, number]>): Buffer {
  const out = Buffer.allocUnsafe(REQUEST_FRAME_BYTES * refs.length);
  for (let i = 0; i < refs.length; i++) {
    const [index, begin, length] = refs[i]!;
    writeRequest(out, i * REQUEST_FRAME_BYTES, index, begin, length);
  }
  return out;
}

/** The 13-byte header of a piece message; the block bytes follow in a separate write (no copy). */
export function pieceHeader(index: number, begin: number, blockLength: number): Buffer {
  const out = Buffer.allocUnsafe(13);
  out.writeUInt32BE(9 + blockLength, 0);
  out[4] = MessageId.Piece;
  out.writeUInt32BE(index, 5);
  out.writeUInt32BE(begin, 9);
  return out;
}

export function port(listenPort: number): Buffer {
  const out = header(3, MessageId.Port);
  out.writeUInt16BE(listenPort, 5);
  return out;
}

export function extended(extendedId: number, payload: Uint8Array): Buffer {
  const out = header(2 + payload.length, MessageId.Extended);
  out[5] = extendedId;
  out.set(payload, 6);
  return out;
}
