/**
 * KRPC (BEP 5) message codec: bencoded dictionaries over UDP. Decoding is strict and total:
 * `decodeMessage` returns either a typed message or a reason, and never throws — packets
 * come from anyone on the network.
 */
import type { PeerAddress } from '../api.js';
import { decodeBencode, encodeBencode, type KDict, type KValue } from './bencode-port.js';
import {
  decodeCompactNodes,
  decodeCompactPeer,
  encodeCompactNodes,
  encodeCompactPeer,
  type NodeInfo,
} from './compact.js';
import { ID_LENGTH } from './ids.js';

export const enum KrpcErrorCode {
  Generic = 201,
  Server = 202,
  Protocol = 203,
  MethodUnknown = 204,
}

export type QueryMethod = 'ping' | 'find_node' | 'get_peers' | 'announce_peer';

interface QueryCommon {
  type: 'query';
  /** Transaction id, echoed in the reply. */
  t: Uint8Array;
  /** Querying node's id. */
  id: Uint8Array;
  /** BEP 43 read-only node: answer it, but never put it in the routing table. */
  readOnly: boolean;
  /** BEP 32 `want` list (e.g. ['n4', 'n6']); empty when absent. */
  want: string[];
}

export type KrpcQuery = QueryCommon &
  (
    | { method: 'ping' }
    | { method: 'find_node'; target: Uint8Array }
    | { method: 'get_peers'; infoHash: Uint8Array }
    | { method: 'announce_peer'; infoHash: Uint8Array; port: number; token: Uint8Array; impliedPort: boolean }
    | { method: 'unknown'; name: string }
  );

export interface KrpcResponse {
  type: 'response';
  t: Uint8Array;
  id: Uint8Array;
  /** Compact IPv4 nodes (`nodes`); empty when absent. */
  nodes: NodeInfo[];
  /** Compact IPv6 nodes (`nodes6`); empty when absent. */
  nodes6: NodeInfo[];
  /** get_peers `values`; empty when absent. */
  values: PeerAddress[];
  token: Uint8Array | null;
  /** BEP 42 `ip`: our address as the responder sees it. */
  ip: PeerAddress | null;
}

export interface KrpcError {
  type: 'error';
  t: Uint8Array;
  code: number;
  message: string;
}

export type KrpcMessage = KrpcQuery | KrpcResponse | KrpcError;

export type DecodeResult = { ok: true; message: KrpcMessage } | { ok: false; reason: string };

const MAX_TRANSACTION_ID = 32;
const MAX_TOKEN = 64;
const MAX_VALUES = 512;
const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
const utf8 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
const ascii = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

class Invalid extends Error {}

function fail(reason: string): never {
  throw new Invalid(reason);
}

function isDict(value: KValue | undefined): value is KDict {
  return value instanceof Map;
}

function bytesField(dict: KDict, key: string, length?: number, maxLength?: number): Uint8Array {
  const value = dict.get(key);
  if (!(value instanceof Uint8Array)) fail(`'${key}' is not a byte string`);
  if (length !== undefined && value.length !== length) fail(`'${key}' has ${value.length} bytes, expected ${length}`);
  if (maxLength !== undefined && value.length > maxLength) fail(`'${key}' is too long (${value.length} bytes)`);
  return new Uint8Array(value); // a copy: ids and tokens outlive the datagram
}

function optionalBytes(dict: KDict, key: string, maxLength: number): Uint8Array | null {
  return dict.has(key) ? bytesField(dict, key, undefined, maxLength) : null;
}

function intField(dict: KDict, key: string): number {
  const value = dict.get(key);
  if (typeof value !== 'number') fail(`'${key}' is not an integer`);
  return value;
}

/** Decodes and validates one datagram. Never throws. */
export function decodeMessage(packet: Uint8Array): DecodeResult {
  let root: KValue;
  try {
    root = decodeBencode(packet);
  } catch (error) {
    return { ok: false, reason: `not bencode: ${error instanceof Error ? error.message : String(error)}` };
  }
  try {
    return { ok: true, message: parseMessage(root) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, reason: error.message };
    return { ok: false, reason: `invalid message: ${String(error)}` };
  }
}

