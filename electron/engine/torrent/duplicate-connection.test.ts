import { describe, expect, it } from 'vitest';
import { duplicateToClose } from './duplicate-connection.js';

const LOW = Buffer.alloc(20, 0x10);
const HIGH = Buffer.concat([Buffer.alloc(19, 0x10), Buffer.from([0x11])]);

/** Which connection survives at one end: 'mine' (it dialled) or 'theirs' (the other end dialled). */
function survivor(ourId: Buffer, theirId: Buffer, newIsOutgoing: boolean): 'mine' | 'theirs' {
  const closed = duplicateToClose(ourId, theirId, newIsOutgoing);
  const newOne = newIsOutgoing ? 'mine' : 'theirs';
  const oldOne = newIsOutgoing ? 'theirs' : 'mine';
  return closed === 'new' ? oldOne : newOne;
}

describe('duplicateToClose: two connections to one peer in opposite directions', () => {
  it('keeps the connection opened by the end with the greater peer id, whichever handshake finished first', () => {
    for (const newIsOutgoing of [true, false]) {
      expect(survivor(HIGH, LOW, newIsOutgoing)).toBe('mine'); // we are greater: our dial stays
      expect(survivor(LOW, HIGH, newIsOutgoing)).toBe('theirs'); // they are greater: their dial stays
    }
  });

  it('both ends close the same connection, whatever order each sees the handshakes in', () => {
    // A (HIGH) dialled connection X, B (LOW) dialled connection Y.
    for (const aSeesXSecond of [true, false]) {
      for (const bSeesXSecond of [true, false]) {
        // At A, X is outgoing; at B, X is incoming.
        const aKeeps = survivor(HIGH, LOW, aSeesXSecond) === 'mine' ? 'X' : 'Y';
        const bKeeps = survivor(LOW, HIGH, !bSeesXSecond) === 'mine' ? 'Y' : 'X';
        expect(aKeeps).toBe(bKeeps);
        expect(aKeeps).toBe('X');
      }
    }
  });

  it("compares peer ids byte by byte from the first (libtorrent's operator<)", () => {
    const a = Buffer.concat([Buffer.from([0x01]), Buffer.alloc(19, 0xff)]);
    const b = Buffer.concat([Buffer.from([0x02]), Buffer.alloc(19, 0x00)]);
    expect(duplicateToClose(a, b, true)).toBe('new'); // theirs (b) greater: close our new dial
    expect(duplicateToClose(b, a, true)).toBe('old');
  });
});
