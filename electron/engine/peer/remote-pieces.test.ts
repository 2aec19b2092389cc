import { describe, expect, it } from 'vitest';
import { RemotePieces } from './remote-pieces.js';

describe('RemotePieces', () => {
  it('builds a set from haves and says when the last one makes the peer a seed', () => {
    const r = new RemotePieces();
    expect(r.bitfield).toBeNull();
    expect(r.progress).toBe(0);
    expect(r.have(0, 3)).toBe('new');
    expect(r.have(0, 3)).toBe('known');
    expect(r.have(2, 3)).toBe('new');
    expect(r.progress).toBeCloseTo(2 / 3);
    expect(r.have(1, 3)).toBe('now-seed');
    expect(r.isSeed).toBe(true);
    expect(r.bitfield?.complete).toBe(true); // still there: availability takes it out piece by piece
    expect(r.have(1, 3)).toBe('known');
  });

  it('refuses a have out of range and a second piece set', () => {
    const r = new RemotePieces();
    expect(r.have(3, 3)).toEqual({ violation: 'have for piece 3 of 3' });
    expect(r.bitfieldMessage(Buffer.from([0xa0]), 3)).toBeNull();
    expect(r.has(0)).toBe(true);
    expect(r.has(1)).toBe(false);
    expect(r.haveAll()).toBe('second bitfield');
    expect(r.haveNone(3)).toBe('second bitfield');
    expect(r.bitfieldMessage(Buffer.from([0xa0]), 3)).toBe('second bitfield');
  });

  it('checks a bitfield against the piece count: its length and its spare bits', () => {
    expect(new RemotePieces().bitfieldMessage(Buffer.from([0xff, 0]), 3)).toBe('bitfield of 2 bytes for 3 pieces');
    expect(new RemotePieces().bitfieldMessage(Buffer.from([0xf0]), 3)).toBe('bitfield has spare bits set');
  });

  it('have-all: a seed without a bitfield; its haves change nothing', () => {
    const r = new RemotePieces();
    expect(r.haveAll()).toBeNull();
    expect(r.isSeed).toBe(true);
    expect(r.bitfield).toBeNull();
    expect(r.has(12345)).toBe(true);
    expect(r.have(1, 3)).toBe('known');
    expect(r.progress).toBe(1);
  });

  it('before the piece count is known keeps the bitfield and haves, then applies them', () => {
    const r = new RemotePieces();
    expect(r.bitfieldMessage(Buffer.from([0x80, 0x00]), 0)).toBeNull();
    expect(r.have(9, 0)).toBe('pending');
    expect(r.has(0)).toBe(false);
    expect(r.pending.haves).toEqual([9]);
    expect(r.learnPieceCount(10)).toBeNull();
    expect(r.has(0)).toBe(true);
    expect(r.has(9)).toBe(true);
    expect(r.bitfield?.count).toBe(2);
    expect(r.pending).toEqual({ bitfield: null, haves: [] });
  });

  it('before the piece count: have-none becomes an empty set; bad pending input is reported once the count is known', () => {
    const none = new RemotePieces();
    expect(none.haveNone(0)).toBeNull();
    expect(none.bitfieldMessage(Buffer.from([0x80]), 0)).toBe('second bitfield');
    expect(none.learnPieceCount(4)).toBeNull();
    expect(none.bitfield?.count).toBe(0);
    const far = new RemotePieces();
    far.have(4, 0);
    expect(far.learnPieceCount(4)).toBe('have for piece 4 of 4');
    const short = new RemotePieces();
    short.bitfieldMessage(Buffer.from([0x80]), 0);
    expect(short.learnPieceCount(9)).toBe('bitfield of 1 bytes for 9 pieces');
  });
});
