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
  it('not connectable: no mapping and no incoming connection', () => {
    const s = sessionSummary(sessionWith(base));
    expect(s.connectable).toBe(false);
    expect(s.reachability).toContain('not reachable');
    expect(sessionSummaryValidator(s, 'session')).toEqual(s);
  });

  it('connectable once an incoming connection came', () => {
    const s = sessionSummary(sessionWith({ ...base, incomingConnections: 2 }));
    expect(s.connectable).toBe(true);
    expect(s.reachability).toContain('2 incoming connections');
  });

  it('a session that cannot tell sends neither field', () => {
    const s = sessionSummary(sessionWith(null));
    expect('connectable' in s).toBe(false);
    expect('reachability' in s).toBe(false);
  });
});
