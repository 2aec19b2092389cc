import type { PeerAddress, TrackerStats } from '../api.js';
import { Announcer, type AnnounceClient } from '../tracker/index.js';
import type { DhtPeer } from '../dht/index.js';
import { dhtSource, trackerSource } from './peer-candidates.js';
import { RESOLVED } from '../util/resolved.js';

const DHT_LOOKUP_INTERVAL_MS = 5 * 60_000;

/** The DHT as a torrent uses it (the session owns the node); each peer comes with the node that named it. */
export interface TorrentDht {
  getPeers(infoHash: Uint8Array): AsyncGenerator<DhtPeer, void, undefined>;
  announce(infoHash: Uint8Array, port: number): Promise<{ peers: DhtPeer[] }>;
  /** Nodes in the routing table (0: not bootstrapped), for the health diagnosis. */
  nodeCount?(): number;
  /** False while the user has the DHT switched off (absent: always on). */
  readonly enabled?: boolean;
  /** The DHT's UDP port for peers of `family` (BEP 5 PORT message); null: no node of that family. */
  portFor?(family: 4 | 6): number | null;
  /** A peer's BEP 5 PORT message named its DHT node: ping it, and keep it if it answers. */
  nodeOffered?(address: PeerAddress): void;
}

/** What discovery needs from its torrent. */
export interface DiscoveryHost {
  readonly infoHash: Buffer;
  readonly peerId: Buffer;
  readonly listenPort: number;
  readonly trackerClient: AnnounceClient | null;
  readonly dht: TorrentDht | null;
  /** Totals for announces; `left` must not be 0 before the metadata is known (that claims a seed). */
  announceStats(): { uploaded: number; downloaded: number; left: number };
  /**
   * A hybrid's second wire hash (BEP 52: the first 20 bytes of its SHA-256), announced beside
   * the first as libtorrent does, so v2-only peers find it too; null otherwise.
   */
  secondHash?(): Buffer | null;
  /**
   * Addresses found (the dialer de-duplicates them). `source` names where from (a tracker's
   * URL, the DHT node's network: dhtSource), for the share of the candidate list one source may hold.
   */
  found(peers: PeerAddress[], source: string): void;
  warn(message: string): void;
}

/**
 * Where a running torrent learns of peers: its trackers (an Announcer over the tiers) and
 * DHT lookups. Runs between start() and stop(); a lookup from an earlier run stops feeding
 * peers once stopped, even when it finishes later.
 */
export class Discovery {
  private announcer: Announcer | null = null;
  /** The announcer for a hybrid's v2 hash: its peers count, its status and warnings are the first one's. */
  private announcerV2: Announcer | null = null;
  private dhtTimer: NodeJS.Timeout | null = null;
  /** Announces to the DHT now (this run's lookup); null when stopped or without the DHT. */
  private dhtAnnounceNow: (() => void) | null = null;
  /** DHT lookups run (setDht); a switch off ends the lookups of that stretch, as stop() ends a run's. */
  private dhtOn = false;
  private dhtStretch = 0;
  private run = 0;
  private running = false;
  private stopping: Promise<void> = RESOLVED;

  constructor(private readonly host: DiscoveryHost) {}

  /** Starts announcing to `tiers` and, unless the torrent is private, looking it up in the DHT. */
  start(tiers: string[][], options: { finished: boolean; dht: boolean }): void {
    if (this.running) return;
    this.running = true;
    this.run++;
    if (tiers.length > 0) this.startAnnouncer(tiers, options.finished);
    if (options.dht) this.startDhtLookups();
  }

  /**
   * The DHT was switched on or off while running (Settings, or the torrent turned out private):
   * off ends the lookups and announces to it at once; on starts them as start() does.
   */
  setDht(on: boolean): void {
    if (!this.running || on === this.dhtOn) return;
    if (on) this.startDhtLookups();
    else this.stopDht();
  }

  private stopDht(): void {
    this.dhtOn = false;
    this.dhtStretch++;
    if (this.dhtTimer) clearInterval(this.dhtTimer);
    this.dhtTimer = null;
    this.dhtAnnounceNow = null;
  }

  /** Stops; resolves once every stop so far has told the trackers (best effort, bounded by the announcer). */
  stop(): Promise<void> {
    this.running = false;
    this.stopDht();
    this.stopAnnouncers();
    return this.stopping;
  }

