import { dhKeyPair, DH_KEY_BYTES } from './dh.js';
import {
  ByteQueue, CRYPTO_PLAINTEXT, CRYPTO_RC4, directionCipher, MAX_PAD, obfuscatedInfoHash, randomPad, req1,
  streamCipher, VC, type Advance, type MseStep, drive, fail, WAIT,
} from './mse-common.js';
import type { Rc4 } from './rc4.js';

type State = 'publicKey' | 'sync' | 'select' | 'padD';

/**
 * The dialling side of an MSE handshake. `hello` is sent first; then it is fed the
 * connection's bytes. The BitTorrent handshake follows the MSE one (an empty initial
 * payload), so it goes out through whatever cipher was chosen.
 */
export class MseInitiator {
  private readonly queue = new ByteQueue();
  private readonly keys = dhKeyPair();
  private state: State = 'publicKey';
  private inbound: Rc4 | null = null;
  private outbound: Rc4 | null = null;
  private syncMark: Buffer | null = null;
  private selected = 0;
  private padLength = 0;

  /** @param provide CRYPTO_PLAINTEXT | CRYPTO_RC4: the methods we accept */
  constructor(
    private readonly infoHash: Buffer,
    private readonly provide = CRYPTO_PLAINTEXT | CRYPTO_RC4,
  ) {}

  /** Our public key and random padding: the first bytes on the wire. */
  hello(): Buffer {
    return Buffer.concat([this.keys.publicKey, randomPad()]);
  }

  push(chunk: Uint8Array): MseStep {
    this.queue.push(chunk);
    return drive(() => this.advance());
  }

  private advance(): Advance {
    const q = this.queue;
    switch (this.state) {
      case 'publicKey': {
        if (q.length < DH_KEY_BYTES) return WAIT;
        const secret = this.keys.secret(q.take(DH_KEY_BYTES));
        if (!secret) return fail('bad MSE public key');
        this.outbound = directionCipher('keyA', secret, this.infoHash);
        this.inbound = directionCipher('keyB', secret, this.infoHash);
        // The responder's reply starts with VC encrypted: found by encrypting it ourselves.
        this.syncMark = directionCipher('keyB', secret, this.infoHash).apply(Buffer.from(VC));
        const head = Buffer.alloc(8 + 4 + 2 + 2);
        head.writeUInt32BE(this.provide, 8);
        // padC length 0 (offset 12) and initial payload length 0 (offset 14).
        this.outbound.apply(head);
        this.state = 'sync';
        return { kind: 'continue', send: Buffer.concat([req1(secret), obfuscatedInfoHash(this.infoHash, secret), head]) };
      }
      case 'sync': {
        const at = q.peek().indexOf(this.syncMark!);
        if (at < 0) return q.length >= MAX_PAD + VC.length ? fail('no MSE verification constant') : WAIT;
        if (at > MAX_PAD) return fail('MSE padding too long');
        q.drop(at);
        this.inbound!.apply(q.take(VC.length));
        this.state = 'select';
        return { kind: 'continue', send: null };
      }
      case 'select': {
        if (q.length < 6) return WAIT;
        const head = this.inbound!.apply(q.take(6));
        this.selected = head.readUInt32BE(0);
        this.padLength = head.readUInt16BE(4);
        if (this.selected !== CRYPTO_PLAINTEXT && this.selected !== CRYPTO_RC4) return fail(`MSE peer selected unknown method ${this.selected}`);
        if ((this.selected & this.provide) === 0) return fail('MSE peer selected a method we did not offer');
        if (this.padLength > MAX_PAD) return fail('MSE padD too long');
        this.state = 'padD';
        return { kind: 'continue', send: null };
      }
      case 'padD': {
        if (q.length < this.padLength) return WAIT;
        this.inbound!.apply(q.take(this.padLength));
        const rest = q.take(q.length);
        const cipher = this.selected === CRYPTO_RC4 ? streamCipher(this.outbound!, this.inbound!) : null;
        cipher?.decrypt(rest);
        return { kind: 'done', send: null, result: { infoHash: this.infoHash, cipher, payload: rest } };
      }
    }
  }
}