function parseMessage(root: KValue): KrpcMessage {
  if (!isDict(root)) fail('message is not a dictionary');
  const t = bytesField(root, 't', undefined, MAX_TRANSACTION_ID);
  const y = latin1(bytesField(root, 'y', undefined, 1));
  switch (y) {
    case 'q':
      return parseQuery(root, t);
    case 'r':
      return parseResponse(root, t);
    case 'e':
      return parseError(root, t);
    default:
      return fail(`unknown message type '${y}'`);
  }
}

function parseQuery(root: KDict, t: Uint8Array): KrpcQuery {
  const name = latin1(bytesField(root, 'q', undefined, 64));
  const args = root.get('a');
  if (!isDict(args)) fail("query without an 'a' dictionary");
  const id = bytesField(args, 'id', ID_LENGTH);
  const readOnly = root.has('ro') ? intField(root, 'ro') === 1 : false;
  const wantValue = args.get('want');
  const want: string[] = [];
  if (Array.isArray(wantValue)) {
    for (const item of wantValue) if (item instanceof Uint8Array && item.length <= 8) want.push(latin1(item));
  }
  const common: QueryCommon = { type: 'query', t, id, readOnly, want };
  switch (name) {
    case 'ping':
      return { ...common, method: 'ping' };
    case 'find_node':
      return { ...common, method: 'find_node', target: bytesField(args, 'target', ID_LENGTH) };
    case 'get_peers':
      return { ...common, method: 'get_peers', infoHash: bytesField(args, 'info_hash', ID_LENGTH) };
    case 'announce_peer': {
      const infoHash = bytesField(args, 'info_hash', ID_LENGTH);
      const impliedPort = args.has('implied_port') ? intField(args, 'implied_port') === 1 : false;
      const port = args.has('port') ? intField(args, 'port') : 0;
      if (!impliedPort && (port < 1 || port > 0xffff)) fail(`announce_peer port ${port} out of range`);
      const token = bytesField(args, 'token', undefined, MAX_TOKEN);
      return { ...common, method: 'announce_peer', infoHash, port, token, impliedPort };
    }
    default:
      return { ...common, method: 'unknown', name };
  }
}

function parseResponse(root: KDict, t: Uint8Array): KrpcResponse {
  const r = root.get('r');
  if (!isDict(r)) fail("response without an 'r' dictionary");
  const id = bytesField(r, 'id', ID_LENGTH);
  let nodes: NodeInfo[] = [];
  if (r.has('nodes')) {
    const decoded = decodeCompactNodes(bytesField(r, 'nodes'), 4);
    if (!decoded) fail("'nodes' length is not a multiple of 26");
    nodes = decoded.filter((node) => node.port !== 0);
  }
  let nodes6: NodeInfo[] = [];
  if (r.has('nodes6')) {
    const decoded = decodeCompactNodes(bytesField(r, 'nodes6'), 6);
    if (!decoded) fail("'nodes6' length is not a multiple of 38");
    nodes6 = decoded.filter((node) => node.port !== 0);
  }
  const values: PeerAddress[] = [];
  if (r.has('values')) {
    const list = r.get('values');
    if (!Array.isArray(list)) fail("'values' is not a list");
    if (list.length > MAX_VALUES) fail(`'values' has ${list.length} entries`);
    for (const item of list) {
      if (!(item instanceof Uint8Array)) fail("'values' entry is not a byte string");
      const peer = decodeCompactPeer(item);
      if (!peer) fail(`'values' entry has ${item.length} bytes`);
      if (peer.port !== 0) values.push(peer);
    }
  }
  const token = optionalBytes(r, 'token', MAX_TOKEN);
  let ip: PeerAddress | null = null;
  const ipBytes = root.get('ip');
  if (ipBytes instanceof Uint8Array) ip = decodeCompactPeer(ipBytes);
  return { type: 'response', t, id, nodes, nodes6, values, token, ip };
}

