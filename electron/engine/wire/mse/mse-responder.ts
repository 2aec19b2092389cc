import { dhKeyPair, DH_KEY_BYTES } from './dh.js';
import {
  ByteQueue, CRYPTO_PLAINTEXT, CRYPTO_RC4, directionCipher, MAX_INITIAL_PAYLOAD, MAX_PAD, xorReq3,
  randomPad, req1, streamCipher, VC, type Advance, type MseStep, type TorrentByReq2, drive, fail, WAIT,
} from './mse-common.js';
import type { Rc4 } from './rc4.js';

type State = 'publicKey' | 'sync' | 'torrent' | 'vc' | 'padC' | 'initialPayload';

/**
 * The receiving side of an MSE handshake, fed the connection's bytes as they arrive. It picks
 * plaintext whenever the initiator offers it (as libtorrent does by default): the handshake
 * already hides the torrent and the protocol, and RC4 would cost a copy of every block.
 */
export class MseResponder {
  private readonly queue = new ByteQueue();
  private readonly keys = dhKeyPair();
  private state: State = 'publicKey';
  private secret: Buffer | null = null;
  private sync: Buffer | null = null;
  private infoHash: Buffer | null = null;
  private inbound: Rc4 | null = null;
  private outbound: Rc4 | null = null;
  private provide = 0;
  private padLength = 0;
  private payloadLength = 0;

  /**
   * @param torrentByReq2 the torrents this session serves, by HASH('req2', info hash)
   * @param rc4Only       refuse plaintext after the handshake (encryption required)
   */
  constructor(
    private readonly torrentByReq2: TorrentByReq2,
    private readonly rc4Only = false,
  ) {}

  push(chunk: Uint8Array): MseStep {
    this.queue.push(chunk);
    return drive(() => this.advance());
  }

  /** One state's work: 'wait' for more bytes, a failure reason, or a step. */
  private advance(): Advance {
    const q = this.queue;
    switch (this.state) {
      case 'publicKey': {
        if (q.length < DH_KEY_BYTES) return WAIT;
        this.secret = this.keys.secret(q.take(DH_KEY_BYTES));
        if (!this.secret) return fail('bad MSE public key');
        this.sync = req1(this.secret);
        this.state = 'sync';
        return { kind: 'continue', send: Buffer.concat([this.keys.publicKey, randomPad()]) };
      }
      case 'sync': {
        const at = q.peek().indexOf(this.sync!);
        if (at < 0) return q.length >= MAX_PAD + this.sync!.length ? fail('no MSE synchronisation hash') : WAIT;
        if (at > MAX_PAD) return fail('MSE padding too long');
        q.drop(at + this.sync!.length);
        this.state = 'torrent';
        return { kind: 'continue', send: null };
      }
      case 'torrent': {
        if (q.length < 20) return WAIT;
        // HASH('req2', SKEY) xor HASH('req3', S), xor HASH('req3', S) again: the torrent's HASH('req2', SKEY).
        this.infoHash = this.torrentByReq2(xorReq3(q.take(20), this.secret!)) ?? null;
        if (!this.infoHash) return fail('MSE handshake for a torrent we do not have');
        this.inbound = directionCipher('keyA', this.secret!, this.infoHash);
        this.outbound = directionCipher('keyB', this.secret!, this.infoHash);
        this.state = 'vc';
        return { kind: 'continue', send: null };
      }
      case 'vc': {
        if (q.length < 14) return WAIT;
        const head = this.inbound!.apply(q.take(14));
        if (!head.subarray(0, 8).equals(VC)) return fail('MSE verification constant mismatch');
        this.provide = head.readUInt32BE(8);
        this.padLength = head.readUInt16BE(12);
        if (this.padLength > MAX_PAD) return fail('MSE padC too long');
        this.state = 'padC';
        return { kind: 'continue', send: null };
      }
      case 'padC': {
        if (q.length < this.padLength + 2) return WAIT;
        const tail = this.inbound!.apply(q.take(this.padLength + 2));
        this.payloadLength = tail.readUInt16BE(this.padLength);
        if (this.payloadLength > MAX_INITIAL_PAYLOAD) return fail('MSE initial payload too long');
        this.state = 'initialPayload';
        return { kind: 'continue', send: null };
      }
      case 'initialPayload': {
        if (q.length < this.payloadLength) return WAIT;
        const initial = this.inbound!.apply(q.take(this.payloadLength));
        const plaintext = !this.rc4Only && (this.provide & CRYPTO_PLAINTEXT) !== 0;
        const select = plaintext ? CRYPTO_PLAINTEXT : this.provide & CRYPTO_RC4 ? CRYPTO_RC4 : 0;
        if (select === 0) return fail('MSE peer offers no method we support');
        const pad = randomPad();
        const reply = Buffer.alloc(8 + 4 + 2 + pad.length);
        reply.writeUInt32BE(select, 8);
        reply.writeUInt16BE(pad.length, 12);
        pad.copy(reply, 14);
        this.outbound!.apply(reply);
        const rest = q.take(q.length);
        const cipher = select === CRYPTO_RC4 ? streamCipher(this.outbound!, this.inbound!) : null;
        cipher?.decrypt(rest);
        return { kind: 'done', send: reply, result: { infoHash: this.infoHash!, cipher, payload: Buffer.concat([initial, rest]) } };
      }
    }
  }
}
