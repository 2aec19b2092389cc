/**
 * Fuzz target: every peer wire message, as a connection validates it. A handshake (any
 * reserved bits) and then frames of every id with payloads of right, wrong and random
 * sizes, cut into reads anywhere. Properties: receive() never throws; only in-range piece
 * indices reach the torrent; once the connection closes, the torrent hears nothing more.
 *
 * The handler is a recording Proxy, so this target only leans on the connection's
 * constructor, start() and receive() (the handler interface is free to change).
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { afterAll, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { BINARY_TOKENS, chunked, mutated, randomBytes } from '../../../scripts/fuzz/arbitraries.js';
import { loadCorpus } from '../../../scripts/fuzz/corpus.js';
import { tally } from '../../../scripts/fuzz/tally.js';
import { encodeHandshake } from '../wire/handshake.js';
import { MAX_FRAME_LENGTH } from '../wire/message-ids.js';
import { PeerConnection } from './peer-connection.js';
import type { PeerHandler } from './peer-handler.js';

const INFO_HASH = Buffer.alloc(20, 0xab);
const OUR_ID = Buffer.from('-TS0100-ourownpeerid', 'latin1');
const THEIR_ID = Buffer.from('-LT2080-theirpeer-id', 'latin1');

class NullSocket extends Duplex {
  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    callback();
  }
  override _read(): void {}
  setNoDelay(): this {
    return this;
  }
}

/**
 * Calls whose piece index the connection checks against the torrent. (A piece message goes
 * to blockStart whatever its index: the torrent refuses blocks it did not request.)
 */
const INDEXED = new Set(['peerHave', 'peerRequest', 'peerCancel', 'peerReject', 'peerAllowedFast', 'peerSuggest']);

/** Handler calls any input reached: the generators must get past the validation. */
const reached = new Set<string>();
afterAll(() => {
  for (const name of ['peerHave', 'peerBitfield', 'peerRequest', 'peerCancel', 'peerAllowedFast', 'blockStart', 'blockEnd', 'peerExtensionHandshake', 'peerExtended']) {
    expect(reached, `some input reached ${name}`).toContain(name);
  }
});

function recordingHandler(pieceCount: number, acceptBlocks: boolean): { handler: PeerHandler; check: () => void } {
  const problems: string[] = [];
  let closed = false;
  const handler = new Proxy(
    {},
    {
      get(_target, name) {
        if (name === 'pieceCount') return pieceCount;
        if (typeof name !== 'string') return undefined;
        return (...args: unknown[]) => {
          reached.add(name);
          if (closed) problems.push(`${name} after peerClosed`);
          if (name === 'peerClosed') closed = true;
          if (INDEXED.has(name) && pieceCount > 0) {
            const index = args[1];
            // Allowed-fast and suggest outside the torrent are dropped; everything else closes the peer first.
            if (typeof index !== 'number' || index < 0 || index >= pieceCount) problems.push(`${name} for piece ${String(index)} of ${pieceCount}`);
          }
          if (name === 'blockStart') {
            const length = args[3];
            if (typeof length !== 'number' || length > MAX_FRAME_LENGTH) problems.push(`block of ${String(length)} bytes`);
            return acceptBlocks;
          }
          if (name === 'peerExtended' && args[1] === 0) problems.push('extended message 0 passed on as a payload');
          return undefined;
        };
      },
    },
  ) as PeerHandler;
  return {
    handler,
    check: () => {
      if (problems.length > 0) throw new Error(problems.join('; '));
    },
  };
}

const frame = (id: number, payload: Uint8Array): Buffer => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + 1, 0);
  head[4] = id;
  return Buffer.concat([head, payload]);
};

/** Payload sizes each id expects (have 4, request 12...) ± a little, or anything. */
const EXPECTED_SIZE: Record<number, number> = { 0: 0, 1: 0, 2: 0, 3: 0, 4: 4, 5: 2, 6: 12, 7: 12, 8: 12, 9: 2, 13: 4, 14: 0, 15: 0, 16: 12, 17: 4, 20: 3 };
const message = fc
  .tuple(fc.constantFrom(...Object.keys(EXPECTED_SIZE).map(Number), 10, 99), fc.integer({ min: -2, max: 2 }), fc.uint8Array({ maxLength: 24 }), fc.boolean(), fc.nat(40))
  .map(([id, delta, bytes, exact, small]) => {
    const size = exact ? Math.max(0, (EXPECTED_SIZE[id] ?? 0) + delta) : bytes.length;
    const payload = Buffer.alloc(size);
    payload.set(bytes.subarray(0, size));
    // Piece indices are often small, so some land inside the torrent.
    if (size >= 4 && id !== 20 && id !== 5) payload.writeUInt32BE(small, 0);
    return frame(id, payload);
  });

const wireCorpus = loadCorpus('wire');
const afterHandshake = fc.oneof(
  { weight: 4, arbitrary: fc.array(message, { maxLength: 10 }).map((m) => Buffer.concat(m)) },
  { weight: 2, arbitrary: mutated(wireCorpus, BINARY_TOKENS) },
  { weight: 1, arbitrary: randomBytes(120) },
);

const connection = fc.record({
  reserved: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  pieceCount: fc.constantFrom(0, 1, 7, 8, 40),
  acceptBlocks: fc.boolean(),
  incoming: fc.boolean(),
  stream: chunked(afterHandshake),
});

const seen = tally('peer wire messages (PeerConnection)');

test.prop([connection])('a connection never throws at received bytes and passes on only well-formed, in-range messages', (c) => {
  seen();
  const { handler, check } = recordingHandler(c.pieceCount, c.acceptBlocks);
  const socket = new NullSocket();
  const peer = new PeerConnection(socket as unknown as Socket, handler, {
    infoHash: INFO_HASH,
    ourPeerId: OUR_ID,
    incoming: c.incoming,
    address: '127.0.0.1:6881',
    opening: () => {},
  });
  try {
    const hs = encodeHandshake(INFO_HASH, THEIR_ID);
    Buffer.from(c.reserved).copy(hs, 20);
    peer.start();
    peer.receive(hs);
    for (const chunk of c.stream.chunks) peer.receive(Buffer.from(chunk)); // receive() may decrypt in place
    check();
  } finally {
    socket.emit('close'); // the connection closes itself and stops its timers
  }
});
