/**
 * Fuzz targets: the MSE (Message Stream Encryption) handshake, both sides.
 *
 * - Responder, through IncomingHandshake (the first bytes of every incoming connection: a
 *   plain BitTorrent handshake or an MSE one), in each encryption mode.
 * - Initiator, fed what a responder answers.
 * Inputs: random bytes, and real handshake streams (recorded from our initiator and
 * responder talking to each other, plaintext and RC4) mutated and cut into reads anywhere.
 * Properties: push() never throws; it ends in 'done' or 'failed' or keeps waiting; an
 * encrypted handshake is only 'done' for a torrent we serve.
 *
 * Both sides use one fixed Diffie-Hellman key pair with memoised secrets (vi.mock below):
 * the 768-bit modular exponentiations would otherwise cost ~1 ms per input, and the
 * recorded streams stay valid for every new responder. The DH arithmetic has its own tests
 * (mse.test.ts); here the subject is the parsing state machines around it.
 */
import { afterAll, expect, vi } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { BINARY_TOKENS, chunked, mutated, randomBytes } from '../../../../scripts/fuzz/arbitraries.js';
import { loadCorpus } from '../../../../scripts/fuzz/corpus.js';
import { tally } from '../../../../scripts/fuzz/tally.js';
import type { EncryptionMode } from '../../api.js';
import { IncomingHandshake, type IncomingStep } from '../../session/incoming-handshake.js';
import { encodeHandshake } from '../handshake.js';
import { CRYPTO_PLAINTEXT, CRYPTO_RC4, torrentByReq2Among, type MseStep, type PeerCipher } from './mse-common.js';
import { MseInitiator } from './mse-initiator.js';
import { MseResponder } from './mse-responder.js';

vi.mock('./dh.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./dh.js')>();
  const pair = real.dhKeyPair(Buffer.alloc(20, 0x5a));
  const secrets = new Map<string, Buffer | null>();
  const fixed = {
    publicKey: pair.publicKey,
    secret(theirs: Uint8Array): Buffer | null {
      const key = Buffer.from(theirs).toString('latin1');
      let s = secrets.get(key);
      if (s === undefined) {
        s = pair.secret(theirs);
        if (secrets.size > 10_000) secrets.clear();
        secrets.set(key, s);
      }
      return s;
    },
  };
  return { ...real, dhKeyPair: () => fixed };
});

const OURS = Buffer.alloc(20, 0x11);
const OTHER = Buffer.alloc(20, 0x22);
const PEER_ID = Buffer.from('-LT2080-theirpeer-id', 'latin1');
const infoHashes = (): Buffer[] => [OTHER, OURS];
const fail = (why: string): never => {
  throw new Error(why);
};

/** One real conversation: what the initiator sent (then its BitTorrent handshake) and what the responder answered. */
function record(provide: number, torrent: Buffer): { toResponder: Buffer; toInitiator: Buffer } {
  const initiator = new MseInitiator(torrent, provide);
  const responder = new MseResponder(torrentByReq2Among(infoHashes));
  const toResponder: Buffer[] = [initiator.hello()];
  const toInitiator: Buffer[] = [];
  const r1 = responder.push(toResponder[0] as Buffer);
  if (r1.kind !== 'continue' || !r1.send) return fail('recording: responder sent no key');
  toInitiator.push(r1.send);
  const i1 = initiator.push(r1.send);
  if (i1.kind !== 'continue' || !i1.send) return fail('recording: initiator sent nothing');
  toResponder.push(i1.send);
  const r2 = responder.push(i1.send);
  let cipher: PeerCipher | null = null;
  if (r2.kind === 'done' && r2.send) {
    toInitiator.push(r2.send);
    const i2 = initiator.push(r2.send);
    if (i2.kind === 'done') cipher = i2.result.cipher;
  }
  const hs = encodeHandshake(torrent, PEER_ID);
  toResponder.push(cipher ? cipher.encrypt(hs) : hs);
  return { toResponder: Buffer.concat(toResponder), toInitiator: Buffer.concat(toInitiator) };
}

const conversations = [
  record(CRYPTO_PLAINTEXT | CRYPTO_RC4, OURS),
  record(CRYPTO_RC4, OURS),
  record(CRYPTO_PLAINTEXT, OURS),
  record(CRYPTO_RC4, Buffer.alloc(20, 0x33)), // a torrent the responder does not serve
  record(CRYPTO_PLAINTEXT | CRYPTO_RC4, OTHER),
];
const plainHandshakes = loadCorpus('handshake');
const toResponder = [...conversations.map((c) => c.toResponder), ...plainHandshakes];
const toInitiator = conversations.map((c) => c.toInitiator).filter((b) => b.length > 0);

const streamsFor = (corpus: Buffer[]) =>
  chunked(
    fc.oneof(
      { weight: 5, arbitrary: mutated(corpus, BINARY_TOKENS, 3) },
      { weight: 1, arbitrary: fc.constantFrom(...corpus) },
      { weight: 1, arbitrary: randomBytes(160) },
    ),
  );

const responderInputs = tally('MSE responder (IncomingHandshake)');
const reached = { encryptedDone: 0, plainDone: 0, initiatorDone: 0 };
afterAll(() => {
  expect(reached.encryptedDone, 'MSE handshakes completed').toBeGreaterThan(0);
  expect(reached.plainDone, 'plain handshakes completed').toBeGreaterThan(0);
  expect(reached.initiatorDone, 'initiator handshakes completed').toBeGreaterThan(0);
});

test.prop([streamsFor(toResponder), fc.constantFrom<EncryptionMode>('allow', 'require', 'disable')])(
  "an incoming connection's first bytes end in done, failed or waiting, never a throw",
  ({ chunks }, mode) => {
    responderInputs();
    const incoming = new IncomingHandshake(torrentByReq2Among(infoHashes), mode);
    let step: IncomingStep = { kind: 'wait', send: null };
    for (const chunk of chunks) {
      step = incoming.push(Buffer.from(chunk));
      if (step.kind !== 'wait') break;
    }
    if (step.kind === 'done') {
      reached[step.encrypted ? 'encryptedDone' : 'plainDone']++;
      if (step.encrypted && !step.handshake.infoHash.equals(OURS) && !step.handshake.infoHash.equals(OTHER)) fail('encrypted handshake for a torrent we do not serve');
      if (mode === 'require' && !step.encrypted) fail('plain handshake accepted while encryption is required');
      if (mode === 'disable' && step.encrypted) fail('MSE accepted while encryption is disabled');
    } else if (step.kind === 'failed' && step.reason === '') {
      fail('failure without a reason');
    }
  },
);

const initiatorInputs = tally('MSE initiator');

test.prop([streamsFor(toInitiator), fc.constantFrom(CRYPTO_PLAINTEXT | CRYPTO_RC4, CRYPTO_RC4, CRYPTO_PLAINTEXT)])(
  "the dialling side ends in done, failed or waiting at whatever the responder answers, never a throw",
  ({ chunks }, provide) => {
    initiatorInputs();
    const initiator = new MseInitiator(OURS, provide);
    initiator.hello();
    let step: MseStep = { kind: 'continue', send: null };
    for (const chunk of chunks) {
      step = initiator.push(Buffer.from(chunk));
      if (step.kind !== 'continue') break;
    }
    if (step.kind === 'done') reached.initiatorDone++;
    if (step.kind === 'done' && step.result.cipher === null && (provide & CRYPTO_PLAINTEXT) === 0) fail('plaintext chosen though not offered');
  },
);
