import fs from 'node:fs/promises';
import path from 'node:path';
import type { PeerAddress, SessionOptions } from '../api.js';
import { DhtNode, type DhtPeer } from '../dht/index.js';
import type { TorrentDht } from '../torrent/discovery.js';
import { writeFileAtomic } from '../resume/atomic-write.js';
import { mergeDhtStates } from './dht-state-merge.js';
import { mergePeerStreams } from './merge-peer-streams.js';

const STATE_FILE = 'dht.dat';

/**
 * The session's DHT: an IPv4 node and, where the machine has IPv6, an IPv6 node (BEP 32: its
 * own socket and routing table), both bound next to the TCP listening port when they can be,
 * sharing one node id, paired so each answers `want` n4/n6 for the other. Their node lists are
 * loaded from and saved to one state file, so a restart does not need the bootstrap routers again.
 */
export class SessionDht implements TorrentDht {
  private constructor(private readonly nodes: DhtNode[], private readonly stateFile: string | null) {}

  /** `enabled` false: the nodes bind their sockets (uTP may share them) but stay silent until setEnabled(true). */
  static async start(options: SessionOptions, listenPort: number, warn: (message: string) => void, enabled = true): Promise<SessionDht | null> {
    const stateFile = options.stateDir ? path.join(options.stateDir, STATE_FILE) : null;
    const state = stateFile ? await fs.readFile(stateFile).catch(() => null) : null;
    const nodes: DhtNode[] = [];
    for (const host of dhtHosts(options.listenHost)) {
      const node = await startNode(options, host, listenPort, state, nodes[0]?.id, warn, enabled);
      if (node) nodes.push(node);
    }
    const [first, second] = nodes;
    if (!first) return null;
    if (second) first.pairWith(second);
    return new SessionDht(nodes, stateFile);
  }

  /** False while the user has the DHT switched off (the nodes are bound but silent: DhtNode.setEnabled). */
  get enabled(): boolean {
    return this.nodes[0]!.enabled;
  }

  /** Switches every node off or on again (see DhtNode.setEnabled); torrents ask `enabled` before they look up or announce. */
  setEnabled(enabled: boolean): void {
    for (const node of this.nodes) node.setEnabled(enabled);
  }

  /** The UDP port the first (IPv4) node is bound to. */
  get port(): number {
    return this.nodes[0]!.address().port;
  }

  /**
   * The socket of the node of `family` (null without one) for uTP to share: its port, and
   * DhtNode.shareSocket (datagrams the handler claims are uTP's; the rest stay the DHT's).
   */
  udpFor(family: 4 | 6): { port: number; shareSocket: DhtNode['shareSocket'] } | null {
    const node = this.nodes.find((n) => n.family === family);
    return node ? { port: node.address().port, shareSocket: (handler) => node.shareSocket(handler) } : null;
  }

  /** The UDP port of the node of `family`, for a BEP 5 PORT message to a peer of that family; null without one. */
  portFor(family: 4 | 6): number | null {
    return this.udpFor(family)?.port ?? null;
  }

  /** A peer named its DHT node (BEP 5 PORT): the node of its family pings it (DhtNode.nodeOffered). */
  nodeOffered(address: PeerAddress): void {
    for (const node of this.nodes) node.nodeOffered(address);
  }

  /** The address families with a running node: [4, 6] on a dual-stack machine. */
  get families(): Array<4 | 6> {
    return this.nodes.map((node) => node.family);
  }

  /** Peers from both families' lookups, as they come, each with the node that named it. */
  getPeers(infoHash: Uint8Array): AsyncGenerator<DhtPeer, void, undefined> {
    return mergePeerStreams(this.nodes.map((node) => node.getPeers(infoHash)));
  }

  /** Announces on every node (IPv4 and IPv6); the peers their lookups found, each with the node that named it. */
  async announce(infoHash: Uint8Array, port: number): Promise<{ peers: DhtPeer[] }> {
    const results = await Promise.all(this.nodes.map((node) => node.announce(infoHash, port)));
    return { peers: results.flatMap((r) => r.peers) };
  }

  /** Routing-table nodes of both families (the health panel: is the DHT bootstrapped?). */
  nodeCount(): number {
    return this.nodes.reduce((sum, node) => sum + node.nodes().length, 0);
  }

  async close(): Promise<void> {
    if (this.stateFile) {
      await writeFileAtomic(this.stateFile, mergeDhtStates(this.nodes.map((node) => node.saveState()))).catch(() => undefined);
    }
    await Promise.all(this.nodes.map((node) => node.close()));
  }
}

/**
 * The addresses the DHT nodes bind: both families when the session listens on every address
 * (no listen host, or '::'), IPv4 only for '0.0.0.0', else the one address given.
 */
export function dhtHosts(listenHost: string | undefined): string[] {
  if (listenHost === undefined || listenHost === '::') return ['0.0.0.0', '::'];
  return [listenHost];
}

/** One node on `host`: on the listening port when free, else any port; null (and a warning) when it cannot bind. */
async function startNode(
  options: SessionOptions,
  host: string,
  listenPort: number,
  state: Buffer | null,
  nodeId: Uint8Array | undefined,
  warn: (message: string) => void,
  enabled: boolean,
): Promise<DhtNode | null> {
  const family = host.includes(':') ? 'IPv6' : 'IPv4';
  const ports = options.dhtPort !== undefined ? [options.dhtPort] : [listenPort, 0];
  for (const port of ports) {
    const node = new DhtNode({
      host,
      port,
      state,
      ...(nodeId ? { nodeId } : {}),
      ...(options.dhtBootstrap ? { bootstrap: options.dhtBootstrap } : {}),
      ...(options.dhtRestrictRoutingIps !== undefined ? { restrictRoutingIps: options.dhtRestrictRoutingIps } : {}),
    });
    // Switched off before it starts: bound, but not a datagram sent (no bootstrap).
    if (!enabled) node.setEnabled(false);
    try {
      node.on('warning', (message) => warn(`DHT (${family}): ${message}`));
      await node.start();
      void node.bootstrap().catch((err: unknown) => warn(`DHT (${family}) bootstrap: ${String(err)}`));
      return node;
    } catch (err) {
      await node.close().catch(() => undefined);
      const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
      if (family === 'IPv6' && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) {
        warn(`DHT: no IPv6 (${code}); IPv4 only`);
        return null;
      }
      warn(`DHT (${family}) on UDP port ${port}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return null;
}
