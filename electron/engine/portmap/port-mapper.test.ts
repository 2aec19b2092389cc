import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedGateway, type SimulatedGatewayOptions } from '../../../e2e/support/simulated-gateway.js';
import { PortMapper, renewalDelayMs, usableAddress, type PortMapperOptions, type PortMappingState } from './port-mapper.js';

// Every exchange stays on 127.0.0.1: the gateway is simulated in this process, SSDP is sent
// to it by unicast, and NAT-PMP/PCP go to its port instead of the default gateway's.
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function gateway(options: Partial<SimulatedGatewayOptions> = {}): Promise<SimulatedGateway> {
  const gw = new SimulatedGateway({ bind: '127.0.0.1', advertise: '127.0.0.1', ...options });
  await gw.start();
  open.push(gw);
  return gw;
}

function mapper(gw: SimulatedGateway, options: Partial<PortMapperOptions> = {}): PortMapper {
  const m = new PortMapper({
    port: 6881,
    gateway: { host: '127.0.0.1', port: gw.natPmpPort },
    ssdpTarget: { host: '127.0.0.1', port: gw.ssdpPort },
    ...options,
  });
  open.push(m);
  return m;
}

function settled(m: PortMapper): Promise<PortMappingState> {
  return new Promise((resolve) => {
    const on = (s: PortMappingState): void => {
      if (s.status !== 'mapped' && s.status !== 'failed') return;
      m.off('change', on);
      resolve(s);
    };
    m.on('change', on);
  });
}

