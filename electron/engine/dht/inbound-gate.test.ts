import { describe, expect, it } from 'vitest';
import { addressGroup } from '../session/connection-limits.js';
import { InboundGate, type InboundGateOptions } from './inbound-gate.js';

function gate(overrides: Partial<InboundGateOptions> = {}): { gate: InboundGate; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  const options: InboundGateOptions = {
    perSourcePerSecond: 5,
    totalPerSecond: 1000,
    blockAbovePerSecond: 20,
    blockMs: 300_000,
    maxSources: 100,
    now: () => clock.now,
    ...overrides,
  };
  return { gate: new InboundGate(options), clock };
}

function admitMany(g: InboundGate, key: string, count: number): Record<string, number> {
  const verdicts: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const verdict = g.admit(key);
    verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
  }
  return verdicts;
}

describe('InboundGate', () => {
  it('lets one source through up to its burst, then refills at its rate', () => {
    const { gate: g, clock } = gate();
    expect(admitMany(g, '10.0.0.1', 30)).toEqual({ pass: 10, rateLimited: 20 });
    expect(admitMany(g, '10.0.0.2', 3)).toEqual({ pass: 3 });
    clock.now += 1000;
    expect(admitMany(g, '10.0.0.1', 30)).toEqual({ pass: 5, rateLimited: 25 });
  });

  it('blocks a source that floods past the block rate, for the block time', () => {
    const { gate: g, clock } = gate();
    // 20/s over the 10 s window: the 201st datagram blocks it.
    expect(admitMany(g, '10.0.0.1', 201)).toEqual({ pass: 10, rateLimited: 190, blocked: 1 });
    expect(g.blocks).toBe(1);
    clock.now += 60_000;
    expect(admitMany(g, '10.0.0.1', 5)).toEqual({ blocked: 5 });
    clock.now += 240_000;
    expect(admitMany(g, '10.0.0.1', 1)).toEqual({ pass: 1 });
  });

  it('bounds the datagrams processed per second over all sources', () => {
    const { gate: g } = gate({ totalPerSecond: 10 });
    let passed = 0;
    for (let i = 0; i < 100; i++) if (g.admit(`10.0.1.${i}`) === 'pass') passed++;
    expect(passed).toBe(20);
    expect(g.admit('10.0.2.1')).toBe('overloaded');
  });

  it('tracks a bounded number of sources, forgetting the least recently seen', () => {
    const { gate: g } = gate({ maxSources: 3 });
    admitMany(g, 'a', 10);
    for (let i = 0; i < 1000; i++) g.admit(`10.0.${i >> 8}.${i & 0xff}`);
    expect(g.trackedSources).toBe(3);
    // 'a' was evicted: it starts again with a full allowance.
    expect(admitMany(g, 'a', 10)).toEqual({ pass: 10 });
  });

  it('keeps a recently seen source over older ones', () => {
    const { gate: g } = gate({ maxSources: 2 });
    admitMany(g, 'a', 10);
    g.admit('b');
    g.admit('a');
    g.admit('c'); // evicts b, the least recently seen
    expect(admitMany(g, 'a', 1)).toEqual({ rateLimited: 1 });
  });
});

describe('the source a datagram counts against (addressGroup)', () => {
  it('is the IPv4 address, or the IPv6 /64', () => {
    expect(addressGroup('192.0.2.7')).toBe('192.0.2.7');
    expect(addressGroup('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressGroup('2001:db8:0:1::5')).toBe(addressGroup('2001:0db8:0000:0001:ffff:1:2:3'));
    expect(addressGroup('2001:db8:0:1::5')).not.toBe(addressGroup('2001:db8:0:2::5'));
    expect(addressGroup('::1')).toBe('0:0:0:0::/64');
    expect(addressGroup('2001:DB8:1:2:3::')).toBe('2001:db8:1:2::/64');
  });
});
