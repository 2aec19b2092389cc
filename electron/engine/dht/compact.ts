/**
 * Compact peer info (BEP 5: 4-byte IPv4 + 2-byte port; BEP 32: 16-byte IPv6 + port) and compact
 * node info (20-byte id + compact peer info: 26 bytes for IPv4, 38 for IPv6).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { PeerAddress } from '../api.js';
import { ID_LENGTH } from './ids.js';

/** A DHT node: its id and its UDP endpoint. */
export interface NodeInfo {
  id: Uint8Array;
  host: string;
  port: number;
}

export const COMPACT_PEER_V4 = 6;
export const COMPACT_PEER_V6 = 18;
export const COMPACT_NODE_V4 = ID_LENGTH + COMPACT_PEER_V4;
export const COMPACT_NODE_V6 = ID_LENGTH + COMPACT_PEER_V6;

export type AddressFamily = 4 | 6;

export function familyOf(host: string): AddressFamily | null {
  if (isIPv4(host)) return 4;
  if (isIPv6(host)) return 6;
  return null;
}

/** Encodes an IPv4/IPv6 literal as 4/16 bytes; null for anything else. */
export function encodeIp(host: string): Uint8Array | null {
  if (isIPv4(host)) {
    const parts = host.split('.').map(Number);
    return new Uint8Array(parts);
  }
  if (isIPv6(host)) {
    // IPv4-mapped (::ffff:1.2.3.4) keeps its dotted tail: expand it first.
    let text = host;
    const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (dotted?.[1]) {
      const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
      text = text.slice(0, -dotted[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
    }
    const [head = '', tail] = text.split('::');
    const headGroups = head === '' ? [] : head.split(':');
    const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
    const missing = 8 - headGroups.length - tailGroups.length;
    const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
    if (groups.length !== 8) return null;
    const out = new Uint8Array(16);
    groups.forEach((group, i) => {
      const value = parseInt(group, 16);
      out[i * 2] = value >> 8;
      out[i * 2 + 1] = value & 0xff;
    });
    return out;
  }
  return null;
}

export function decodeIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 writes it.
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

/** Compact peer info for an IP literal and port; null when the host is not an IP literal. */
export function encodeCompactPeer(peer: PeerAddress): Uint8Array | null {
  const ip = encodeIp(peer.host);
  if (!ip || !Number.isInteger(peer.port) || peer.port < 0 || peer.port > 0xffff) return null;
  const out = new Uint8Array(ip.length + 2);
  out.set(ip, 0);
  out[ip.length] = peer.port >> 8;
  out[ip.length + 1] = peer.port & 0xff;
  return out;
}

/** Decodes one 6- or 18-byte compact peer; null for any other length. */
export function decodeCompactPeer(bytes: Uint8Array): PeerAddress | null {
  if (bytes.length !== COMPACT_PEER_V4 && bytes.length !== COMPACT_PEER_V6) return null;
  const ipLength = bytes.length - 2;
  return {
    host: decodeIp(bytes.subarray(0, ipLength)),
    port: ((bytes[ipLength] ?? 0) << 8) | (bytes[ipLength + 1] ?? 0),
  };
}

export function encodeCompactNodes(nodes: readonly NodeInfo[], family: AddressFamily): Uint8Array {
  const size = family === 4 ? COMPACT_NODE_V4 : COMPACT_NODE_V6;
  const parts: Uint8Array[] = [];
  for (const node of nodes) {
    if (familyOf(node.host) !== family || node.id.length !== ID_LENGTH) continue;
    const peer = encodeCompactPeer(node);
    if (!peer) continue;
    const entry = new Uint8Array(size);
    entry.set(node.id, 0);
    entry.set(peer, ID_LENGTH);
    parts.push(entry);
  }
  const out = new Uint8Array(parts.length * size);
  parts.forEach((part, i) => out.set(part, i * size));
  return out;
}

/** Decodes a compact node string; null when its length is not a multiple of the entry size. */
export function decodeCompactNodes(bytes: Uint8Array, family: AddressFamily): NodeInfo[] | null {
  const size = family === 4 ? COMPACT_NODE_V4 : COMPACT_NODE_V6;
  if (bytes.length % size !== 0) return null;
  const out: NodeInfo[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) {
    const id = new Uint8Array(bytes.subarray(offset, offset + ID_LENGTH)); // a copy: don't pin the datagram
    const peer = decodeCompactPeer(bytes.subarray(offset + ID_LENGTH, offset + size));
    if (peer) out.push({ id, host: peer.host, port: peer.port });
  }
  return out;
}
