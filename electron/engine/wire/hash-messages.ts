/**
 * BEP 52 hash messages: hash request (21), hashes (22), hash reject (23). A request names a
 * file by its 'pieces root', a layer of its merkle tree (`baseLayer`, 0 = the 16 KiB block
 * hashes), a run of `length` hashes of that layer from `index`, and how many layers of
 * uncle hashes (`proofLayers`) should follow so the run can be checked against the root.
 */
import { MessageId } from './message-ids.js';

export interface HashRequest {
  root: Buffer;
  baseLayer: number;
  index: number;
  length: number;
  proofLayers: number;
}

export interface Hashes extends HashRequest {
  /** `length` base-layer hashes, then the uncle hashes, 32 bytes each. */
  hashes: Buffer;
}

/** root(32) base(4) index(4) length(4) proof layers(4). */
export const HASH_REQUEST_PAYLOAD = 48;
/** libtorrent refuses requests for more than 8192 hashes; so do we. */
export const MAX_HASHES_PER_REQUEST = 8192;
/** The most hashes a hashes message may carry: a full request plus uncles up a 2^48 tree. */
export const MAX_HASHES_IN_MESSAGE = MAX_HASHES_PER_REQUEST + 64;
/** Hashes we ask for in one request (libtorrent asks 512 at a time too). */
export const HASHES_ASKED_AT_ONCE = 512;
/** The longest hashes payload an answer to one of our requests can have: its hashes and uncles up a 2^48 tree. */
export const MAX_HASHES_ANSWER_PAYLOAD = HASH_REQUEST_PAYLOAD + 32 * (HASHES_ASKED_AT_ONCE + 64);

function frame(id: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out.writeUInt32BE(1 + payload.length, 0);
  out[4] = id;
  payload.copy(out, 5);
  return out;
}

function header(r: HashRequest, extra = 0): Buffer {
  const b = Buffer.alloc(HASH_REQUEST_PAYLOAD + extra);
  r.root.copy(b, 0, 0, 32);
  b.writeUInt32BE(r.baseLayer, 32);
  b.writeUInt32BE(r.index, 36);
  b.writeUInt32BE(r.length, 40);
  b.writeUInt32BE(r.proofLayers, 44);
  return b;
}

export function encodeHashRequest(r: HashRequest): Buffer {
  return frame(MessageId.HashRequest, header(r));
}

export function encodeHashReject(r: HashRequest): Buffer {
  return frame(MessageId.HashReject, header(r));
}

export function encodeHashes(h: Hashes): Buffer {
  const b = header(h, h.hashes.length);
  h.hashes.copy(b, HASH_REQUEST_PAYLOAD);
  return frame(MessageId.Hashes, b);
}

function readHeader(payload: Buffer): HashRequest {
  return {
    root: Buffer.from(payload.subarray(0, 32)),
    baseLayer: payload.readUInt32BE(32),
    index: payload.readUInt32BE(36),
    length: payload.readUInt32BE(40),
    proofLayers: payload.readUInt32BE(44),
  };
}

/** A hash request or reject payload, or a reason it is malformed. */
export function decodeHashRequest(payload: Buffer): HashRequest | string {
  if (payload.length !== HASH_REQUEST_PAYLOAD) return `malformed hash request: ${payload.length} bytes, not ${HASH_REQUEST_PAYLOAD}`;
  return readHeader(payload);
}

/** A hashes payload, or a reason it is malformed. */
export function decodeHashes(payload: Buffer): Hashes | string {
  if (payload.length < HASH_REQUEST_PAYLOAD) return `malformed hashes: ${payload.length} bytes`;
  const body = payload.length - HASH_REQUEST_PAYLOAD;
  if (body % 32 !== 0) return 'malformed hashes: not a whole number of 32-byte hashes';
  if (body / 32 > MAX_HASHES_IN_MESSAGE) return `hashes: ${body / 32} hashes in one message`;
  return { ...readHeader(payload), hashes: Buffer.from(payload.subarray(HASH_REQUEST_PAYLOAD)) };
}
