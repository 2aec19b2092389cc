/** Strict bencode: an iterative decoder with libtorrent's limits, and a canonical encoder. */
export { BDict, BencodeError, type BValue, type KeyOrder, type Span } from './types.js';
export {
  decode,
  decodeAt,
  decodePrefix,
  decodePrefixSteps,
  decodeSteps,
  DECODE_CHUNK_TOKENS,
  DEFAULT_DECODE_LIMITS,
  type DecodeOptions,
  type DecodePrefixResult,
} from './decode.js';
export { BTape, NONE } from './tape.js';
export { scan, scanSteps } from './scan.js';
export { findLeadingZero } from './leading-zeros.js';
export { encode, type Encodable, EncodedValue, encodeListSteps } from './encode.js';
export {
  findKeyOrderProblem,
  getBytes,
  getDict,
  getInt,
  getList,
  getString,
  isBytes,
  isDict,
  isInt,
  isList,
  keyToUtf8,
  utf8ToKey,
} from './values.js';