describe('PortMapper against a simulated gateway', () => {
  it('maps TCP and UDP with PCP, learns the external address, renews before expiry and deletes on close', async () => {
    const gw = await gateway({ maxLifetime: 6 });
    const m = mapper(gw);
    const state = settled(m);
    m.start();
    expect(await state).toMatchObject({ status: 'mapped', protocol: 'pcp', externalAddress: '203.0.113.7', externalPorts: { tcp: 6881, udp: 6881 } });
    expect([...gw.mappings.keys()].sort()).toEqual(['tcp:6881', 'udp:6881']);
    const renewal = await gw.waitFor((r) => r.protocol === 'pcp' && r.action === 'renew' && r.transport === 'tcp');
    expect(renewal.beforeExpiry).toBe(true);
    await m.close();
    expect(gw.requests.filter((r) => r.action === 'delete').map((r) => r.transport).sort()).toEqual(['tcp', 'udp']);
    expect(gw.mappings.size).toBe(0);
    expect(m.state().status).toBe('off');
  });

  it('falls back to NAT-PMP when the gateway answers PCP with "unsupported version"', async () => {
    const gw = await gateway({ speaks: { pcp: false }, maxLifetime: 6 });
    const m = mapper(gw);
    const state = settled(m);
    m.start();
    expect(await state).toMatchObject({ status: 'mapped', protocol: 'natpmp', externalAddress: '203.0.113.7' });
    expect(gw.requests.some((r) => r.action === 'external-address')).toBe(true);
    const renewal = await gw.waitFor((r) => r.protocol === 'natpmp' && r.action === 'renew');
    expect(renewal.beforeExpiry).toBe(true);
    await m.close();
    expect(gw.mappings.size).toBe(0);
  });

  it('uses UPnP IGD when there is no NAT-PMP/PCP gateway: SSDP, description, AddPortMapping, renewal, DeletePortMapping', async () => {
    const gw = await gateway({ speaks: { pcp: false, natpmp: false } });
    const m = mapper(gw, { gateway: null, lifetimeSeconds: 6 });
    const state = settled(m);
    m.start();
    expect(await state).toMatchObject({ status: 'mapped', protocol: 'upnp', externalAddress: '203.0.113.7', externalPorts: { tcp: 6881, udp: 6881 } });
    expect(gw.requests.map((r) => r.action).slice(0, 2)).toEqual(['search', 'description']);
    const renewal = await gw.waitFor((r) => r.protocol === 'upnp' && r.action === 'renew');
    expect(renewal.beforeExpiry).toBe(true);
    await m.close();
    expect(gw.mappings.size).toBe(0);
  });

  it('answers UPnP 725 OnlyPermanentLeasesSupported with a permanent lease, and 718 ConflictInMappingEntry with another port', async () => {
    const gw = await gateway({ speaks: { pcp: false, natpmp: false }, upnpOnlyPermanent: true, upnpConflictPorts: [6881] });
    const m = mapper(gw, { gateway: null });
    const state = settled(m);
    m.start();
    const mapped = await state;
    expect(mapped.status).toBe('mapped');
    expect(mapped.externalPorts.tcp).not.toBe(6881);
    expect(gw.requests.filter((r) => r.action === 'refused').map((r) => r.code)).toEqual(expect.arrayContaining([718, 725]));
    const entries = gw.requests.filter((r) => r.action === 'map');
    expect(entries.map((r) => r.lifetime)).toEqual([0, 0]);
    await m.close();
    expect(gw.mappings.size).toBe(0);
  });

  it('reports every protocol\'s refusal, never throws, and tries again later', async () => {
    const gw = await gateway({ refuse: { pcp: 2, natpmp: 2, upnp: 606 } });
    const m = mapper(gw, { retryMs: 50 });
    const warnings: string[] = [];
    m.on('warning', (w) => warnings.push(w));
    const state = settled(m);
    m.start();
    const failed = await state;
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('NOT_AUTHORIZED');
    expect(failed.error).toContain('not authorized/refused');
    expect(failed.error).toContain('606');
    await gw.waitFor((r) => r.protocol === 'pcp' && r.action === 'refused' && gw.requests.filter((x) => x.protocol === 'pcp' && x.action === 'refused').length >= 2);
    expect(warnings.some((w) => w.includes('trying again'))).toBe(true);
    await m.close();
  });

  it('reports a NAT-PMP result code by name', async () => {
    const gw = await gateway({ speaks: { pcp: false, upnp: false }, refuse: { natpmp: 2 } });
    const m = mapper(gw, { protocols: ['pcp', 'natpmp'] });
    const state = settled(m);
    m.start();
    expect((await state).error).toContain('not authorized/refused');
    await m.close();
  });

  it('re-maps when the listening port changes', async () => {
    const gw = await gateway();
    const m = mapper(gw);
    let state = settled(m);
    m.start();
    await state;
    state = settled(m);
    m.setPort(7000);
    expect(await state).toMatchObject({ status: 'mapped', internalPort: 7000, externalPorts: { tcp: 7000, udp: 7000 } });
    expect([...gw.mappings.keys()].sort()).toEqual(['tcp:7000', 'udp:7000']);
    await m.close();
    expect(gw.mappings.size).toBe(0);
  });
});

describe('what a hostile gateway grants', () => {
  it('renews within setTimeout\'s range and at most every 2 s, whatever the lifetime', () => {
    // 0xffffffff s used to give a delay setTimeout cannot hold: it fired after 1 ms, ~1,100 renewals a second.
    expect(renewalDelayMs([0xffffffff, 7200])).toBe(7200 * 500);
    expect(renewalDelayMs([0xffffffff])).toBe(0x7fffffff);
    expect(renewalDelayMs([1, 7200])).toBe(2000);
    expect(renewalDelayMs([6])).toBe(3000);
    expect(renewalDelayMs([0, 0])).toBeNull();
  });

  it('keeps an external address only when it is one', () => {
    expect(usableAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(usableAddress('2001:db8::7')).toBe('2001:db8::7');
    for (const junk of ['0.0.0.0', '::', '<b>router</b>', 'x'.repeat(60_000), '']) expect(usableAddress(junk)).toBeNull();
  });

  it('a UPnP device whose external address is not an address: mapped, address unknown', async () => {
    const gw = await gateway({ speaks: { pcp: false, natpmp: false }, externalAddress: 'ask your ISP' });
    const m = mapper(gw);
    const state = settled(m);
    m.start();
    expect(await state).toMatchObject({ status: 'mapped', protocol: 'upnp', externalAddress: null, externalPorts: { tcp: 6881, udp: 6881 } });
  });
});
