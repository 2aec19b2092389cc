import { describe, expect, it } from 'vitest';
import { IndexStack } from './index-stack.js';

describe('IndexStack (the picker buckets, outside the JS heap)', () => {
  it('pushes, reads, overwrites and pops in stack order, growing past its first capacity', () => {
    const s = new IndexStack(2);
    for (let i = 0; i < 100; i++) expect(s.push(i * 3)).toBe(i);
    expect(s.length).toBe(100);
    expect(s.at(0)).toBe(0);
    expect(s.at(99)).toBe(297);
    s.set(50, 7);
    expect(s.at(50)).toBe(7);
    expect(s.pop()).toBe(297);
    expect(s.length).toBe(99);
    for (let i = 98; i >= 0; i--) expect(s.pop()).toBe(i === 50 ? 7 : i * 3);
    expect(s.length).toBe(0);
    expect(s.pop()).toBe(-1);
  });

  it('refuses positions outside what it holds (a stale position would corrupt a bucket)', () => {
    const s = new IndexStack(8);
    s.push(1);
    expect(() => s.at(1)).toThrow(RangeError);
    expect(() => s.set(-1, 0)).toThrow(RangeError);
    expect(() => s.set(1, 0)).toThrow(RangeError);
  });

  it('halves once a quarter of it is used, keeping what it holds, and never below 16', () => {
    const s = new IndexStack(1024);
    for (let i = 0; i < 1024; i++) s.push(i);
    while (s.length > 257) s.pop();
    expect(s.capacity).toBe(1024);
    s.pop();
    expect(s.capacity).toBe(512);
    // Room for as many again: pushing back to half does not grow it.
    for (let i = 256; i < 512; i++) s.push(i);
    expect(s.capacity).toBe(512);
    for (let i = 0; i < 512; i++) expect(s.at(i)).toBe(i);
    while (s.length > 0) s.pop();
    expect(s.capacity).toBe(16);
    expect(s.pop()).toBe(-1);
  });

  it('holds piece indices up to 2^31 - 1', () => {
    const s = new IndexStack(1);
    s.push(2 ** 31 - 1);
    expect(s.at(0)).toBe(2 ** 31 - 1);
  });
});
