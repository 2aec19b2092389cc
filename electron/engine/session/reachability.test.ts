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
  const behindRouter = ['192.168.1.20', '127.0.0.1'];
  const failed = { ...off, portMapping: { ...off.portMapping, status: 'failed' as const, error: 'UPnP IGD: 501 Action Failed' } };

  it('says how the port is mapped, whether incoming connections came, and "not reachable" only on evidence', () => {
    expect(describeReachability({ ...off, incomingConnections: 2 }, behindRouter)).toBe('reachable: 2 incoming connections seen');
    const mapped = { ...off, portMapping: { ...off.portMapping, status: 'mapped' as const, protocol: 'natpmp' as const, externalAddress: '203.0.113.7', externalPorts: { tcp: 6881, udp: 6881 } } };
    expect(describeReachability(mapped, behindRouter)).toBe('port 6881 mapped by NAT-PMP: external 203.0.113.7 (TCP 6881, UDP 6881)');
    expect(describeReachability(failed, behindRouter)).toBe(
      'port mapping failed: UPnP IGD: 501 Action Failed; probably not reachable from outside: port mapping failed, no incoming connection seen, no public IPv4 address',
    );
  });

  it('claims nothing without evidence: nobody dialled in yet, a loopback-only listener, a public address', () => {
    expect(describeReachability(off, behindRouter)).toBe('no incoming connection yet; whether peers outside can connect is not known');
    const discovering = { ...off, portMapping: { ...off.portMapping, status: 'discovering' as const } };
    expect(describeReachability(discovering, behindRouter)).toBe('port mapping: looking for the router; no incoming connection yet; whether peers outside can connect is not known');
    // Even with mapping failed: on loopback nobody outside is meant to connect.
    expect(describeReachability({ ...failed, listenHost: '127.0.0.1' }, behindRouter)).toMatch(/; listening on loopback only: reachable from this machine alone/);
    expect(describeReachability({ ...off, listenHost: '::1' })).toBe('listening on loopback only: reachable from this machine alone, as set');
    expect(describeReachability(failed, ['203.0.113.9'])).toMatch(/; no incoming connection yet; listening on a public IPv4 address/);
    expect(describeReachability(off, behindRouter)).not.toMatch(/not reachable/);
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
