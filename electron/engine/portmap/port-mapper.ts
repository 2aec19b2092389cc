import net from 'node:net';
import { TypedEmitter } from '../util/typed-emitter.js';
import { defaultGatewayV4 } from './default-gateway.js';
import { NATPMP_PORT, type Transport } from './natpmp-packet.js';
import { GatewayRefusal, natPmpExternalAddress, natPmpMap, newNonce, PcpUnsupported, pcpMap, type Gateway } from './natpmp-pcp-client.js';
import { discoverUpnp, upnpAddMapping, upnpDeleteMapping, upnpExternalAddress, type UpnpDevice } from './upnp-client.js';

export type MappingProtocol = 'pcp' | 'natpmp' | 'upnp';

/** What the port mapper knows; `status` says which other fields mean something. */
export interface PortMappingState {
  status: 'off' | 'discovering' | 'mapped' | 'failed';
  /** The listening port being mapped. */
  internalPort: number;
  protocol: MappingProtocol | null;
  /** The gateway's public address, when it told us. */
  externalAddress: string | null;
  /** External port per transport, when mapped. */
  externalPorts: Partial<Record<Transport, number>>;
  /** Why the last attempt failed (each protocol's reason), or null. */
  error: string | null;
}

export interface PortMapperOptions {
  port: number;
  transports?: Transport[];
  /** NAT-PMP/PCP server (default: the default gateway, port 5351; null = none). */
  gateway?: Gateway | null;
  /** Where the SSDP search goes (default the multicast group; tests name a unicast address). */
  ssdpTarget?: { host: string; port: number };
  /** Protocols tried, in order (default PCP, then NAT-PMP, then UPnP IGD). */
  protocols?: MappingProtocol[];
  /** Lifetime asked for (seconds; default 2 hours, RFC 6886's recommendation). */
  lifetimeSeconds?: number;
  /** After a failed attempt, the next one comes this much later (default 5 minutes). */
  retryMs?: number;
  /** Shown in the router's mapping table. */
  description?: string;
}

interface Mapping {
  transport: Transport;
  externalPort: number;
  /** Seconds granted; 0 = until deleted. */
  lifetime: number;
  /** PCP: renewals and deletion repeat the first request's nonce. */
  nonce: Buffer;
}

interface Active {
  protocol: MappingProtocol;
  internalPort: number;
  mappings: Mapping[];
  device: UpnpDevice | null;
}

/** UPnP errors (UPnP IGD WANIPConnection:1/2) the mapper answers to rather than reports. */
const UPNP_CONFLICT = 718;
const UPNP_ONLY_PERMANENT = 725;
const CONFLICT_RETRIES = 4;
const CLOSE_BOUND_MS = 8000;
/** Renewals no more often than this, whatever lifetime the gateway grants (1 s: twice a second). */
const MIN_RENEWAL_MS = 2000;
/** setTimeout's longest delay (2^31 - 1 ms, ~24.8 days): a longer one fires after 1 ms. */
const MAX_TIMER_MS = 0x7fffffff;

/**
 * The gateway's external address, when it is one: a UPnP device's is free text (up to the
 * 64 KiB reply), which went as it was into the reachability line; 0.0.0.0 (NAT-PMP's "none
 * yet") or :: is no address either.
 */
export function usableAddress(text: string | null): string | null {
  if (text === null || net.isIP(text) === 0) return null;
  return text === '0.0.0.0' || text === '::' || text === '::ffff:0.0.0.0' ? null : text;
}

/**
 * When to renew mappings granted for these lifetimes (seconds, 0 = until removed): at half the
 * shortest, within [MIN_RENEWAL_MS, MAX_TIMER_MS]; null when none expires. The lifetime is the
 * gateway's word: one granting 0xffffffff s (136 years) made the delay overflow setTimeout,
 * which then fired after 1 ms, and we renewed ~1,100 times a second.
 */
export function renewalDelayMs(lifetimes: readonly number[]): number | null {
  const expiring = lifetimes.filter((l) => l > 0);
  if (expiring.length === 0) return null;
  return Math.min(MAX_TIMER_MS, Math.max(MIN_RENEWAL_MS, (Math.min(...expiring) * 1000) / 2));
}
const IN_FLIGHT_BOUND_MS = 1000;

