import { describe, expect, it } from 'vitest';
import { mulberry32 as prng } from '../../../e2e/support/test-utils.js';
import * as msg from './encode.js';
import { FrameReader, type FrameSink } from './frame-reader.js';
import { MAX_FRAME_LENGTH, MessageId } from './message-ids.js';
import { payloadLimit } from './message-lengths.js';

type Event =
  | { kind: 'keepAlive' }
  | { kind: 'message'; id: number; payload: string }
  | { kind: 'piece'; index: number; begin: number; length: number; data: string }
  | { kind: 'error'; reason: string };

/** Plain assertion: `expect` is too slow to call for every byte of a block fed one byte at a time. */
function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`sink contract violated: ${what}`);
}

/**
 * Records deliveries in a form independent of chunking: a piece becomes one event with
 * all its bytes, and the recorder checks that data offsets are contiguous and in range.
 */
class Recorder implements FrameSink {
  readonly events: Event[] = [];
  private current: { index: number; begin: number; length: number; parts: Buffer[]; filled: number } | null = null;
  refusePieces = false;
  onMessage: ((id: number) => void) | null = null;

  keepAlive(): void {
    check(this.current === null, 'keep-alive inside a block');
    this.events.push({ kind: 'keepAlive' });
  }

  message(id: number, payload: Buffer): void {
    check(this.current === null, 'message inside a block');
    this.events.push({ kind: 'message', id, payload: payload.toString('hex') });
    this.onMessage?.(id);
  }

  pieceStart(index: number, begin: number, length: number): boolean {
    check(this.current === null, 'pieceStart inside a block');
    if (this.refusePieces) {
      this.events.push({ kind: 'error', reason: 'refused by sink' });
      return false;
    }
    this.current = { index, begin, length, parts: [], filled: 0 };
    return true;
  }

  pieceData(bytes: Buffer, offsetInBlock: number): void {
    const cur = this.current;
    if (!cur) return check(false, 'pieceData outside a block');
    check(offsetInBlock === cur.filled, `offset ${offsetInBlock}, expected ${cur.filled}`);
    check(bytes.length > 0, 'empty pieceData');
    check(cur.filled + bytes.length <= cur.length, 'pieceData past the block end');
    // The view is valid only during the call: copy it.
    cur.parts.push(Buffer.from(bytes));
    cur.filled += bytes.length;
  }

  pieceEnd(): void {
    const cur = this.current;
    if (!cur) return check(false, 'pieceEnd outside a block');
    check(cur.filled === cur.length, `block ended after ${cur.filled} of ${cur.length} bytes`);
    this.events.push({ kind: 'piece', index: cur.index, begin: cur.begin, length: cur.length, data: Buffer.concat(cur.parts).toString('hex') });
    this.current = null;
  }

  protocolError(reason: string): void {
    this.events.push({ kind: 'error', reason });
  }
}

function pieceFrame(index: number, begin: number, block: Buffer): Buffer {
  return Buffer.concat([msg.pieceHeader(index, begin, block.length), block]);
}

