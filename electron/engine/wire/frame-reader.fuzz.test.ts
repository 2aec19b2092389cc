/**
 * Fuzz targets: the peer wire frame reader and the BEP 3 handshake.
 *
 * The frame reader sees every byte a peer sends after the handshake, cut into reads of any
 * size. Properties: it never throws; what it reports does not depend on where the stream
 * was cut; no message is longer than the frame limit, whatever length a frame claims (so
 * memory stays bounded); and after a protocol error it reports nothing more.
 */
import { fc, test } from '@fast-check/vitest';
import { BINARY_TOKENS, chunked, untrustedBytes } from '../../../scripts/fuzz/arbitraries.js';
import { loadCorpus } from '../../../scripts/fuzz/corpus.js';
import { tally } from '../../../scripts/fuzz/tally.js';
import { FrameReader, type FrameSink } from './frame-reader.js';
import { decodeHandshake, HANDSHAKE_LENGTH, PROTOCOL_PREFIX } from './handshake.js';

/** A small limit, so generated frames can cross it. */
const LIMIT = 300;

/** Records events in a canonical form: piece data is joined per block, wherever it was cut. */
class Recorder implements FrameSink {
  readonly events: string[] = [];
  private block: Buffer[] = [];
  private errors = 0;
  private maxPayload = 0;

  constructor(private readonly refuseAt: number) {}

  keepAlive(): void {
    this.after('keepAlive');
    this.events.push('k');
  }
  message(id: number, payload: Buffer): void {
    this.after('message');
    this.maxPayload = Math.max(this.maxPayload, payload.length);
    this.events.push(`m${id}:${payload.toString('hex')}`);
  }
  pieceStart(index: number, begin: number, length: number): boolean {
    this.after('pieceStart');
    this.maxPayload = Math.max(this.maxPayload, length + 8);
    this.events.push(`p${index},${begin},${length}`);
    this.block = [];
    return this.events.length !== this.refuseAt;
  }
  pieceData(bytes: Buffer, offsetInBlock: number): void {
    this.after('pieceData');
    const have = this.block.reduce((n, b) => n + b.length, 0);
    if (offsetInBlock !== have) throw new Error(`piece data at ${offsetInBlock}, expected ${have}`);
    this.block.push(Buffer.from(bytes));
  }
  pieceEnd(): void {
    this.after('pieceEnd');
    this.events.push(`d${Buffer.concat(this.block).toString('hex')}`);
  }
  protocolError(reason: string): void {
    this.after('protocolError');
    this.errors++;
    this.events.push(`e${reason}`);
  }

  /** Nothing may follow a protocol error. */
  private after(what: string): void {
    if (this.errors > 0) throw new Error(`${what} after a protocol error`);
  }

  check(): void {
    if (this.maxPayload > LIMIT - 1) throw new Error(`a ${this.maxPayload}-byte payload passed the ${LIMIT}-byte frame limit`);
  }
}

const corpus = loadCorpus('wire');
/** Frame-shaped inputs: a length prefix that is often plausible, an id, a payload. */
const frames = fc
  .array(
    fc.tuple(fc.oneof(fc.integer({ min: 0, max: LIMIT + 2 }), fc.nat()), fc.integer({ min: 0, max: 22 }), fc.uint8Array({ maxLength: 40 })),
    { maxLength: 8 },
  )
  .map((parts) =>
    Buffer.concat(
      parts.map(([length, id, payload]) => {
        const head = Buffer.alloc(5);
        head.writeUInt32BE(length >>> 0, 0);
        head[4] = id;
        return Buffer.concat([head, payload]);
      }),
    ),
  );
const streams = chunked(fc.oneof({ weight: 3, arbitrary: untrustedBytes(corpus, BINARY_TOKENS, 200) }, { weight: 2, arbitrary: frames }));

function run(chunks: readonly Buffer[], refuseAt: number): string[] {
  const sink = new Recorder(refuseAt);
  const reader = new FrameReader(sink, LIMIT);
  for (const c of chunks) reader.push(c);
  sink.check();
  return sink.events;
}

const readerInputs = tally('wire frame reader');

test.prop([streams, fc.integer({ min: 0, max: 12 })], { examples: corpus.map((c): [{ bytes: Buffer; chunks: Buffer[] }, number] => [{ bytes: c, chunks: [c] }, 0]) })(
  'the frame reader never throws, keeps frames under its limit and reports the same events however the stream is cut',
  ({ bytes, chunks }, refuseAt) => {
    readerInputs();
    const cut = run(chunks, refuseAt).join('\n');
    const whole = run([bytes], refuseAt).join('\n');
    if (cut !== whole) throw new Error(`events differ with the stream cut:\n${whole}\n---\n${cut}`);
  },
);

const handshakes = loadCorpus('handshake');
const handshakeInputs = tally('wire handshake');

test.prop([untrustedBytes(handshakes, [PROTOCOL_PREFIX, ...BINARY_TOKENS], 80)], { examples: handshakes.map((h): [Buffer] => [h]) })(
  'decodeHandshake returns a handshake or a reason',
  (bytes) => {
    handshakeInputs();
    const hs = decodeHandshake(bytes);
    if (typeof hs === 'string') return;
    if (bytes.length < HANDSHAKE_LENGTH || !bytes.subarray(0, 20).equals(PROTOCOL_PREFIX)) throw new Error('accepted a bad handshake');
    if (!hs.infoHash.equals(bytes.subarray(28, 48)) || !hs.peerId.equals(bytes.subarray(48, 68))) throw new Error('wrong fields');
  },
);
