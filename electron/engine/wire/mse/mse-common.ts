import { createHash, randomBytes } from 'node:crypto';
import { Rc4 } from './rc4.js';

/**
 * Shared pieces of BitTorrent's Message Stream Encryption (MSE/PE, the "vuze" spec that
 * libtorrent, Transmission and qBittorrent implement): hashes, keys, limits.
 */

export const CRYPTO_PLAINTEXT = 0x01;
export const CRYPTO_RC4 = 0x02;
/** Random padding after each public key, and the padC / padD fields, are at most 512 bytes. */
export const MAX_PAD = 512;
/** Eight zero bytes whose encryption marks where the encrypted part starts. */
export const VC = Buffer.alloc(8);
/** The initial payload of the initiator: a BitTorrent handshake plus a little; generous bound. */
export const MAX_INITIAL_PAYLOAD = 4096;

/** The negotiated stream transform once MSE chose RC4 (null means plaintext). */
export interface PeerCipher {
  /** Encrypts a copy (the caller's buffer may be shared, e.g. a cached piece). */
  encrypt(data: Uint8Array): Buffer;
  /** Decrypts received bytes in place. */
  decrypt(data: Uint8Array): void;
}

export interface MseResult {
  readonly infoHash: Buffer;
  /** null: the peers agreed on plaintext after the handshake. */
  readonly cipher: PeerCipher | null;
  /** Decrypted bytes received after the MSE handshake (the responder's first are the initiator's IA). */
  readonly payload: Buffer;
}

export type MseStep =
  | { readonly kind: 'continue'; readonly send: Buffer | null }
  | { readonly kind: 'done'; readonly send: Buffer | null; readonly result: MseResult }
  | { readonly kind: 'failed'; readonly reason: string };

/** One state's outcome inside a handshake: more bytes needed, a failure, or progress. */
export type Advance = Exclude<MseStep, { kind: 'failed' }> | { readonly kind: 'wait' } | { readonly kind: 'failed'; readonly reason: string };

export const WAIT: Advance = { kind: 'wait' };
export const fail = (reason: string): Advance => ({ kind: 'failed', reason });

/** Runs a handshake's states until it needs more bytes, fails or finishes; joins what to send. */
export function drive(advance: () => Advance): MseStep {
  let send: Buffer | null = null;
  for (;;) {
    const step = advance();
    if (step.kind === 'wait') return { kind: 'continue', send };
    if (step.kind === 'failed') return step;
    if (step.send) send = send ? Buffer.concat([send, step.send]) : step.send;
    if (step.kind === 'done') return { ...step, send };
  }
}

export function sha1(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
}

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

export const req1 = (secret: Buffer): Buffer => sha1(ascii('req1'), secret);

/** HASH('req2', SKEY): a torrent's part of the name below, the same for every connection. */
export function req2Hash(infoHash: Uint8Array): Buffer {
  return sha1(ascii('req2'), infoHash);
}

/** HASH('req2', SKEY) xor HASH('req3', S): names the torrent without revealing it. */
export function obfuscatedInfoHash(infoHash: Uint8Array, secret: Buffer): Buffer {
  return xorReq3(req2Hash(infoHash), secret);
}

/** `hash` xor HASH('req3', S), in place: the obfuscated name from HASH('req2', SKEY), and back. */
export function xorReq3(hash: Buffer, secret: Buffer): Buffer {
  const b = sha1(ascii('req3'), secret);
  for (let i = 0; i < hash.length; i++) hash[i] = hash[i]! ^ b[i]!;
  return hash;
}

/**
 * Finds the torrent an MSE initiator names: the info hash whose HASH('req2', hash) this is. The
 * session answers from an index (session/torrent-index.ts), one lookup whatever its size.
 */
export type TorrentByReq2 = (req2: Buffer) => Buffer | undefined;

/** A TorrentByReq2 that hashes each of `hashes()` per question: for a handful of torrents (tests, tools). */
export function torrentByReq2Among(hashes: () => Iterable<Buffer>): TorrentByReq2 {
  return (req2) => {
    for (const h of hashes()) if (req2Hash(h).equals(req2)) return h;
    return undefined;
  };
}

/** RC4 with MSE's key for one direction ('keyA': initiator → responder), first 1 KiB dropped. */
export function directionCipher(direction: 'keyA' | 'keyB', secret: Buffer, infoHash: Uint8Array): Rc4 {
  return new Rc4(sha1(ascii(direction), secret, infoHash), 1024);
}

export function streamCipher(out: Rc4, inbound: Rc4): PeerCipher {
  return {
    encrypt: (data) => out.apply(Buffer.from(data)),
    decrypt: (data) => void inbound.apply(data),
  };
}

export function randomPad(): Buffer {
  return randomBytes(Math.floor(Math.random() * (MAX_PAD + 1)));
}

/** Accumulates received bytes; `take(n)` removes and returns the first n. */
export class ByteQueue {
  private buf = Buffer.alloc(0);

  push(chunk: Uint8Array): void {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
  }

  get length(): number {
    return this.buf.length;
  }

  peek(): Buffer {
    return this.buf;
  }

  take(n: number): Buffer {
    const head = Buffer.from(this.buf.subarray(0, n));
    this.buf = this.buf.subarray(n);
    return head;
  }

  drop(n: number): void {
    this.buf = this.buf.subarray(n);
  }
}
