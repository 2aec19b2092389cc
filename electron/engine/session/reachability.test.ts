import { describe, expect, it } from 'vitest';
import { describeReachability, type Reachability } from './reachability.js';
import { reachSettings } from './reach-settings.js';

const off: Reachability = {
  listenPort: 6881,
  portMapping: { status: 'off', internalPort: 6881, protocol: null, externalAddress: null, externalPorts: {}, error: null },
  incomingConnections: 0,
  lsd: false,
};

describe('describeReachability', () => {
  it('says how the port is mapped, whether incoming connections came, or that only outgoing ones work', () => {
    expect(describeReachability(off)).toBe('not reachable: only outgoing connections');
    expect(describeReachability({ ...off, incomingConnections: 2 })).toBe('reachable: 2 incoming connections seen');
    const mapped = { ...off, portMapping: { ...off.portMapping, status: 'mapped' as const, protocol: 'natpmp' as const, externalAddress: '203.0.113.7', externalPorts: { tcp: 6881, udp: 6881 } } };
    expect(describeReachability(mapped)).toBe('port 6881 mapped by NAT-PMP: external 203.0.113.7 (TCP 6881, UDP 6881)');
    const failed = { ...off, portMapping: { ...off.portMapping, status: 'failed' as const, error: 'UPnP IGD: 501 Action Failed' } };
    expect(describeReachability(failed)).toBe('port mapping failed: UPnP IGD: 501 Action Failed; not reachable: only outgoing connections');
  });
});

describe('reachSettings', () => {
  it('is on by default, off by flag or by the environment the test suites set', () => {
    expect(reachSettings({}, {})).toEqual({ portMapping: true, lsd: true });
    expect(reachSettings({ noPortMapping: true }, {})).toEqual({ portMapping: false, lsd: true });
    expect(reachSettings({}, { TESSERA_PORT_MAPPING: '0', TESSERA_LSD: '0' })).toEqual({ portMapping: false, lsd: false });
    expect(reachSettings({ noLsd: true }, { TESSERA_PORT_MAPPING: '1' })).toEqual({ portMapping: true, lsd: false });
  });
});
