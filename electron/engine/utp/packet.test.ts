import { describe, expect, it } from 'vitest';
import { decodeHeader, emptyHeader, EXT_SACK, HEADER_BYTES, looksLikeUtp, sackBit, stampHeader, ST_DATA, ST_STATE, ST_SYN, writeHeader } from './packet.js';
import { seqAdd, seqDiff, seqLess } from './seq.js';

describe('uTP packet codec', () => {
  it('round-trips every header field', () => {
    const buf = Buffer.alloc(HEADER_BYTES + 3);
    writeHeader(buf, ST_DATA, 0xbeef, 0xfffe, 0x1234);
    stampHeader(buf, 0xdeadbeef, 0x01020304, 1_048_576, 0x4321);
    buf.write('abc', HEADER_BYTES);
    const h = emptyHeader();
    expect(decodeHeader(buf, h)).toBe(true);
    expect(h).toMatchObject({ type: ST_DATA, connectionId: 0xbeef, timestamp: 0xdeadbeef, timestampDiff: 0x01020304, wndSize: 1_048_576, seqNr: 0xfffe, ackNr: 0x4321, sack: null, payloadOffset: HEADER_BYTES });
    expect(buf.subarray(h.payloadOffset).toString()).toBe('abc');
  });

  it('reads a selective ACK and skips unknown extensions', () => {
    const buf = Buffer.alloc(HEADER_BYTES + 2 + 3 + 2 + 4);
    writeHeader(buf, ST_STATE, 7, 1, 100);
    buf[1] = 9; // an unknown extension first, then SACK
    buf[HEADER_BYTES] = EXT_SACK;
    buf[HEADER_BYTES + 1] = 3;
    buf[HEADER_BYTES + 5] = 0; // end of chain
    buf[HEADER_BYTES + 6] = 4;
    buf[HEADER_BYTES + 7] = 0b0000_0101;
    buf[HEADER_BYTES + 10] = 0x80;
    const h = emptyHeader();
    expect(decodeHeader(buf, h)).toBe(true);
    expect(h.sack?.length).toBe(4);
    const mask = h.sack ?? new Uint8Array();
    expect([0, 1, 2, 31].map((i) => sackBit(mask, i))).toEqual([true, false, true, true]);
    expect(h.payloadOffset).toBe(buf.length);
  });

  it('rejects truncated extension chains, short datagrams, other versions and types', () => {
    const h = emptyHeader();
    const buf = Buffer.alloc(HEADER_BYTES + 3);
    writeHeader(buf, ST_STATE, 1, 1, 1, 8); // claims 8 SACK bytes, has 1
    expect(decodeHeader(buf, h)).toBe(false);
    expect(decodeHeader(Buffer.alloc(19, 0x41), h)).toBe(false);
    const v2 = Buffer.alloc(HEADER_BYTES);
    v2[0] = (ST_SYN << 4) | 2;
    expect(decodeHeader(v2, h)).toBe(false);
    const type5 = Buffer.alloc(HEADER_BYTES);
    type5[0] = (5 << 4) | 1;
    expect(decodeHeader(type5, h)).toBe(false);
  });

  it('tells uTP from bencoded DHT messages', () => {
    expect(looksLikeUtp(Buffer.from('d1:ad2:id20:aaaaaaaaaaaaaaaaaaaae1:q4:ping1:t2:aa1:y1:qe'))).toBe(false);
    const syn = Buffer.alloc(HEADER_BYTES);
    writeHeader(syn, ST_SYN, 1, 1, 0);
    expect(looksLikeUtp(syn)).toBe(true);
  });

  it('compares sequence numbers across the wrap', () => {
    expect(seqDiff(2, 0xfffe)).toBe(4);
    expect(seqDiff(0xfffe, 2)).toBe(-4);
    expect(seqAdd(0xffff, 1)).toBe(0);
    expect(seqAdd(0, -1)).toBe(0xffff);
    expect(seqLess(0xfff0, 5)).toBe(true);
    expect(seqLess(5, 0xfff0)).toBe(false);
  });
});
