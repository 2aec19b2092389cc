import { describe, expect, it } from 'vitest';
import * as msg from './encode.js';
import { Bitfield } from '../util/bitfield.js';
import { FrameReader, type FrameSink } from './frame-reader.js';
import { MessageId } from './message-ids.js';

function hex(b: Buffer): string {
  return b.toString('hex');
}

/** Decodes a byte stream with the real reader into [id, payload hex] pairs (pieces as id 7 + header + data). */
function decodeAll(stream: Buffer): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  let piece: { head: string; data: Buffer[] } | null = null;
  const sink: FrameSink = {
    keepAlive: () => out.push([-1, '']),
    message: (id, payload) => out.push([id, hex(payload)]),
    pieceStart: (index, begin) => {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(index, 0);
      head.writeUInt32BE(begin, 4);
      piece = { head: hex(head), data: [] };
      return true;
    },
    pieceData: (bytes) => piece?.data.push(Buffer.from(bytes)),
    pieceEnd: () => {
      if (piece) out.push([MessageId.Piece, piece.head + hex(Buffer.concat(piece.data))]);
      piece = null;
    },
    protocolError: (reason) => {
      throw new Error(reason);
    },
  };
  new FrameReader(sink).push(stream);
  return out;
}

describe('wire encoders', () => {
  it('encodes the bare messages as <len=1><id>', () => {
    expect(hex(msg.choke())).toBe('0000000100');
    expect(hex(msg.unchoke())).toBe('0000000101');
    expect(hex(msg.interested())).toBe('0000000102');
    expect(hex(msg.notInterested())).toBe('0000000103');
    expect(hex(msg.haveAll())).toBe('000000010e');
    expect(hex(msg.haveNone())).toBe('000000010f');
  });

  it('encodes keep-alive as four zero bytes', () => {
    expect(hex(msg.keepAlive())).toBe('00000000');
  });

  it('encodes have, suggest and allowed-fast with a 32-bit index', () => {
    expect(hex(msg.have(0))).toBe('000000050400000000');
    expect(hex(msg.have(0xfffffffe))).toBe('0000000504fffffffe');
    expect(hex(msg.suggest(258))).toBe('000000050d00000102');
    expect(hex(msg.allowedFast(1))).toBe('000000051100000001');
  });

  it('encodes request, cancel and reject as three 32-bit fields', () => {
    expect(hex(msg.request(1, 0x4000, 0x4000))).toBe('0000000d06' + '00000001' + '00004000' + '00004000');
    expect(hex(msg.cancel(2, 0, 13686))).toBe('0000000d08' + '00000002' + '00000000' + '00003576');
    expect(hex(msg.rejectRequest(3, 16384, 1))).toBe('0000000d10' + '00000003' + '00004000' + '00000001');
  });

  it('encodes a bitfield with its bytes verbatim', () => {
    expect(hex(msg.bitfield(Uint8Array.from([0xa5, 0x80])))).toBe('0000000305a580');
    expect(hex(msg.bitfield(new Uint8Array(0)))).toBe('0000000105');
  });

  it('encodes a batch of requests as the concatenation of single requests', () => {
    const refs: Array<[number, number, number]> = [
      [0, 0, 16384],
      [0, 16384, 16384],
      [109, 0, 13686],
      [0xffffffff, 0xffffffff, 0xffffffff],
    ];
    const batch = msg.requestBatch(refs);
    expect(batch.length).toBe(17 * refs.length);
    expect(hex(batch)).toBe(refs.map(([i, b, l]) => hex(msg.request(i, b, l))).join(''));
    expect(msg.requestBatch([]).length).toBe(0);
    expect(decodeAll(batch).map(([id]) => id)).toEqual([6, 6, 6, 6]);
  });

  it('encodes a have for every piece set, back to back, and nothing for an empty set', () => {
    const set = new Bitfield(20);
    for (const i of [0, 7, 8, 19]) set.set(i);
    const batch = msg.haves(set);
    expect(hex(batch)).toBe([0, 7, 8, 19].map((i) => hex(msg.have(i))).join(''));
    expect(decodeAll(batch).map(([id]) => id)).toEqual([4, 4, 4, 4]);
    expect(msg.haves(new Bitfield(20)).length).toBe(0);
  });

  it('encodes a have for each listed index, in the order given, and nothing for an empty list', () => {
    const batch = msg.haveList([19, 0, 0xffffffff, 7]);
    expect(hex(batch)).toBe([19, 0, 0xffffffff, 7].map((i) => hex(msg.have(i))).join(''));
    expect(msg.haveList([]).length).toBe(0);
  });

  it('writes a request frame in place, the same bytes as a single request', () => {
    const out = Buffer.alloc(2 * msg.REQUEST_FRAME_BYTES, 0xee);
    msg.writeRequest(out, msg.REQUEST_FRAME_BYTES, 109, 16384, 13686);
    expect(hex(out.subarray(0, msg.REQUEST_FRAME_BYTES))).toBe('ee'.repeat(msg.REQUEST_FRAME_BYTES));
    expect(hex(out.subarray(msg.REQUEST_FRAME_BYTES))).toBe(hex(msg.request(109, 16384, 13686)));
  });

  it('encodes a piece header whose length prefix counts the block that follows', () => {
    const head = msg.pieceHeader(109, 0, 13686);
    expect(head.length).toBe(13);
    expect(head.readUInt32BE(0)).toBe(9 + 13686);
    expect(head[4]).toBe(MessageId.Piece);
    expect(head.readUInt32BE(5)).toBe(109);
    expect(head.readUInt32BE(9)).toBe(0);
  });

  it('encodes port as a 16-bit value', () => {
    expect(hex(msg.port(6881))).toBe('00000003091ae1');
    expect(hex(msg.port(65535))).toBe('0000000309ffff');
  });

  it('encodes an extended message as <len><20><ext id><payload>', () => {
    expect(hex(msg.extended(0, Buffer.from('de')))).toBe('000000041400' + hex(Buffer.from('de')));
    expect(hex(msg.extended(3, new Uint8Array(0)))).toBe('000000021403');
  });

  it('round-trips every message through the frame reader', () => {
    const block = Buffer.from('the block bytes');
    const stream = Buffer.concat([
      msg.keepAlive(),
      msg.choke(),
      msg.unchoke(),
      msg.interested(),
      msg.notInterested(),
      msg.have(77),
      msg.bitfield(Uint8Array.from([0xf0])),
      msg.request(1, 2, 3),
      msg.pieceHeader(4, 5, block.length),
      block,
      msg.cancel(6, 7, 8),
      msg.port(1234),
      msg.suggest(9),
      msg.haveAll(),
      msg.haveNone(),
      msg.rejectRequest(10, 11, 12),
      msg.allowedFast(13),
      msg.extended(2, Buffer.from([1, 2, 3])),
    ]);
    expect(decodeAll(stream)).toEqual([
      [-1, ''],
      [0, ''],
      [1, ''],
      [2, ''],
      [3, ''],
      [4, '0000004d'],
      [5, 'f0'],
      [6, '000000010000000200000003'],
      [7, '00000004' + '00000005' + hex(block)],
      [8, '000000060000000700000008'],
      [9, '04d2'],
      [0x0d, '00000009'],
      [0x0e, ''],
      [0x0f, ''],
      [0x10, '0000000a0000000b0000000c'],
      [0x11, '0000000d'],
      [20, '02010203'],
    ]);
  });

  it('returns a fresh buffer for each frame (callers may reuse them independently)', () => {
    const a = msg.choke();
    const b = msg.choke();
    expect(a).not.toBe(b);
    a[4] = 9;
    expect(msg.choke()[4]).toBe(0);
  });
});
