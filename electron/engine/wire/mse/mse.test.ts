import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dhKeyPair } from './dh.js';
import { CRYPTO_PLAINTEXT, CRYPTO_RC4, torrentByReq2Among, type MseResult, type MseStep } from './mse-common.js';
import { MseInitiator } from './mse-initiator.js';
import { MseResponder } from './mse-responder.js';
import { Rc4 } from './rc4.js';

describe('Rc4', () => {
  it('matches the classic test vectors', () => {
    expect(new Rc4(Buffer.from('Key')).apply(Buffer.from('Plaintext')).toString('hex')).toBe('bbf316e8d940af0ad3');
    expect(new Rc4(Buffer.from('Wiki')).apply(Buffer.from('pedia')).toString('hex')).toBe('1021bf0420');
    expect(new Rc4(Buffer.from('Secret')).apply(Buffer.from('Attack at dawn')).toString('hex')).toBe('45a01f645fc35b383552544b9bf5');
  });

  it('continues the keystream across calls', () => {
    const whole = new Rc4(Buffer.from('k'), 1024).apply(Buffer.alloc(100));
    const c = new Rc4(Buffer.from('k'), 1024);
    const parts = Buffer.concat([c.apply(Buffer.alloc(37)), c.apply(Buffer.alloc(63))]);
    expect(parts).toEqual(whole);
  });
});

describe('MSE Diffie-Hellman', () => {
  it('agrees on one 96-byte secret and refuses degenerate keys', () => {
    const a = dhKeyPair();
    const b = dhKeyPair();
    expect(a.publicKey).toHaveLength(96);
    const s = a.secret(b.publicKey);
    expect(s).toHaveLength(96);
    expect(s).toEqual(b.secret(a.publicKey));
    expect(a.secret(Buffer.alloc(96))).toBeNull();
    const one = Buffer.alloc(96);
    one[95] = 1;
    expect(a.secret(one)).toBeNull();
    expect(a.secret(Buffer.alloc(95, 7))).toBeNull();
  });
});

/** Runs both sides against each other, delivering `chunk` bytes at a time; then the payload both ways. */
function converse(initiator: MseInitiator, responder: MseResponder, chunk: number): { i: MseResult; r: MseResult; toR: Buffer[]; toI: Buffer[] } {
  let toResponder: Buffer[] = [initiator.hello()];
  let toInitiator: Buffer[] = [];
  let i: MseResult | null = null;
  let r: MseResult | null = null;
  const feed = (side: { push(c: Uint8Array): MseStep }, data: Buffer[], out: Buffer[]): MseResult | null => {
    let done: MseResult | null = null;
    for (const d of data) {
      for (let at = 0; at < d.length; at += chunk) {
        const step = side.push(d.subarray(at, at + chunk));
        if (step.kind === 'failed') throw new Error(step.reason);
        if (step.send) out.push(step.send);
        if (step.kind === 'done') done = step.result;
      }
    }
    return done;
  };
  for (let round = 0; round < 10 && (!i || !r); round++) {
    const nextToI: Buffer[] = [];
    if (!r) r = feed(responder, toResponder, nextToI);
    const nextToR: Buffer[] = [];
    if (!i) i = feed(initiator, toInitiator, nextToR);
    toResponder = nextToR;
    toInitiator = nextToI;
  }
  if (!i || !r) throw new Error('handshake did not finish');
  return { i, r, toR: toResponder, toI: toInitiator };
}

describe('MSE handshake', () => {
  const infoHash = randomBytes(20);
  const others = [randomBytes(20), infoHash, randomBytes(20)];

  it('picks plaintext when offered and names the torrent', () => {
    const { i, r } = converse(new MseInitiator(infoHash), new MseResponder(torrentByReq2Among(() => others)), 1 << 20);
    expect(r.infoHash).toEqual(infoHash);
    expect(i.cipher).toBeNull();
    expect(r.cipher).toBeNull();
  });

  it('agrees on RC4 when only RC4 is offered, whatever the chunking', () => {
    for (const chunk of [1, 7, 1000]) {
      const { i, r } = converse(new MseInitiator(infoHash, CRYPTO_RC4), new MseResponder(torrentByReq2Among(() => others)), chunk);
      expect(i.cipher && r.cipher).toBeTruthy();
      const message = randomBytes(300);
      const wire = i.cipher!.encrypt(message);
      expect(wire.equals(message)).toBe(false);
      r.cipher!.decrypt(wire);
      expect(wire).toEqual(message);
      const back = r.cipher!.encrypt(Buffer.from('reply'));
      i.cipher!.decrypt(back);
      expect(back.toString()).toBe('reply');
    }
  });

  it('hands over bytes that arrive with the end of the handshake, decrypted', () => {
    const initiator = new MseInitiator(infoHash, CRYPTO_RC4);
    const responder = new MseResponder(torrentByReq2Among(() => [infoHash]));
    let step = responder.push(initiator.hello());
    if (step.kind !== 'continue' || !step.send) throw new Error('no key from the responder');
    const s2 = initiator.push(step.send);
    if (s2.kind !== 'continue' || !s2.send) throw new Error('no req from the initiator');
    step = responder.push(s2.send);
    if (step.kind !== 'done') throw new Error('responder not done');
    const extra = step.result.cipher!.encrypt(Buffer.from('handshake bytes'));
    const s3 = initiator.push(Buffer.concat([step.send!, extra]));
    if (s3.kind !== 'done') throw new Error('initiator not done');
    expect(s3.result.payload.toString()).toBe('handshake bytes');
  });

  it('refuses an unknown torrent, garbage, and a plain BitTorrent handshake', () => {
    const initiator = new MseInitiator(randomBytes(20));
    const responder = new MseResponder(torrentByReq2Among(() => others));
    const a = responder.push(initiator.hello());
    expect(a.kind).toBe('continue');
    const b = initiator.push((a as { send: Buffer }).send);
    expect(responder.push((b as { send: Buffer }).send)).toEqual({ kind: 'failed', reason: 'MSE handshake for a torrent we do not have' });

    const lost = new MseResponder(torrentByReq2Among(() => others));
    let last: MseStep = { kind: 'continue', send: null };
    for (let n = 0; n < 8 && last.kind === 'continue'; n++) last = lost.push(randomBytes(200));
    expect(last).toEqual({ kind: 'failed', reason: 'no MSE synchronisation hash' });

    const initiator2 = new MseInitiator(infoHash);
    initiator2.hello();
    const plain = Buffer.concat([Buffer.from([19]), Buffer.from('BitTorrent protocol'), Buffer.alloc(48), randomBytes(600)]);
    expect(initiator2.push(plain).kind).toBe('failed');
  });

  it('fails when the initiator offers no method it knows', () => {
    const initiator = new MseInitiator(infoHash, 0x08);
    const responder = new MseResponder(torrentByReq2Among(() => others));
    expect(() => converse(initiator, responder, 50)).toThrow('MSE peer offers no method we support');
  });

  it('offering plaintext only still works against a responder that prefers it', () => {
    expect(converse(new MseInitiator(infoHash, CRYPTO_PLAINTEXT), new MseResponder(torrentByReq2Among(() => others)), 50).i.cipher).toBeNull();
  });
});
