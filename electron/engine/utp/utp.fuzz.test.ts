/**
 * Fuzz target: uTP datagrams (BEP 29), which anyone can send to our UDP port. decodeHeader
 * never throws and what it accepts stays inside the datagram; a connection fed a hostile
 * stream of packets (right connection id, any type, sequence and ack numbers near and far,
 * forged selective ACKs, windows, timestamps, payloads) never throws, and the memory it holds
 * stays within its bounds (reorder buffer, unread data, connections).
 */
import { fc, test } from '@fast-check/vitest';
import { SECONDARY_RUNS } from '../../../scripts/fuzz/budget.js';
import { tally } from '../../../scripts/fuzz/tally.js';
import { DEFAULT_LIMITS, PACKET_BYTES } from './connection.js';
import { UtpManager } from './manager.js';
import { decodeHeader, emptyHeader, HEADER_BYTES, ST_SYN, stampHeader, writeHeader } from './packet.js';
import { FakeClock } from './test-link.js';
import type { UtpSocket } from './utp-socket.js';

const fail = (why: string): never => {
  throw new Error(why);
};

/** Header-shaped datagrams: mostly version 1, types 0..7, an extension chain of any shape. */
const shaped = fc
  .record({
    type: fc.integer({ min: 0, max: 7 }),
    version: fc.oneof({ weight: 9, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) }),
    ext: fc.integer({ min: 0, max: 3 }),
    connectionId: fc.oneof(fc.constant(11), fc.constant(10), fc.integer({ min: 0, max: 0xffff })),
    timestamp: fc.integer({ min: 0, max: 0xffffffff }),
    timestampDiff: fc.integer({ min: 0, max: 0xffffffff }),
    wnd: fc.oneof(fc.constant(0), fc.constant(1 << 20), fc.integer({ min: 0, max: 0xffffffff })),
    seqOffset: fc.oneof(fc.integer({ min: -8, max: 40 }), fc.integer({ min: 0, max: 0xffff })),
    ackOffset: fc.oneof(fc.integer({ min: -8, max: 300 }), fc.integer({ min: 0, max: 0xffff })),
    tail: fc.uint8Array({ maxLength: 40 }),
    payload: fc.integer({ min: 0, max: 1500 }),
  })
  .map((r) => {
    const buf = Buffer.alloc(HEADER_BYTES + r.tail.length + r.payload, 0x5a);
    writeHeader(buf, 0, r.connectionId, r.seqOffset & 0xffff, r.ackOffset & 0xffff);
    buf[0] = ((r.type & 0x0f) << 4) | (r.version & 0x0f);
    buf[1] = r.ext;
    stampHeader(buf, r.timestamp, r.timestampDiff, r.wnd, r.ackOffset & 0xffff);
    buf.set(r.tail, HEADER_BYTES);
    return { buf, relative: true };
  });
const raw = fc.uint8Array({ maxLength: 200 }).map((b) => ({ buf: Buffer.from(b), relative: false }));

const decoded = tally('uTP (decodeHeader)');
test.prop([fc.oneof(shaped, raw)])('decodeHeader accepts only what fits in the datagram, and never throws', ({ buf }) => {
  decoded();
  const h = emptyHeader();
  if (!decodeHeader(buf, h)) return;
  if (h.payloadOffset < HEADER_BYTES || h.payloadOffset > buf.length) fail('payload offset outside the datagram');
  if (h.type > ST_SYN) fail('unknown type accepted');
  if (h.sack && h.sack.byteOffset + h.sack.length > buf.byteOffset + buf.length) fail('SACK outside the datagram');
});

const streams = tally('uTP (connection under a hostile packet stream)');
test.prop([fc.array(fc.oneof({ weight: 5, arbitrary: shaped }, { weight: 1, arbitrary: raw }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 0xffff })], { numRuns: SECONDARY_RUNS })(
  'a connection fed hostile packets never throws and keeps its buffers bounded',
  (packets, initialSeq) => {
    streams();
    const clock = new FakeClock();
    const accepted: UtpSocket[] = [];
    const manager = new UtpManager(() => undefined, {
      clock,
      manual: true,
      random: () => 0.5,
      maxConnections: 8,
      maxPerIp: 4,
      onIncoming: (s) => {
        s.on('error', () => undefined);
        accepted.push(s);
      },
    });
    // A connection the stranger opened: its SYN with connection id 10, at `initialSeq`.
    const syn = Buffer.alloc(HEADER_BYTES);
    writeHeader(syn, ST_SYN, 10, initialSeq, 0);
    stampHeader(syn, 1, 0, 1 << 20, 0);
    manager.handle(syn, '192.0.2.1', 4000);
    const socket = accepted[0] ?? fail('SYN not accepted');
    socket.pause(); // nobody reads: unread data must stay within the window
    socket.write(Buffer.alloc(200_000, 1)); // data of ours in flight, for forged ACKs to hit
    manager.flush();
    for (const { buf, relative } of packets) {
      if (relative && buf.length >= HEADER_BYTES) {
        // Sequence numbers near the connection's (theirs start at initialSeq, ours at 0x8000).
        buf.writeUInt16BE((buf.readUInt16BE(16) + initialSeq) & 0xffff, 16);
        buf.writeUInt16BE((buf.readUInt16BE(18) + 0x8000) & 0xffff, 18);
      }
      manager.handle(buf, '192.0.2.1', 4000);
      manager.flush();
      clock.ms += 37;
      manager.tick();
      const c = socket.utp;
      if (c) {
        if (c.reorderedBytes < 0 || c.reorderedBytes > DEFAULT_LIMITS.recvWindow + PACKET_BYTES) fail(`reorder buffer ${c.reorderedBytes}`);
        if (c.bufferedBytes < 0 || c.bufferedBytes > 200_000) fail(`send accounting ${c.bufferedBytes}`);
      }
      if (socket.readableLength > DEFAULT_LIMITS.recvWindow + PACKET_BYTES) fail(`unread ${socket.readableLength}`);
      if (manager.size > 8) fail('connection cap exceeded');
    }
    manager.close();
  },
);