/**
 * Keeps the listening port mapped on the home router, like libtorrent and qBittorrent:
 * PCP (RFC 6887), NAT-PMP (RFC 6886) or UPnP IGD, whichever the gateway answers. Renews at
 * half the granted lifetime, remaps when the port changes, deletes the mappings on close.
 * A gateway that refuses is reported in the state and tried again later; nothing it sends
 * can throw out of here.
 */
export class PortMapper extends TypedEmitter<{ change: (state: PortMappingState) => void; warning: (message: string) => void }> {
  private current: PortMappingState;
  private active: Active | null = null;
  private timer: NodeJS.Timeout | null = null;
  private work: Promise<void> = Promise.resolve();
  private closed = false;
  private port: number;
  private readonly transports: Transport[];
  private readonly gateway: Gateway | null;
  private readonly protocols: MappingProtocol[];
  private readonly lifetime: number;
  private readonly retryMs: number;
  private readonly description: string;

  constructor(private readonly options: PortMapperOptions) {
    super();
    this.port = options.port;
    this.transports = options.transports ?? ['tcp', 'udp'];
    const router = options.gateway === undefined ? defaultGatewayV4() : null;
    this.gateway = options.gateway !== undefined ? options.gateway : router ? { host: router, port: NATPMP_PORT } : null;
    this.protocols = options.protocols ?? ['pcp', 'natpmp', 'upnp'];
    this.lifetime = options.lifetimeSeconds ?? 7200;
    this.retryMs = options.retryMs ?? 5 * 60_000;
    this.description = options.description ?? 'Tessera';
    this.current = { status: 'off', internalPort: this.port, protocol: null, externalAddress: null, externalPorts: {}, error: null };
  }

  state(): PortMappingState {
    return { ...this.current, externalPorts: { ...this.current.externalPorts } };
  }

  start(): void {
    this.enqueue(() => this.attempt());
  }

  /** The listening port changed: delete the old mappings and map the new port. */
  setPort(port: number): void {
    if (port === this.port) return;
    this.enqueue(async () => {
      await this.deleteActive();
      this.port = port;
      await this.attempt();
    });
  }

  /**
   * Removes the mappings. An attempt still under way (a silent gateway costs seconds) is given
   * a moment, not waited for: a mapping it makes after this is removed as soon as it lands.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    await bounded(this.work, IN_FLIGHT_BOUND_MS);
    await bounded(this.deleteActive(), CLOSE_BOUND_MS);
    this.setState({ status: 'off', protocol: null, externalAddress: null, externalPorts: {}, error: null });
  }

  private enqueue(job: () => Promise<void>): void {
    this.work = this.work.then(async () => {
      if (this.closed) return;
      try {
        await job();
      } catch (err) {
        this.emit('warning', `port mapping: ${message(err)}`);
      }
    });
  }

  private async attempt(): Promise<void> {
    this.clearTimer();
    this.setState({ status: 'discovering', protocol: null, externalAddress: null, externalPorts: {}, error: null });
    const reasons: string[] = [];
    for (const protocol of this.protocols) {
      if (this.closed) return;
      try {
        const active = await this.map(protocol, null);
        if (this.closed) return await this.deleteMappings(active.active);
        this.adopt(active.active, active.externalAddress);
        return;
      } catch (err) {
        reasons.push(`${protocolName(protocol)}: ${message(err)}`);
      }
    }
    if (this.closed) return;
    this.setState({ status: 'failed', protocol: null, externalAddress: null, externalPorts: {}, error: reasons.join('; ') });
    this.emit('warning', `port mapping failed (${reasons.join('; ')}); trying again in ${Math.round(this.retryMs / 1000)} s`);
    this.schedule(this.retryMs, () => this.attempt());
  }

  private async renew(): Promise<void> {
    const previous = this.active;
    if (!previous) return this.attempt();
    try {
      const renewed = await this.map(previous.protocol, previous);
      if (this.closed) {
        // close() may not have waited for us: the mappings are ours to remove, once.
        this.active = null;
        return await this.deleteMappings(renewed.active);
      }
      this.adopt(renewed.active, renewed.externalAddress ?? this.current.externalAddress);
    } catch (err) {
      this.emit('warning', `port mapping: renewing with ${protocolName(previous.protocol)}: ${message(err)}`);
      this.active = null;
      await this.attempt();
    }
  }

  private adopt(active: Active, externalAddress: string | null): void {
    this.active = active;
    const externalPorts: Partial<Record<Transport, number>> = {};
    for (const m of active.mappings) externalPorts[m.transport] = m.externalPort;
    this.setState({ status: 'mapped', protocol: active.protocol, externalAddress, externalPorts, error: null });
    const renewIn = renewalDelayMs(active.mappings.map((m) => m.lifetime));
    if (renewIn !== null) this.schedule(renewIn, () => this.renew());
  }

  /** Maps every transport with one protocol (or renews `previous`); on a partial failure, undoes what it mapped. */
  private async map(protocol: MappingProtocol, previous: Active | null): Promise<{ active: Active; externalAddress: string | null }> {
    const internalPort = this.port;
    const device = protocol === 'upnp' ? (previous?.device ?? (await discoverUpnp(this.options.ssdpTarget))) : null;
    const gw = this.gateway;
    if (protocol !== 'upnp' && !gw) throw new Error('no default gateway');
    const active: Active = { protocol, internalPort, mappings: [], device };
    let externalAddress: string | null = null;
    try {
      for (const transport of this.transports) {
        const before = previous?.mappings.find((m) => m.transport === transport);
        const nonce = before?.nonce ?? newNonce();
        const wanted = before?.externalPort ?? internalPort;
        let granted;
        if (protocol === 'pcp') granted = await pcpMap(gw!, nonce, transport, internalPort, wanted, this.lifetime);
        else if (protocol === 'natpmp') granted = await natPmpMap(gw!, transport, internalPort, wanted, this.lifetime);
        else granted = await this.upnpAdd(device!, transport, internalPort, wanted);
        active.mappings.push({ transport, externalPort: granted.externalPort, lifetime: granted.lifetime, nonce });
        externalAddress ??= granted.externalAddress;
      }
      if (protocol === 'natpmp') externalAddress = await natPmpExternalAddress(gw!).catch(() => null);
      if (protocol === 'upnp') externalAddress = await upnpExternalAddress(device!).catch(() => null);
    } catch (err) {
      if (!previous) await this.deleteMappings(active);
      throw err;
    }
    return { active, externalAddress: usableAddress(externalAddress) };
  }

