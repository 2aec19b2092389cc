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

/**
 * What makes the session reachable from outside and on the LAN: the port mapper (router),
 * Local Service Discovery (BEP 14) and the count of incoming connections. LSD announces
 * only torrents that are running and not private (BEP 27), and hands a peer it hears of
 * only to such a torrent.
 */
export class SessionReach {
  private incoming = 0;

  private constructor(
    private readonly mapper: PortMapper | null,
    private readonly lsd: LocalServiceDiscovery | null,
    private readonly hooks: ReachHooks,
  ) {}

  static async start(options: SessionOptions, listenPort: number, hooks: ReachHooks): Promise<SessionReach> {
    const mapper = options.portMapping ? new PortMapper({ port: listenPort }) : null;
    let lsd: LocalServiceDiscovery | null = null;
    if (options.lsd) {
      const v4 = options.listenHost && /^\d+\.\d+\.\d+\.\d+$/.test(options.listenHost) && options.listenHost !== '0.0.0.0' ? options.listenHost : undefined;
      lsd = new LocalServiceDiscovery({
        port: () => listenPort,
        eligible: () => [...hooks.torrents()].filter(lsdEligible).flatMap(lsdHashes),
        ...(v4 ? { interfaceV4: v4 } : {}),
      });
    }
    const reach = new SessionReach(mapper, lsd, hooks);
    if (mapper) {
      mapper.on('warning', hooks.warn);
      mapper.on('change', () => hooks.changed());
      mapper.start();
    }
    if (lsd) {
      lsd.on('warning', hooks.warn);
      lsd.on('peer', (infoHash, peer) => lsdPeerHeard(hooks.torrents(), infoHash, peer));
      await lsd.start();
    }
    return reach;
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

  /** Announces a torrent on the LAN as soon as it runs (now, or when resumed or its metadata arrives). */
  torrentStarted(torrent: Torrent): void {
    const lsd = this.lsd;
    if (!lsd) return;
    const announce = (): void => {
      if (lsdEligible(torrent)) lsd.announce(lsdHashes(torrent));
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
