import type { EncryptionMode } from '../api.js';
import { decodeHandshake, HANDSHAKE_LENGTH, PROTOCOL_PREFIX, type Handshake } from '../wire/handshake.js';
import type { PeerCipher, TorrentByReq2 } from '../wire/mse/mse-common.js';
import { MseResponder } from '../wire/mse/mse-responder.js';

export type IncomingStep =
  | { readonly kind: 'wait'; readonly send: Buffer | null }
  | {
      readonly kind: 'done';
      readonly send: Buffer | null;
      readonly handshake: Handshake;
      /** Decrypted bytes after the BitTorrent handshake. */
      readonly leftover: Buffer;
      readonly cipher: PeerCipher | null;
      readonly encrypted: boolean;
    }
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * Reads what an incoming peer sends first: a plain BitTorrent handshake, or an MSE handshake
 * (libtorrent, qBittorrent and Transmission dial encrypted first by default) followed by the
 * BitTorrent one. Like libtorrent, the first 20 bytes decide: anything but the protocol
 * string is taken for an MSE public key.
 */
export class IncomingHandshake {
  private received = Buffer.alloc(0);
  private mse: MseResponder | null = null;
  private cipher: PeerCipher | null = null;
  private encrypted = false;
  /** The torrent the MSE handshake named; the BitTorrent handshake must agree. */
  private mseInfoHash: Buffer | null = null;

  constructor(
    /** The session's torrents, for an MSE handshake to name one (see TorrentByReq2). */
    private readonly torrentByReq2: TorrentByReq2,
    private readonly mode: EncryptionMode = 'allow',
  ) {}

  push(chunk: Buffer): IncomingStep {
    let send: Buffer | null = null;
    if (this.mse) {
      const step = this.mse.push(chunk);
      if (step.kind === 'failed') return step;
      send = step.send;
      if (step.kind === 'continue') return { kind: 'wait', send };
      this.mse = null;
      this.cipher = step.result.cipher;
      this.mseInfoHash = step.result.infoHash;
      chunk = step.result.payload;
    } else if (this.encrypted) {
      this.cipher?.decrypt(chunk);
    }
    this.received = this.received.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.received, chunk]);

    if (!this.encrypted) {
      const compared = Math.min(this.received.length, PROTOCOL_PREFIX.length);
      if (!this.received.subarray(0, compared).equals(PROTOCOL_PREFIX.subarray(0, compared))) {
        // Not a plain handshake: the bytes so far begin an MSE handshake.
        if (this.mode === 'disable') return { kind: 'failed', reason: 'not a BitTorrent handshake (encryption is disabled)' };
        this.encrypted = true;
        this.mse = new MseResponder(this.torrentByReq2, this.mode === 'require');
        const bytes = this.received;
        this.received = Buffer.alloc(0);
        return this.push(bytes);
      }
    }
    if (!this.encrypted && this.mode === 'require' && this.received.length >= PROTOCOL_PREFIX.length) {
      return { kind: 'failed', reason: 'plain handshake refused: encryption is required' };
    }
    if (this.received.length < HANDSHAKE_LENGTH) return { kind: 'wait', send };
    const handshake = decodeHandshake(this.received.subarray(0, HANDSHAKE_LENGTH));
    if (typeof handshake === 'string') return { kind: 'failed', reason: handshake };
    if (this.mseInfoHash && !handshake.infoHash.equals(this.mseInfoHash)) {
      return { kind: 'failed', reason: 'handshake names another torrent than its MSE handshake' };
    }
    return {
      kind: 'done',
      send,
      handshake,
      leftover: this.received.subarray(HANDSHAKE_LENGTH),
      cipher: this.cipher,
      encrypted: this.encrypted,
    };
  }
}
