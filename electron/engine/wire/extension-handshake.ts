import { BencodeError, decode, encode, getBytes, getDict, getInt, isDict, isInt, keyToUtf8 } from '../bencode/index.js';

/** Our local ids for the BEP 10 extensions we speak (the peer uses these ids when it sends to us). */
export const LOCAL_EXTENSIONS = { ut_pex: 1, ut_metadata: 2 } as const;
export type ExtensionName = keyof typeof LOCAL_EXTENSIONS;

/** What we learn from a peer's extension handshake. */
export interface ExtensionHandshake {
  /** The peer's ids for the extensions it supports (0 / absent = not supported). */
  ids: Map<string, number>;
  client: string | null;
  /** How many outstanding requests the peer accepts. */
  reqq: number | null;
  /** The peer's listening port (useful for incoming peers, whose source port is ephemeral). */
  listenPort: number | null;
  metadataSize: number | null;
  /** BEP 21: the peer only uploads (a seed or partial seed). */
  uploadOnly: boolean;
}

/** Largest extension handshake we parse: real ones are a few hundred bytes. */
const MAX_HANDSHAKE_BYTES = 64 * 1024;
/**
 * What we keep of one, which lives as long as the connection: extension ids (besides the ones
 * we speak, always kept) and client name characters. Real handshakes list a dozen extensions
 * and a short name; a 64 KiB one listing thousands would otherwise hold ~350 KB per peer, for
 * every peer of the swarm.
 */
export const MAX_KEPT_EXTENSION_IDS = 64;
export const MAX_CLIENT_NAME_LENGTH = 128;

export interface OurExtensionHandshake {
  listenPort: number;
  client: string;
  reqq: number;
  metadataSize?: number;
  uploadOnly?: boolean;
  /** Advertise ut_pex (not for private torrents, BEP 27). */
  pex?: boolean;
}

export function encodeExtensionHandshake(ours: OurExtensionHandshake): Buffer {
  return encode({
    m: { ut_metadata: LOCAL_EXTENSIONS.ut_metadata, ut_pex: ours.pex === false ? undefined : LOCAL_EXTENSIONS.ut_pex },
    p: ours.listenPort,
    v: ours.client,
    reqq: ours.reqq,
    metadata_size: ours.metadataSize,
    upload_only: ours.uploadOnly ? 1 : undefined,
  });
}

/** Parses a peer's extension handshake; returns a reason string when it is not usable. */
export function decodeExtensionHandshake(payload: Uint8Array): ExtensionHandshake | string {
  if (payload.length > MAX_HANDSHAKE_BYTES) return `${payload.length} bytes is too large`;
  let root;
  try {
    root = decode(payload, { maxDepth: 8, maxTokens: 10_000 });
  } catch (err) {
    return err instanceof BencodeError ? err.message : 'undecodable';
  }
  if (!isDict(root)) return 'not a dictionary';
  const ids = new Map<string, number>();
  const m = getDict(root, 'm');
  if (m) {
    for (const [key, value] of m) {
      if (!isInt(value) || Number(value) <= 0 || Number(value) >= 256) continue;
      const name = keyToUtf8(key);
      if (ids.size < MAX_KEPT_EXTENSION_IDS || Object.hasOwn(LOCAL_EXTENSIONS, name)) ids.set(name, Number(value));
    }
  }
  const reqq = getInt(root, 'reqq');
  const port = getInt(root, 'p');
  const size = getInt(root, 'metadata_size');
  const v = getBytes(root, 'v');
  return {
    ids,
    client: v ? v.subarray(0, 4 * MAX_CLIENT_NAME_LENGTH).toString('utf8').slice(0, MAX_CLIENT_NAME_LENGTH) : null,
    reqq: reqq !== undefined && reqq > 0 ? Math.min(reqq, 10_000) : null,
    listenPort: port !== undefined && port > 0 && port < 65536 ? port : null,
    metadataSize: size !== undefined && size > 0 ? size : null,
    uploadOnly: getInt(root, 'upload_only') === 1,
  };
}