function patterned(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** A stream with every kind of frame, including a zero-length block and an unknown id. */
function mixedStream(blockLength: number): Buffer {
  return Buffer.concat([
    msg.keepAlive(),
    msg.choke(),
    msg.unchoke(),
    msg.interested(),
    msg.have(7),
    msg.bitfield(Uint8Array.from([0xff, 0x0f, 0x80])),
    msg.keepAlive(),
    msg.keepAlive(),
    msg.request(1, 16384, 16384),
    pieceFrame(3, 0, patterned(blockLength, 1)),
    msg.cancel(1, 16384, 16384),
    pieceFrame(4, 16384, Buffer.alloc(0)),
    msg.extended(0, Buffer.from('d1:md6:ut_pexi1eee')),
    Buffer.from([0, 0, 0, 3, 99, 0xaa, 0xbb]), // unknown id with payload
    pieceFrame(5, 32768, patterned(blockLength, 2)),
    msg.haveAll(),
    msg.port(6881),
    msg.rejectRequest(9, 0, 100),
  ]);
}

function feed(stream: Buffer, cuts: readonly number[]): Recorder {
  const rec = new Recorder();
  const reader = new FrameReader(rec);
  let prev = 0;
  for (const cut of [...cuts, stream.length]) {
    // A fresh copy per chunk, then scribbled over after push: the reader must retain nothing.
    const chunk = Buffer.from(stream.subarray(prev, cut));
    reader.push(chunk);
    chunk.fill(0xee);
    prev = cut;
  }
  return rec;
}

describe('FrameReader: chunking never changes what is delivered', () => {
  const small = mixedStream(100);
  const expected = feed(small, []).events;

  it('decodes a whole stream in one chunk', () => {
    expect(expected.map((e) => e.kind)).toEqual([
      'keepAlive',
      'message',
      'message',
      'message',
      'message',
      'message',
      'keepAlive',
      'keepAlive',
      'message',
      'piece',
      'message',
      'piece',
      'message',
      'message',
      'piece',
      'message',
      'message',
      'message',
    ]);
    expect(expected[4]).toEqual({ kind: 'message', id: MessageId.Have, payload: '00000007' });
    expect(expected[5]).toEqual({ kind: 'message', id: MessageId.Bitfield, payload: 'ff0f80' });
    expect(expected[8]).toEqual({ kind: 'message', id: MessageId.Request, payload: '000000010000400000004000' });
    expect(expected[9]).toEqual({ kind: 'piece', index: 3, begin: 0, length: 100, data: patterned(100, 1).toString('hex') });
    expect(expected[11]).toEqual({ kind: 'piece', index: 4, begin: 16384, length: 0, data: '' });
    expect(expected[12]).toEqual({ kind: 'message', id: MessageId.Extended, payload: '00' + Buffer.from('d1:md6:ut_pexi1eee').toString('hex') });
    expect(expected[13]).toEqual({ kind: 'message', id: 99, payload: 'aabb' });
    expect(expected[14]).toEqual({ kind: 'piece', index: 5, begin: 32768, length: 100, data: patterned(100, 2).toString('hex') });
    expect(expected[15]).toEqual({ kind: 'message', id: MessageId.HaveAll, payload: '' });
    expect(expected[16]).toEqual({ kind: 'message', id: MessageId.Port, payload: '1ae1' });
  });

  it('gives the same deliveries when split in two at every byte boundary', () => {
    const want = JSON.stringify(expected);
    for (let cut = 1; cut < small.length; cut++) {
      const got = feed(small, [cut]).events;
      if (JSON.stringify(got) !== want) expect(got, `split at ${cut}`).toEqual(expected);
    }
  });

  it('gives the same deliveries when split in three at every pair of boundaries near frame edges', () => {
    // All pairs would be ~50k runs; pairs within the first 48 bytes cover the keep-alive,
    // bare, have and bitfield header shapes back to back.
    for (let a = 1; a < 48; a++) {
      for (let b = a + 1; b < 49; b++) {
        const got = feed(small, [a, b]).events;
        if (JSON.stringify(got) !== JSON.stringify(expected)) expect(got, `split at ${a}, ${b}`).toEqual(expected);
      }
    }
  });

  it('gives the same deliveries fed one byte at a time', () => {
    const cuts = Array.from({ length: small.length - 1 }, (_, i) => i + 1);
    expect(feed(small, cuts).events).toEqual(expected);
  });

  it('gives the same deliveries under random chunkings, with full 16 KiB blocks', () => {
    const big = mixedStream(16384);
    const want = feed(big, []).events;
    expect(want.filter((e) => e.kind === 'piece').map((e) => (e.kind === 'piece' ? e.length : -1))).toEqual([16384, 0, 16384]);
    const wantText = JSON.stringify(want);
    const random = prng(42);
    for (let run = 0; run < 15; run++) {
      const cuts: number[] = [];
      let at = 0;
      const maxChunk = [4, 17, 100, 5000, 20000][run % 5]!;
      for (;;) {
        at += 1 + Math.floor(random() * maxChunk);
        if (at >= big.length) break;
        cuts.push(at);
      }
      const got = feed(big, cuts).events;
      if (JSON.stringify(got) !== wantText) expect(got, `run ${run}`).toEqual(want);
    }
  });

  it('streams a piece block with the right offsets when fed one byte at a time', () => {
    const block = patterned(300, 9);
    const frame = pieceFrame(2, 49152, block);
    const offsets: number[] = [];
    const sink: FrameSink = {
      keepAlive: () => undefined,
      message: () => undefined,
      pieceStart: (index, begin, length) => {
        expect([index, begin, length]).toEqual([2, 49152, 300]);
        return true;
      },
      pieceData: (bytes, offset) => {
        expect(bytes[0]).toBe(block[offset]);
        offsets.push(offset);
      },
      pieceEnd: () => offsets.push(-1),
      protocolError: (reason) => {
        throw new Error(reason);
      },
    };
    const reader = new FrameReader(sink);
    for (let i = 0; i < frame.length; i++) reader.push(frame.subarray(i, i + 1));
    expect(offsets).toEqual([...Array.from({ length: 300 }, (_, i) => i), -1]);
  });

  it('hands a whole non-piece payload over as a view of the chunk when it fits (no copy)', () => {
    const chunk = msg.have(12345);
    let seen: Buffer | null = null;
    const sink: FrameSink = {
      keepAlive: () => undefined,
      message: (_id, payload) => {
        seen = payload;
      },
      pieceStart: () => true,
      pieceData: () => undefined,
      pieceEnd: () => undefined,
      protocolError: () => undefined,
    };
    new FrameReader(sink).push(chunk);
    expect(seen).not.toBeNull();
    expect((seen as unknown as Buffer).buffer).toBe(chunk.buffer);
  });
});

describe('FrameReader: limits and malformed frames', () => {
  it('reports a frame over the 1 MiB limit as a protocol error and stops', () => {
    const over = Buffer.alloc(4);
    over.writeUInt32BE(MAX_FRAME_LENGTH + 1);
    const rec = feed(Buffer.concat([msg.choke(), over, msg.unchoke(), msg.keepAlive()]), []);
    expect(rec.events).toHaveLength(2);
    expect(rec.events[0]).toEqual({ kind: 'message', id: MessageId.Choke, payload: '' });
    expect(rec.events[1]!.kind).toBe('error');
    expect(rec.events[1]).toMatchObject({ reason: expect.stringMatching(/1048577 bytes exceeds/) });
  });

  it('reports an oversize length prefix even when it arrives one byte at a time', () => {
    const stream = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    const rec = feed(stream, [1, 2, 3, 4, 5]);
    expect(rec.events).toHaveLength(1);
    expect(rec.events[0]!.kind).toBe('error');
  });

  it('accepts a frame of exactly the limit', () => {
    const length = MAX_FRAME_LENGTH;
    const frame = Buffer.alloc(4 + length);
    frame.writeUInt32BE(length, 0);
    frame[4] = MessageId.Bitfield;
    frame[5] = 0x80;
    const rec = feed(frame, [3, 70_000]);
    expect(rec.events).toHaveLength(1);
    expect(rec.events[0]).toMatchObject({ kind: 'message', id: MessageId.Bitfield });
  });

  it('honours a custom limit', () => {
    const rec = new Recorder();
    const reader = new FrameReader(rec, 16);
    reader.push(msg.request(1, 2, 3)); // 13 bytes: fine
    reader.push(msg.extended(1, Buffer.alloc(15))); // 17 bytes: over
    expect(rec.events.map((e) => e.kind)).toEqual(['message', 'error']);
  });

  it.each([1, 5, 8])('rejects a piece message with a %i-byte frame (shorter than index + begin)', (frameLength) => {
    const frame = Buffer.alloc(4 + frameLength);
    frame.writeUInt32BE(frameLength, 0);
    frame[4] = MessageId.Piece;
    for (const cuts of [[], [4], [5]]) {
      const rec = feed(Buffer.concat([frame, msg.choke()]), cuts);
      expect(rec.events).toHaveLength(1);
      expect(rec.events[0]).toMatchObject({ kind: 'error', reason: expect.stringMatching(/too short/) });
    }
  });

  it('stops without a protocol error when the sink refuses a piece', () => {
    const rec = new Recorder();
    rec.refusePieces = true;
    const reader = new FrameReader(rec);
    reader.push(Buffer.concat([pieceFrame(0, 0, Buffer.alloc(10, 1)), msg.choke()]));
    reader.push(msg.unchoke());
    expect(rec.events).toEqual([{ kind: 'error', reason: 'refused by sink' }]);
  });

  it('stop() inside a delivery halts the rest of the same chunk and all later chunks', () => {
    const rec = new Recorder();
    const reader = new FrameReader(rec);
    rec.onMessage = (id) => {
      if (id === MessageId.Unchoke) reader.stop();
    };
    reader.push(Buffer.concat([msg.choke(), msg.unchoke(), msg.interested(), msg.keepAlive()]));
    reader.push(msg.have(1));
    expect(rec.events.map((e) => (e.kind === 'message' ? e.id : e.kind))).toEqual([MessageId.Choke, MessageId.Unchoke]);
  });

  it('stop() before any data means nothing is delivered', () => {
    const rec = new Recorder();
    const reader = new FrameReader(rec);
    reader.stop();
    reader.push(mixedStream(10));
    expect(rec.events).toEqual([]);
  });

  it('keeps a partial length prefix across chunks made of keep-alives', () => {
    const rec = new Recorder();
    const reader = new FrameReader(rec);
    reader.push(Buffer.from([0, 0]));
    reader.push(Buffer.from([0, 0, 0]));
    reader.push(Buffer.from([0, 0, 0, 0, 0, 0]));
    reader.push(Buffer.from([1, MessageId.Interested]));
    expect(rec.events.map((e) => e.kind)).toEqual(['keepAlive', 'keepAlive', 'message']);
  });

  it('does not deliver a message whose payload has not fully arrived', () => {
    const rec = new Recorder();
    const reader = new FrameReader(rec);
    const frame = msg.bitfield(new Uint8Array(50).fill(0xaa));
    reader.push(frame.subarray(0, 30));
    expect(rec.events).toEqual([]);
    reader.push(frame.subarray(30));
    expect(rec.events).toEqual([{ kind: 'message', id: MessageId.Bitfield, payload: 'aa'.repeat(50) }]);
  });
});

describe('FrameReader: payload limits per message id', () => {
  /** A recorder whose limits are those of a torrent of 100 pieces, counting what it was asked. */
  class LimitedRecorder extends Recorder {
    payloadLimit(id: number): number | 'skip' {
      return payloadLimit(id, 100);
    }
  }

  it('refuses a message whose length prefix is over its limit before any payload arrives', () => {
    // A peer announcing a ~1 MiB extended message, then trickling it: refused at once.
    const rec = new LimitedRecorder();
    const reader = new FrameReader(rec);
    const head = Buffer.alloc(5);
    head.writeUInt32BE(MAX_FRAME_LENGTH, 0);
    head[4] = MessageId.Extended;
    reader.push(head);
    expect(rec.events).toEqual([{ kind: 'error', reason: expect.stringMatching(/extended: a \d+-byte payload is over its \d+-byte limit/) }]);
    reader.push(msg.choke());
    expect(rec.events).toHaveLength(1);
  });

  it('refuses a bitfield longer than the torrent needs, and a have longer than 4 bytes', () => {
    for (const frame of [msg.bitfield(new Uint8Array(14)), Buffer.from([0, 0, 0, 6, MessageId.Have, 0, 0, 0, 1, 0])]) {
      const rec = new LimitedRecorder();
      new FrameReader(rec).push(frame);
      expect(rec.events).toEqual([{ kind: 'error', reason: expect.stringMatching(/limit/) }]);
    }
  });

  it('skips an unknown message of any length without buffering it, under every chunking', () => {
    const unknown = Buffer.alloc(5 + 200_000, 0x55);
    unknown.writeUInt32BE(200_001, 0);
    unknown[4] = 99;
    const stream = Buffer.concat([msg.choke(), unknown, msg.have(3), msg.bitfield(new Uint8Array(13))]);
    for (const cuts of [[], [7], [6, 100, 150_000], [stream.length - 20]]) {
      const rec = new LimitedRecorder();
      const reader = new FrameReader(rec);
      let prev = 0;
      for (const cut of [...cuts, stream.length]) {
        reader.push(stream.subarray(prev, cut));
        prev = cut;
      }
      expect(rec.events.map((e) => (e.kind === 'message' ? e.id : e.kind))).toEqual([MessageId.Choke, MessageId.Have, MessageId.Bitfield]);
    }
  });

  it('delivers messages within their limits as before', () => {
    const rec = new LimitedRecorder();
    new FrameReader(rec).push(Buffer.concat([msg.have(1), msg.bitfield(new Uint8Array(13)), msg.extended(0, Buffer.alloc(60_000)), msg.request(1, 0, 16384)]));
    expect(rec.events.map((e) => e.kind)).toEqual(['message', 'message', 'message', 'message']);
  });
});