function parseError(root: KDict, t: Uint8Array): KrpcError {
  const e = root.get('e');
  if (!Array.isArray(e) || e.length < 1) fail("error without an 'e' list");
  const [code, message] = e;
  if (typeof code !== 'number') fail('error code is not an integer');
  const text = message instanceof Uint8Array ? utf8(message.subarray(0, 200)) : '';
  return { type: 'error', t, code, message: text };
}

// ---------------------------------------------------------------------------------------------
// Encoding (our own messages)

/** Arguments of an outgoing query, by method. The querying node's id is added by the encoder. */
export type QueryArgs =
  | { method: 'ping' }
  | { method: 'find_node'; target: Uint8Array; want?: string[] }
  | { method: 'get_peers'; infoHash: Uint8Array; want?: string[] }
  | { method: 'announce_peer'; infoHash: Uint8Array; port: number; token: Uint8Array; impliedPort?: boolean };

export interface ResponseBody {
  id: Uint8Array;
  nodes?: readonly NodeInfo[];
  nodes6?: readonly NodeInfo[];
  values?: readonly PeerAddress[];
  token?: Uint8Array;
}

/** Client version sent in `v`: "TS" + major + minor. */
export const CLIENT_VERSION = new Uint8Array([0x54, 0x53, 0, 1]);

export function encodeQuery(t: Uint8Array, id: Uint8Array, query: QueryArgs, readOnly = false): Uint8Array {
  const a: KDict = new Map<string, KValue>([['id', id]]);
  switch (query.method) {
    case 'ping':
      break;
    case 'find_node':
      a.set('target', query.target);
      if (query.want?.length) a.set('want', query.want.map(ascii));
      break;
    case 'get_peers':
      a.set('info_hash', query.infoHash);
      if (query.want?.length) a.set('want', query.want.map(ascii));
      break;
    case 'announce_peer':
      a.set('info_hash', query.infoHash);
      a.set('port', query.port);
      a.set('token', query.token);
      if (query.impliedPort) a.set('implied_port', 1);
      break;
  }
  const message: KDict = new Map<string, KValue>([
    ['t', t],
    ['y', ascii('q')],
    ['q', ascii(query.method)],
    ['a', a],
    ['v', CLIENT_VERSION],
  ]);
  if (readOnly) message.set('ro', 1);
  return encodeBencode(message);
}

/** Encodes a response; `requester` (when an IP literal) goes in BEP 42's `ip` field. */
export function encodeResponse(t: Uint8Array, body: ResponseBody, requester?: PeerAddress): Uint8Array {
  const r: KDict = new Map<string, KValue>([['id', body.id]]);
  if (body.nodes) r.set('nodes', encodeCompactNodes(body.nodes, 4));
  if (body.nodes6) r.set('nodes6', encodeCompactNodes(body.nodes6, 6));
  if (body.token) r.set('token', body.token);
  if (body.values && body.values.length > 0) {
    const values: KValue[] = [];
    for (const peer of body.values) {
      const compact = encodeCompactPeer(peer);
      if (compact) values.push(compact);
    }
    r.set('values', values);
  }
  const message: KDict = new Map<string, KValue>([
    ['t', t],
    ['y', ascii('r')],
    ['r', r],
    ['v', CLIENT_VERSION],
  ]);
  const ip = requester ? encodeCompactPeer(requester) : null;
  if (ip) message.set('ip', ip);
  return encodeBencode(message);
}

export function encodeError(t: Uint8Array, code: number, text: string): Uint8Array {
  return encodeBencode(
    new Map<string, KValue>([
      ['t', t],
      ['y', ascii('e')],
      ['e', [code, new Uint8Array(Buffer.from(text, 'utf8'))]],
      ['v', CLIENT_VERSION],
    ]),
  );
}
