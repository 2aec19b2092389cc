import { describe, expect, it } from 'vitest';
import type { Reachability } from '../session/reachability.js';
import { interfaceAddresses, isGlobalIPv6, isLoopback, isPublicIPv4, reachFacts, reachVerdict } from './health-reach.js';

const off: Reachability = {
  listenPort: 6881,
  portMapping: { status: 'off', internalPort: 6881, protocol: null, externalAddress: null, externalPorts: {}, error: null },
  incomingConnections: 0,
  lsd: false,
};
const homeMachine = ['127.0.0.1', '::1', '192.168.1.20', 'fe80::1c2d:3e4f:5a6b:7c8d'];

describe('reachFacts', () => {
  it('a listener on loopback only (the test set-ups) is loopback-only whatever addresses the machine has', () => {
    expect(reachFacts({ ...off, listenHost: '127.0.0.1' }, ['203.0.113.9'])).toMatchObject({ loopbackOnly: true, publicIPv4: false });
    expect(reachFacts({ ...off, listenHost: '::1' }, homeMachine).loopbackOnly).toBe(true);
    expect(reachFacts({ ...off, listenHost: '[::1]' }, homeMachine).loopbackOnly).toBe(true);
    expect(reachFacts({ ...off, listenHost: 'localhost' }, homeMachine).loopbackOnly).toBe(true);
  });

  it('a wildcard listener: judged by the machine\'s addresses (private only behind a router; public; global IPv6)', () => {
    expect(reachFacts(off, homeMachine)).toEqual({ incomingConnections: 0, portMapping: 'off', mappingError: null, loopbackOnly: false, publicIPv4: false, globalIPv6: false });
    expect(reachFacts({ ...off, listenHost: '0.0.0.0' }, [...homeMachine, '203.0.113.9']).publicIPv4).toBe(true);
    expect(reachFacts({ ...off, listenHost: '::' }, [...homeMachine, '2001:db8::5']).globalIPv6).toBe(true);
  });

  it('a listener on one address is judged by that address only, and the mapping error is kept', () => {
    const failed = { ...off, portMapping: { ...off.portMapping, status: 'failed' as const, error: 'no gateway' } };
    expect(reachFacts({ ...failed, listenHost: '192.168.1.20' }, ['203.0.113.9'])).toMatchObject({ publicIPv4: false, loopbackOnly: false, portMapping: 'failed', mappingError: 'no gateway' });
  });

  it('this machine\'s addresses are strings (and at least loopback)', () => {
    const list = interfaceAddresses();
    expect(list.every((a) => typeof a === 'string')).toBe(true);
    expect(list.some(isLoopback)).toBe(true);
  });
});

describe('address classes', () => {
  it('public IPv4: not private, CGNAT, loopback, link-local, benchmark, multicast or malformed', () => {
    expect(['8.8.8.8', '203.0.113.9', '172.32.0.1', '100.128.0.1'].map(isPublicIPv4)).toEqual([true, true, true, true]);
    expect(['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '100.64.0.1', '127.0.0.1', '169.254.1.1', '198.18.0.1', '224.0.0.1', '0.0.0.0', '192.0.0.8', '256.1.1.1', '::1', 'x'].some(isPublicIPv4)).toBe(false);
  });

  it('global IPv6 is 2000::/3 only', () => {
    expect(['2001:db8::1', '2a00:1450::1', '3fff::1'].map(isGlobalIPv6)).toEqual([true, true, true]);
    expect(['fe80::1', 'fd00::1', '::1', '::', 'ff02::1', '1.2.3.4'].some(isGlobalIPv6)).toBe(false);
  });

  it('loopback: 127/8, ::1 and IPv4-mapped 127/8', () => {
    expect(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['10.0.0.1', '::', '2001:db8::1'].some(isLoopback)).toBe(false);
  });
});

describe('reachVerdict (the one rule for the Health tab, the status bar and --verbose)', () => {
  const failed: Reachability = { ...off, portMapping: { ...off.portMapping, status: 'failed', error: 'no router' } };
  const verdict = (r: Reachability, addresses: readonly string[] = homeMachine) => reachVerdict(reachFacts(r, addresses));

  it('reachable on evidence: an incoming connection, or a mapped port', () => {
    expect(verdict({ ...failed, incomingConnections: 1 })).toEqual({ kind: 'reachable', why: 'incoming' });
    expect(verdict({ ...off, portMapping: { ...off.portMapping, status: 'mapped' } })).toEqual({ kind: 'reachable', why: 'mapped' });
  });

  it('not reachable only with evidence: mapping failed, nobody came in, no public IPv4 address', () => {
    expect(verdict(failed)).toEqual({ kind: 'not-reachable', why: 'mapping-failed' });
  });

  it('unknown otherwise: loopback only, a public address, or no evidence yet', () => {
    expect(verdict({ ...failed, listenHost: '127.0.0.1' })).toEqual({ kind: 'unknown', why: 'loopback-only' });
    expect(verdict(failed, ['203.0.113.9'])).toEqual({ kind: 'unknown', why: 'public-address' });
    expect(verdict(off)).toEqual({ kind: 'unknown', why: 'no-evidence-yet' });
    expect(verdict({ ...off, portMapping: { ...off.portMapping, status: 'discovering' } })).toEqual({ kind: 'unknown', why: 'no-evidence-yet' });
  });
});
