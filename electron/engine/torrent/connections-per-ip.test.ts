import { describe, expect, it } from 'vitest';
import { isLoopback, overIpLimit, PREFIX_FACTOR } from './connections-per-ip.js';

describe('overIpLimit', () => {
  it('lets an IPv4 address hold up to the limit', () => {
    expect(overIpLimit('203.0.113.5', [], 1)).toBe(false);
    expect(overIpLimit('203.0.113.5', ['203.0.113.5'], 1)).toBe(true);
    expect(overIpLimit('203.0.113.5', ['203.0.113.5'], 2)).toBe(false);
    expect(overIpLimit('203.0.113.5', ['203.0.113.5', '198.51.100.1', '203.0.113.5'], 2)).toBe(true);
  });

  it('counts IPv4-mapped addresses as IPv4', () => {
    expect(overIpLimit('::ffff:203.0.113.5', ['203.0.113.5'], 1)).toBe(true);
  });

  it(`caps an IPv6 address, however it is spelled, and its /64 at ${PREFIX_FACTOR} times as many`, () => {
    expect(overIpLimit('2001:db8:1:2::9', ['2001:0db8:1:2:0:0:0:9'], 1)).toBe(true);
    const lan = ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2::3'];
    expect(overIpLimit('2001:db8:1:2::4', lan, 1)).toBe(false);
    expect(overIpLimit('2001:db8:1:2::5', [...lan, '2001:db8:1:2::4'], 1)).toBe(true);
    expect(overIpLimit('2001:db8:1:3::5', [...lan, '2001:db8:1:2::4'], 1)).toBe(false);
  });

  it('never caps loopback, nor anything when the limit is 0', () => {
    const many = Array<string>(100).fill('127.0.0.1');
    expect(overIpLimit('127.0.0.1', many, 1)).toBe(false);
    expect(overIpLimit('::1', Array<string>(100).fill('::1'), 1)).toBe(false);
    expect(overIpLimit('203.0.113.5', Array<string>(100).fill('203.0.113.5'), 0)).toBe(false);
  });
});

describe('isLoopback', () => {
  it('knows 127/8, its IPv4-mapped form and ::1', () => {
    for (const ip of ['127.0.0.1', '127.1.2.3', '::ffff:127.0.0.1', '::1']) expect(isLoopback(ip)).toBe(true);
    for (const ip of ['10.0.0.1', '::2', '2001:db8::1', '128.0.0.1']) expect(isLoopback(ip)).toBe(false);
  });
});
