import type { PeerAddress, SessionOptions } from '../api.js';
import { LocalServiceDiscovery } from '../lsd/lsd.js';
import { PortMapper, type PortMappingState } from '../portmap/port-mapper.js';
import { wireHashes } from '../torrent/info-hashes.js';
import { LSD_SOURCE } from '../torrent/peer-candidates.js';
import type { Torrent } from '../torrent/torrent.js';
import type { Reachability } from './reachability.js';

export interface ReachHooks {
  torrents: () => Iterable<Torrent>;
  warn: (message: string) => void;
  /** Something a Reachability reports changed. */
  changed: () => void;
}

const PORT_MAPPING_OFF: PortMappingState = { status: 'off', internalPort: 0, protocol: null, externalAddress: null, externalPorts: {}, error: null };

/** What SessionReach switches on: the real port mapper and LSD (tests give stand-ins that touch no network). */
export interface ReachParts {
  mapper(port: number): PortMapper;
  lsd(options: ConstructorParameters<typeof LocalServiceDiscovery>[0]): LocalServiceDiscovery;
}

const REAL_PARTS: ReachParts = {
  mapper: (port) => new PortMapper({ port }),
  lsd: (options) => new LocalServiceDiscovery(options),
};

/** Which of port mapping and LSD run (the user's switches as the session options allow them). */
export interface ReachSwitches {
  portMapping: boolean;
  lsd: boolean;
}

/**
 * What makes the session reachable from outside and on the LAN: the port mapper (router),
 * Local Service Discovery (BEP 14) and the count of incoming connections. LSD announces
 * only torrents that are running and not private (BEP 27), and hands a peer it hears of
 * only to such a torrent. Both can be switched on and off while running (Settings): off
 * closes the multicast sockets, or removes the mappings from the router.
 */
export class SessionReach {
  private incoming = 0;
  private mapper: PortMapper | null = null;
  private lsd: LocalServiceDiscovery | null = null;
  /** Switches are carried out one after another: a quick off, on, off ends as the last one says. */
  private switching: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly options: SessionOptions,
    private readonly listenPort: number,
    private readonly hooks: ReachHooks,
    private readonly parts: ReachParts,
  ) {}

  static async start(options: SessionOptions, listenPort: number, hooks: ReachHooks, on: ReachSwitches, parts: ReachParts = REAL_PARTS): Promise<SessionReach> {
    const reach = new SessionReach(options, listenPort, hooks, parts);
    await reach.set(on);
    return reach;
  }

  /** Turns port mapping and LSD on or off (the caller has applied the session options); resolves once done. */
  set(on: Partial<ReachSwitches>): Promise<void> {
    const next = this.switching.then(() => this.apply(on));
    this.switching = next.catch(() => undefined);
    return next;
  }

  private async apply(on: Partial<ReachSwitches>): Promise<void> {
    if (this.closed) return;
    if (on.portMapping === true && !this.mapper) this.startMapper();
    if (on.portMapping === false && this.mapper) {
      const mapper = this.mapper;
      this.mapper = null;
      await mapper.close();
      this.hooks.changed();
    }
    if (on.lsd === true && !this.lsd) await this.startLsd();
    if (on.lsd === false && this.lsd) {
      const lsd = this.lsd;
      this.lsd = null;
      await lsd.close();
    }
  }

  private startMapper(): void {
    const mapper = this.parts.mapper(this.listenPort);
    this.mapper = mapper;
    mapper.on('warning', this.hooks.warn);
    mapper.on('change', () => this.hooks.changed());
    mapper.start();
  }

  private async startLsd(): Promise<void> {
    const host = this.options.listenHost;
    const v4 = host && /^\d+\.\d+\.\d+\.\d+$/.test(host) && host !== '0.0.0.0' ? host : undefined;
    const hooks = this.hooks;
    const lsd = this.parts.lsd({
      port: () => this.listenPort,
      eligible: () => [...hooks.torrents()].filter(lsdEligible).flatMap(lsdHashes),
      ...(v4 ? { interfaceV4: v4 } : {}),
    });
    lsd.on('warning', hooks.warn);
    lsd.on('peer', (infoHash, peer) => lsdPeerHeard(hooks.torrents(), infoHash, peer));
    await lsd.start();
    this.lsd = lsd;
    // Switched on while torrents run: they are announced now, not at the next round (minutes).
    lsd.announce([...hooks.torrents()].filter(lsdEligible).flatMap(lsdHashes));
  }

  static describe(reach: SessionReach | null, listenPort: number, listenHost?: string): Reachability {
    return {
      listenPort,
      portMapping: reach?.mapper?.state() ?? { ...PORT_MAPPING_OFF, internalPort: listenPort },
      incomingConnections: reach?.incoming ?? 0,
      lsd: reach?.lsd?.active ?? false,
      ...(listenHost ? { listenHost } : {}),
    };
  }

  /** Announces a torrent on the LAN as soon as it runs (now, or when resumed or its metadata arrives), while LSD is on. */
  torrentStarted(torrent: Torrent): void {
    const announce = (): void => {
      const lsd = this.lsd;
      if (lsd && lsdEligible(torrent)) lsd.announce(lsdHashes(torrent));
    };
    torrent.on('state', announce);
    torrent.on('metadata', announce);
    announce();
  }

  incomingAccepted(): void {
    this.incoming++;
    // The first one changes the verdict; later ones only a count the getter reports.
    if (this.incoming === 1) this.hooks.changed();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.switching;
    await Promise.all([this.mapper?.close(), this.lsd?.close()]);
  }
}

/** BEP 27: a private torrent gets peers only from its trackers — no LSD, as no DHT and no PEX. */
/**
 * A LAN peer announced `infoHash`: each running public torrent it names may dial it. LSD peers
 * are one source of the candidate list, with its share: senders are rate-limited (lsd.ts), but
 * a host on the LAN inventing addresses could otherwise fill the list in seconds.
 */
export function lsdPeerHeard(torrents: Iterable<LsdTorrent>, infoHash: string, peer: PeerAddress): void {
  for (const t of torrents) if (lsdHashes(t).includes(infoHash) && lsdEligible(t)) t.addPeers([peer], LSD_SOURCE);
}

/** What LSD reads of a torrent. */
export type LsdTorrent = Pick<Torrent, 'state' | 'info' | 'infoHashes' | 'addPeers'>;

function lsdEligible(torrent: LsdTorrent): boolean {
  return torrent.state !== 'paused' && torrent.state !== 'error' && !torrent.info().private;
}

/** Every hash a torrent is announced by on the LAN: both of a hybrid's, as libtorrent's lsd_announce. */
function lsdHashes(torrent: LsdTorrent): string[] {
  return wireHashes(torrent.infoHashes).map((h) => h.toString('hex'));
}
