import { describe, expect, it } from 'vitest';
import { IncomingBudget } from './incoming-frames.js';

/** A masked client frame's header (mask key 0) announcing `length` payload bytes. */
function header(length: number, { fin = true, opcode = 1 } = {}): Buffer {
  const first = (fin ? 0x80 : 0) | opcode;
  if (length < 126) return Buffer.from([first, 0x80 | length, 0, 0, 0, 0]);
  if (length < 65536) {
    const h = Buffer.from([first, 0x80 | 126, 0, 0, 0, 0, 0, 0]);
    h.writeUInt16BE(length, 2);
    return h;
  }
  const h = Buffer.alloc(14);
  h[0] = first;
  h[1] = 0x80 | 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  return h;
}

function frame(length: number, options?: { fin?: boolean; opcode?: number }): Buffer {
  return Buffer.concat([header(length, options), Buffer.alloc(length, 0x20)]);
}

describe('messages tabs send, against one shared budget', () => {
  it('lets each tab hold its own part, and closes a tab whose message the pool cannot take', () => {
    const budget = new IncomingBudget(1000, 100);
    const tabs = Array.from({ length: 4 }, () => budget.open());
    // Each announces a message of 100 (its own part) and sends none of it: nothing pooled.
    for (const t of tabs) expect(t.feed(header(100))).toBe(true);
    expect(budget.pooled).toBe(0);
    const big = [budget.open(), budget.open(), budget.open()];
    expect(big[0]!.feed(header(600))).toBe(true);
    expect(big[1]!.feed(header(600))).toBe(true);
    expect(budget.pooled).toBe(1000);
    // The third does not fit: refused at its header, before its payload is read.
    expect(big[2]!.feed(header(200))).toBe(false);
    expect(budget.pooled).toBe(1000);
    // A tab that finishes its message gives its pool bytes back.
    expect(big[0]!.feed(Buffer.alloc(600))).toBe(true);
    expect(big[0]!.holding).toBe(0);
    expect(budget.pooled).toBe(500);
    const next = budget.open();
    expect(next.feed(header(600))).toBe(true);
    // So does a tab that closes mid-message.
    big[1]!.close();
    expect(budget.pooled).toBe(500);
  });

  it('counts a fragmented message whole, and not the control frames between its fragments', () => {
    const budget = new IncomingBudget(1000, 100);
    const tab = budget.open();
    // Frames split anywhere: a byte at a time.
    const bytes = Buffer.concat([frame(80, { fin: false }), frame(4, { opcode: 0x9 }), frame(70, { fin: false, opcode: 0 })]);
    for (const b of bytes) expect(tab.feed(Buffer.from([b]))).toBe(true);
    expect(tab.holding).toBe(150);
    expect(budget.pooled).toBe(50);
    expect(tab.feed(frame(2000, { opcode: 0 }).subarray(0, 14))).toBe(false);
    expect(budget.pooled).toBe(0);
  });

  it('frees the pool once the last fragment has arrived, in one chunk with the next message', () => {
    const budget = new IncomingBudget(1000, 100);
    const tab = budget.open();
    expect(tab.feed(Buffer.concat([frame(300, { fin: false }), frame(300, { opcode: 0 }), frame(900), header(500)]))).toBe(true);
    expect(tab.holding).toBe(500);
    expect(budget.pooled).toBe(400);
  });

  it('refuses a length no budget holds (a 64-bit length over 2^53) and empty frames cost nothing', () => {
    const budget = new IncomingBudget(1000, 100);
    const tab = budget.open();
    expect(tab.feed(Buffer.concat([frame(0), frame(0), frame(0, { opcode: 0xa })]))).toBe(true);
    expect(tab.holding).toBe(0);
    const h = header(70000);
    h.writeBigUInt64BE(2n ** 63n - 1n, 2);
    expect(tab.feed(h)).toBe(false);
    expect(budget.pooled).toBe(0);
  });
});