  /** AddPortMapping, answering 725 with a permanent lease and 718 with other external ports. */
  private async upnpAdd(device: UpnpDevice, transport: Transport, internalPort: number, wanted: number) {
    let lease = Math.min(this.lifetime, 604800);
    let externalPort = wanted;
    for (let tries = 0; ; tries++) {
      try {
        return await upnpAddMapping(device, transport, internalPort, externalPort, lease, this.description);
      } catch (err) {
        if (!(err instanceof GatewayRefusal) || tries >= CONFLICT_RETRIES) throw err;
        if (err.code === UPNP_ONLY_PERMANENT && lease !== 0) lease = 0;
        else if (err.code === UPNP_CONFLICT) externalPort = 1024 + Math.floor(Math.random() * (65536 - 1024));
        else throw err;
      }
    }
  }

  private async deleteActive(): Promise<void> {
    this.clearTimer();
    const active = this.active;
    this.active = null;
    if (active) await this.deleteMappings(active);
  }

  private async deleteMappings(active: Active): Promise<void> {
    for (const m of active.mappings) {
      try {
        if (active.protocol === 'pcp') await pcpMap(this.gateway!, m.nonce, m.transport, active.internalPort, 0, 0);
        else if (active.protocol === 'natpmp') await natPmpMap(this.gateway!, m.transport, active.internalPort, 0, 0);
        else await upnpDeleteMapping(active.device!, m.transport, m.externalPort);
      } catch (err) {
        if (!(err instanceof PcpUnsupported)) this.emit('warning', `port mapping: removing ${m.transport} ${m.externalPort}: ${message(err)}`);
      }
    }
  }

  private schedule(ms: number, job: () => Promise<void>): void {
    this.clearTimer();
    if (this.closed) return;
    this.timer = setTimeout(() => this.enqueue(job), ms);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private setState(next: Omit<PortMappingState, 'internalPort'>): void {
    this.current = { ...next, internalPort: this.port };
    this.emit('change', this.state());
  }
}

export function protocolName(protocol: MappingProtocol): string {
  return protocol === 'pcp' ? 'PCP' : protocol === 'natpmp' ? 'NAT-PMP' : 'UPnP IGD';
}

/** Waits for `work`, but no longer than `ms`. */
async function bounded(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
