import { describe, expect, it } from 'vitest';
import { HandshakeRate } from './tls-handshakes.js';

function clock(): { now: () => number; advance(ms: number): void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('TLS handshakes rationed before they start', () => {
  it('gives each address its burst, then its rate; another address is not held back by it', () => {
    const c = clock();
    const rate = new HandshakeRate({ perAddressPerSecond: 2, totalPerSecond: 100, burstSeconds: 2, maxAddresses: 16 }, c.now);
    const flood = Array.from({ length: 10 }, () => rate.admit('127.0.0.2'));
    expect(flood.filter(Boolean)).toHaveLength(4);
    expect(rate.admit('127.0.0.1')).toBe(true);
    c.advance(500);
    expect(rate.admit('127.0.0.2')).toBe(true);
    expect(rate.admit('127.0.0.2')).toBe(false);
    expect(rate.refused).toBe(7);
  });

  it('caps all addresses together: many addresses cannot take the thread either', () => {
    const c = clock();
    const rate = new HandshakeRate({ perAddressPerSecond: 2, totalPerSecond: 10, burstSeconds: 1, maxAddresses: 1000 }, c.now);
    const admitted = Array.from({ length: 100 }, (_, i) => rate.admit(`10.0.0.${i}`)).filter(Boolean);
    expect(admitted).toHaveLength(10);
    c.advance(1000);
    expect(Array.from({ length: 100 }, (_, i) => rate.admit(`10.0.1.${i}`)).filter(Boolean)).toHaveLength(10);
  });

  it('remembers a bounded number of addresses', () => {
    const c = clock();
    const rate = new HandshakeRate({ perAddressPerSecond: 1, totalPerSecond: 1e9, burstSeconds: 1, maxAddresses: 3 }, c.now);
    expect(rate.admit('a')).toBe(true);
    expect(rate.admit('a')).toBe(false);
    // Still remembered while among the 3 most recent.
    rate.admit('b');
    rate.admit('c');
    expect(rate.admit('a')).toBe(false);
  });
});