  /**
   * The torrent's trackers changed (added, edited, removed): while running, the old announcers
   * say `stopped` and new ones start over the new tiers. The DHT lookups go on undisturbed.
   */
  setTrackers(tiers: string[][], finished: boolean): void {
    if (!this.running) return;
    this.stopAnnouncers();
    if (tiers.length > 0) this.startAnnouncer(tiers, finished);
  }

  /** "Force reannounce": every tracker (each after its min interval) and the DHT, now. Nothing while stopped. */
  reannounce(): void {
    if (!this.running) return;
    this.announcer?.announceNow();
    this.announcerV2?.announceNow();
    this.dhtAnnounceNow?.();
  }

  private stopAnnouncers(): void {
    for (const announcer of [this.announcer, this.announcerV2]) {
      if (!announcer) continue;
      const stopped = announcer
        .stop()
        .catch(() => undefined)
        .then(() => announcer.destroy());
      this.stopping = Promise.all([this.stopping, stopped]).then(() => undefined);
    }
    this.announcer = null;
    this.announcerV2 = null;
  }

  /** The download finished: trackers hear `completed`. */
  completed(): void {
    this.announcer?.completed();
    this.announcerV2?.completed();
  }

  /** Tracker status while running; null when stopped (the torrent lists its tiers as idle). */
  trackers(): TrackerStats[] | null {
    return this.announcer?.trackers() ?? null;
  }

  private startAnnouncer(tiers: string[][], finished: boolean): void {
    const host = this.host;
    const make = (infoHash: Buffer): Announcer =>
      new Announcer(
        { infoHash, peerId: host.peerId, port: host.listenPort, getStats: () => host.announceStats() },
        { tiers, ...(host.trackerClient ? { client: host.trackerClient } : {}) },
      );
    const announcer = make(host.infoHash);
    announcer.on('warning', (url, message) => host.warn(`tracker ${url}: ${message}`));
    this.announcer = announcer;
    const second = host.secondHash?.() ?? null;
    this.announcerV2 = second ? make(second) : null;
    for (const a of [announcer, this.announcerV2]) {
      if (!a) continue;
      a.on('peers', (peers, url) => host.found(peers, trackerSource(url)));
      a.start();
      if (finished) a.completed();
    }
  }

  private startDhtLookups(): void {
    const dht = this.host.dht;
    if (!dht) return;
    this.dhtOn = true;
    const run = this.run;
    const stretch = ++this.dhtStretch;
    const current = (): boolean => this.running && this.run === run && this.dhtStretch === stretch;
    // First: stream peers as the lookup finds them (a magnet wants its first peer soon), then
    // announce. Later rounds only announce: announce runs the same get_peers lookup itself.
    const first = async (): Promise<void> => {
      for await (const peer of dht.getPeers(this.host.infoHash)) {
        if (!current()) return;
        this.host.found([{ host: peer.host, port: peer.port }], dhtSource(peer.from));
      }
      await announce();
    };
    const announce = async (): Promise<void> => {
      if (!current()) return;
      const second = this.host.secondHash?.() ?? null;
      const results = await Promise.all([this.host.infoHash, ...(second ? [second] : [])].map((h) => dht.announce(h, this.host.listenPort)));
      if (current()) for (const [source, peers] of bySource(results.flatMap((r) => r.peers))) this.host.found(peers, source);
    };
    const report = (err: unknown): void => this.host.warn(`DHT lookup: ${err instanceof Error ? err.message : String(err)}`);
    first().catch(report);
    this.dhtTimer = setInterval(() => announce().catch(report), DHT_LOOKUP_INTERVAL_MS);
    this.dhtAnnounceNow = () => void announce().catch(report);
  }
}

/**
 * DHT peers under the source their node's network names (dhtSource): each network of nodes has
 * its own share of the candidate list and its own turn, so one node inventing hundreds of
 * peers per lookup cannot keep out those an honest node names.
 */
function bySource(peers: readonly DhtPeer[]): Map<string, PeerAddress[]> {
  const out = new Map<string, PeerAddress[]>();
  for (const peer of peers) {
    const source = dhtSource(peer.from);
    const list = out.get(source);
    const address = { host: peer.host, port: peer.port };
    if (list) list.push(address);
    else out.set(source, [address]);
  }
  return out;
}
