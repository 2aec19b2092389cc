/**
 * Test support (ours and other modules'): an in-memory socket for a PeerConnection, and
 * helpers to bring a connection past the handshake and read what it sent.
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { encodeHandshake, HANDSHAKE_LENGTH } from '../wire/handshake.js';
import type { PeerCipher } from '../wire/mse/mse-common.js';
import { PeerConnection } from './peer-connection.js';
import type { PeerHandler } from './peer-handler.js';
import type { SendShares } from './send-shares.js';

type WriteCallback = (error: Error | null | undefined) => void;

/**
 * A stand-in for net.Socket that records what the connection writes. With `holdWrites` it
 * acts like a peer that stopped reading: writes are accepted but never completed (their
 * bytes stay in `writableLength`) until `releaseWrites()`.
 */
export class FakeSocket extends Duplex {
  readonly written: Buffer[] = [];
  noDelay = false;
  holdWrites = false;
  private held: Array<() => void> = [];

  /** Records at the call (a held write keeps later ones in the stream's buffer, out of `_write`). */
  override write(chunk: Uint8Array, ...rest: [WriteCallback?] | [BufferEncoding, WriteCallback?]): boolean {
    this.written.push(Buffer.from(chunk));
    return super.write(chunk, ...(rest as [BufferEncoding, WriteCallback?]));
  }

  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.holdWrites) this.held.push(() => callback());
    else callback();
  }

  override _read(): void {}

  setNoDelay(on = true): this {
    this.noDelay = on;
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.written);
  }

  /** Completes the writes held so far, and the ones they let through, until none is held. */
  async releaseWrites(): Promise<void> {
    this.holdWrites = false;
    while (this.held.length > 0) {
      for (const complete of this.held.splice(0)) complete();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export const OUR_ID = Buffer.from('-TS0100-ourownpeerid', 'latin1');

/** Reserved bytes of a handshake: extension protocol + fast extension + DHT, or none of them. */
export const RESERVED_FAST = [0, 0, 0, 0, 0, 0x10, 0, 0x05];
export const RESERVED_NONE = [0, 0, 0, 0, 0, 0, 0, 0];

let nextPeer = 1;

export interface TestPeerOptions {
  infoHash: Buffer;
  reserved?: number[];
  address?: string;
  cipher?: PeerCipher;
  sendShares?: SendShares;
}

/** An outgoing connection on a FakeSocket that completed the handshake (the remote's bytes fed in). */
export function connectTestPeer(handler: PeerHandler, options: TestPeerOptions): { peer: PeerConnection; socket: FakeSocket } {
  const socket = new FakeSocket();
  const n = nextPeer++;
  const peer = new PeerConnection(socket as unknown as Socket, handler, {
    infoHash: options.infoHash,
    ourPeerId: OUR_ID,
    incoming: false,
    address: options.address ?? `127.0.0.${n % 250}:${6000 + n}`,
    opening: () => undefined,
    cipher: options.cipher ?? null,
    ...(options.sendShares ? { sendShares: options.sendShares } : {}),
  });
  peer.start();
  const theirs = encodeHandshake(options.infoHash, Buffer.from(`-XX0001-remote${String(n).padStart(6, '0')}`, 'latin1'));
  Buffer.from(options.reserved ?? RESERVED_FAST).copy(theirs, 20);
  peer.receiveDecrypted(theirs);
  return { peer, socket };
}

/** A message the connection sent. */
export interface SentMessage {
  id: number;
  payload: Buffer;
}

/** The messages written to `socket` after our handshake (plaintext connections). */
export function sentMessages(socket: FakeSocket): SentMessage[] {
  const bytes = socket.bytes();
  const out: SentMessage[] = [];
  let at = HANDSHAKE_LENGTH;
  while (bytes.length - at >= 4) {
    const len = bytes.readUInt32BE(at);
    if (bytes.length - at < 4 + len) break;
    if (len > 0) out.push({ id: bytes[at + 4]!, payload: bytes.subarray(at + 5, at + 4 + len) });
    at += 4 + len;
  }
  return out;
}

/** [index, begin, length] of each message with that id (request, cancel, reject). */
export function blockRefs(socket: FakeSocket, id: number): Array<[number, number, number]> {
  return sentMessages(socket)
    .filter((m) => m.id === id)
    .map((m) => [m.payload.readUInt32BE(0), m.payload.readUInt32BE(4), m.payload.readUInt32BE(8)]);
}
