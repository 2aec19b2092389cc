import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeHandshake } from '../wire/handshake.js';
import { CRYPTO_RC4, torrentByReq2Among, type MseStep } from '../wire/mse/mse-common.js';
import { MseInitiator } from '../wire/mse/mse-initiator.js';
import { IncomingHandshake, type IncomingStep } from './incoming-handshake.js';

const infoHash = randomBytes(20);
const peerId = randomBytes(20);
const hello = encodeHandshake(infoHash, peerId);

function bytewise(reader: IncomingHandshake, data: Buffer): IncomingStep {
  let step: IncomingStep = { kind: 'wait', send: null };
  for (let i = 0; i < data.length && step.kind === 'wait'; i++) step = reader.push(data.subarray(i, i + 1));
  return step;
}

/** Runs an MSE initiator against the reader until the initiator is done; returns both ends. */
function throughMse(reader: IncomingHandshake, provide: number): { initiatorDone: Extract<MseStep, { kind: 'done' }> } {
  const initiator = new MseInitiator(infoHash, provide);
  let toReader = initiator.hello();
  for (let round = 0; round < 5; round++) {
    const r = reader.push(toReader);
    if (r.kind === 'failed') throw new Error(r.reason);
    if (!r.send) throw new Error('the reader sent nothing back');
    const i = initiator.push(r.send);
    if (i.kind === 'failed') throw new Error(i.reason);
    if (i.kind === 'done') return { initiatorDone: i };
    toReader = i.send ?? Buffer.alloc(0);
  }
  throw new Error('MSE did not finish');
}

describe('IncomingHandshake', () => {
  it('reads a plain handshake, even a byte at a time, and keeps what follows', () => {
    const step = bytewise(new IncomingHandshake(torrentByReq2Among(() => [infoHash])), Buffer.concat([hello, Buffer.from([0, 0, 0, 1, 2])]));
    if (step.kind !== 'done') throw new Error(JSON.stringify(step));
    expect(step.handshake.infoHash).toEqual(infoHash);
    expect(step.encrypted).toBe(false);
    expect(step.cipher).toBeNull();
    expect(step.leftover.length).toBeLessThanOrEqual(5);
  });

  it('reads the BitTorrent handshake after MSE with RC4, decrypted', () => {
    const reader = new IncomingHandshake(torrentByReq2Among(() => [randomBytes(20), infoHash]));
    const { initiatorDone } = throughMse(reader, CRYPTO_RC4);
    const cipher = initiatorDone.result.cipher!;
    const step = reader.push(cipher.encrypt(Buffer.concat([hello, Buffer.from('after')])));
    if (step.kind !== 'done') throw new Error(JSON.stringify(step));
    expect(step.encrypted).toBe(true);
    expect(step.cipher).not.toBeNull();
    expect(step.handshake.peerId).toEqual(peerId);
    expect(step.leftover.toString()).toBe('after');
  });

  it('reads a plain BitTorrent handshake after MSE chose plaintext', () => {
    const reader = new IncomingHandshake(torrentByReq2Among(() => [infoHash]));
    throughMse(reader, 0x03);
    const step = reader.push(hello);
    if (step.kind !== 'done') throw new Error(JSON.stringify(step));
    expect(step.encrypted).toBe(true);
    expect(step.cipher).toBeNull();
  });

  it('refuses a BitTorrent handshake for another torrent than MSE named', () => {
    const reader = new IncomingHandshake(torrentByReq2Among(() => [infoHash]));
    throughMse(reader, 0x03);
    expect(reader.push(encodeHandshake(randomBytes(20), peerId))).toEqual({
      kind: 'failed',
      reason: 'handshake names another torrent than its MSE handshake',
    });
  });

  it('refuses garbage within a bounded number of bytes', () => {
    const reader = new IncomingHandshake(torrentByReq2Among(() => [infoHash]));
    let step: IncomingStep = { kind: 'wait', send: null };
    let sent = 0;
    while (step.kind === 'wait' && sent < 10_000) {
      step = reader.push(randomBytes(100));
      sent += 100;
    }
    expect(step.kind).toBe('failed');
    expect(sent).toBeLessThanOrEqual(96 + 512 + 20 + 100);
  });

  it("refuses a plain handshake when encryption is required, and picks RC4 even if plaintext is offered", () => {
    expect(new IncomingHandshake(torrentByReq2Among(() => [infoHash]), 'require').push(hello)).toEqual({
      kind: 'failed',
      reason: 'plain handshake refused: encryption is required',
    });
    const reader = new IncomingHandshake(torrentByReq2Among(() => [infoHash]), 'require');
    const { initiatorDone } = throughMse(reader, 0x03);
    expect(initiatorDone.result.cipher).not.toBeNull();
  });

  it('refuses an MSE handshake when encryption is disabled', () => {
    const step = new IncomingHandshake(torrentByReq2Among(() => [infoHash]), 'disable').push(new MseInitiator(infoHash).hello());
    expect(step).toEqual({ kind: 'failed', reason: 'not a BitTorrent handshake (encryption is disabled)' });
    expect(new IncomingHandshake(torrentByReq2Among(() => [infoHash]), 'disable').push(hello).kind).toBe('done');
  });

  it('never throws on hostile input: random bytes in random chunks end in wait or failed', () => {
    for (let round = 0; round < 300; round++) {
      const reader = new IncomingHandshake(torrentByReq2Among(() => [infoHash]), round % 3 === 0 ? 'require' : 'allow');
      // Half the rounds start like an MSE handshake that then goes wrong after the key.
      const data = Buffer.concat([round % 2 ? new MseInitiator(infoHash).hello() : Buffer.alloc(0), randomBytes(1 + (round * 37) % 1500)]);
      let step: IncomingStep = { kind: 'wait', send: null };
      for (let at = 0; at < data.length && step.kind === 'wait'; ) {
        const n = 1 + ((round * 13 + at) % 97);
        step = reader.push(data.subarray(at, at + n));
        at += n;
      }
      expect(['wait', 'failed']).toContain(step.kind);
    }
  });
});

