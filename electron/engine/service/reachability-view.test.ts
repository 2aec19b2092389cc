import { describe, expect, it } from 'vitest';
import { sessionSummary as sessionSummaryValidator } from '../../../shared/contract/index.js';
import type { EngineSession } from '../api.js';
import type { Reachability } from '../session/reachability.js';
import { sessionSummary } from './views.js';

function sessionWith(reach: Reachability | null): EngineSession {
  return {
    port: 6881,
    list: () => [],
    rateLimits: () => ({ download: 0, upload: 0 }),
    ...(reach ? { reachability: () => reach } : {}),
  } as unknown as EngineSession;
}

const base: Reachability = { listenPort: 6881, portMapping: { status: 'off' } as Reachability['portMapping'], incomingConnections: 0, lsd: false };

describe('the status bar learns whether Tessera is connectable', () => {
  const behindRouter = ['192.168.1.20', '127.0.0.1'];
  const failed: Reachability = { ...base, portMapping: { status: 'failed', error: 'no router answered' } as Reachability['portMapping'] };

  it('not connectable only on evidence: mapping failed, nobody came in, no public address (as the Health tab says)', () => {
    const s = sessionSummary(sessionWith(failed), behindRouter);
    expect(s.connectable).toBe(false);
    expect(s.reachability).toContain('probably not reachable');
    expect(sessionSummaryValidator(s, 'session')).toEqual(s);
  });

  it('unknown (no connectable field) before any evidence, on a loopback-only listener, or on a public address', () => {
    for (const [reach, addresses] of [
      [base, behindRouter],
      [{ ...failed, listenHost: '127.0.0.1' }, behindRouter],
      [failed, ['198.51.99.4']],
    ] as const) {
      const s = sessionSummary(sessionWith(reach), addresses);
      expect('connectable' in s, JSON.stringify(reach)).toBe(false);
      expect(s.reachability).not.toMatch(/not reachable|only outgoing/);
      expect(sessionSummaryValidator(s, 'session')).toEqual(s);
    }
  });

  it('connectable once an incoming connection came', () => {
    const s = sessionSummary(sessionWith({ ...base, incomingConnections: 2 }), behindRouter);
    expect(s.connectable).toBe(true);
    expect(s.reachability).toContain('2 incoming connections');
  });

  it('a session that cannot tell sends neither field', () => {
    const s = sessionSummary(sessionWith(null));
    expect('connectable' in s).toBe(false);
    expect('reachability' in s).toBe(false);
  });
});
