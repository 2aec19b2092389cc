/**
 * A BEP 5 DHT node: answers other nodes (ping, find_node, get_peers with rotating tokens,
 * announce_peer), keeps a k-bucket routing table fresh, and runs iterative lookups for the
 * session — `getPeers(infoHash)` streams peers, `announce(infoHash, port)` tells the closest
 * nodes we have the torrent.
 *
 *   const dht = new DhtNode({ port: sessionPort, state: savedBytes });
 *   await dht.start();                 // binds UDP, bootstraps in the background
 *   for await (const peer of dht.getPeers(infoHash)) swarm.addCandidate(peer);
 *   await dht.announce(infoHash, sessionPort);
 *   writeFileAtomic(path, dht.saveState());
 *   await dht.close();
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { PeerAddress } from '../api.js';
import { tryParseHostPort } from '../util/host-port.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { familyOf, type AddressFamily, type NodeInfo } from './compact.js';
import { idEquals, idFromHex, randomId, toHex, toInfoHash, type InfoHashLike } from './ids.js';
import { KrpcErrorCode, type KrpcQuery, type KrpcResponse, type QueryArgs } from './krpc.js';
import { iterativeLookup, type LookupNode, type LookupResult } from './lookup.js';
import { PeerStore } from './peer-store.js';
import { DhtSendError, DhtTimeoutError, KrpcSocket, TokenBucket, canonicalHost, type KrpcSocketStats, type RateLimits } from './rpc.js';
import { RoutingTable } from './routing-table.js';
import { parseDhtState, serializeDhtState, type DhtState } from './state.js';
import { TokenManager } from './tokens.js';

/** The well-known public bootstrap routers: the default when no `bootstrap` list is given. */
export const DEFAULT_BOOTSTRAP_NODES: readonly string[] = [
  'router.bittorrent.com:6881',
  'router.utorrent.com:6881',
  'dht.transmissionbt.com:6881',
  'dht.libtorrent.org:25401',
];

/**
 * Ping-backs to nodes that queried us and that we do not know: per second, and saved up at
 * most. Strangers choose how often they query us; without a bound, 500 queries/s from
 * different IPs became 500 pings/s, filled the outgoing queue and stalled our own lookups.
 * 10/s is a tenth of the default outgoing rate; the table fills from lookups anyway.
 */
const PING_BACKS_PER_SECOND = 10;
const PING_BACK_BURST = 10;

export interface DhtNodeOptions {
  /** UDP bind address (an IP literal). Default '0.0.0.0'; an IPv6 literal makes an IPv6 node. */
  host?: string;
  /** UDP port; 0 (default) picks a free one. Conventionally the session's TCP listen port. */
  port?: number;
  /** Our node id (20 bytes or 40 hex). Default: the id in `state`, else random. */
  nodeId?: Uint8Array | string;
  /** Bootstrap nodes as 'host:port', '[v6]:port' or PeerAddress. Default DEFAULT_BOOTSTRAP_NODES. */
  bootstrap?: ReadonlyArray<string | PeerAddress>;
  /** Bytes from a previous `saveState()` (or a parsed DhtState): id and known nodes. */
  state?: Uint8Array | DhtState | null;
  /** Bucket size and lookup result size. Default 8. */
  k?: number;
  /** Lookup concurrency. Default 3. */
  alpha?: number;
  /** Per-query timeout. Default 3000 ms. */
  queryTimeoutMs?: number;
  /** Query rate limits (outgoing and inbound). */
  limits?: RateLimits;
  /** Routing-table upkeep period (ping quiet nodes, refresh stale buckets). Default 60 s. */
  maintenanceIntervalMs?: number;
  /** BEP 43 read-only: query others, answer nobody, stay out of their tables. Default false. */
  readOnly?: boolean;
  /**
   * One routing-table node per IP, one per /24 (/64) per bucket, like libtorrent's
   * `dht_restrict_routing_ips` (default true), and one lookup candidate per IP (its
   * `dht_restrict_search_ips`). Off only for test swarms that all live on 127.0.0.1.
   */
  restrictRoutingIps?: boolean;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * A peer a lookup found, with the node that named it: the torrent counts the peers of each
 * node's network (nodeGroup) apart, so one node answering with made-up addresses cannot crowd
 * out the peers honest nodes name (torrent/peer-candidates.ts).
 */
export interface DhtPeer extends PeerAddress {
  /** The node whose get_peers reply named it; null when it announced itself to our own node. */
  from: PeerAddress | null;
}

export interface DhtAnnounceResult {
  /** Peers found by the get_peers lookup that preceded the announce (de-duplicated; the first node to name one is its `from`). */
  peers: DhtPeer[];
  /** Nodes that accepted our announce_peer. */
  announcedTo: number;
  /** Closest nodes with a token that we tried. */
  attempted: number;
}

export interface DhtStats extends KrpcSocketStats {
  id: string;
  port: number;
  nodes: number;
  goodNodes: number;
  questionableNodes: number;
  buckets: number;
  storedInfoHashes: number;
  storedPeers: number;
  lookups: number;
  /** Ping-backs to unknown queriers not sent: over their rate, or their queue was full. */
  pingBacksDropped: number;
}

export interface DhtNodeEvents {
  /** The first bootstrap finished with at least one node in the table. */
  ready: () => void;
  /** Another node announced a peer to us (announce_peer with a valid token). */
  announce: (infoHash: string, peer: PeerAddress) => void;
  /** A non-fatal problem (socket error, unresolvable bootstrap host...). */
  warning: (message: string) => void;
}

export interface GetPeersOptions {
  signal?: AbortSignal;
}

export interface AnnounceOptions {
  signal?: AbortSignal;
  /** BEP 5 implied_port: peers should use our UDP source port instead of `port`. */
  impliedPort?: boolean;
}

/** Parses 'host:port' or '[v6]:port'; null when malformed (util/host-port.ts). */
export { tryParseHostPort as parseHostPort } from '../util/host-port.js';

/** A copy holding only what a peer is: the lookup's objects are not handed on. */
function dhtPeer(peer: PeerAddress, from: PeerAddress | null): DhtPeer {
  return { host: peer.host, port: peer.port, from: from ? { host: from.host, port: from.port } : null };
}

const BOOTSTRAP_RETRY_MS = 30_000;
const MAX_PINGS_PER_TICK = 16;
/** Other-family nodes pinged per offer (and kept until pairing), at most. */
const MAX_OFFERED_NODES = 16;

export class DhtNode extends TypedEmitter<DhtNodeEvents> {
  readonly id: Uint8Array;
  private readonly table: RoutingTable;
  private readonly rpc: KrpcSocket;
  private readonly tokens: TokenManager;
  private readonly store: PeerStore;
  private readonly k: number;
  private readonly alpha: number;
  private readonly slowMs: number;
  private readonly bootstrapNodes: ReadonlyArray<string | PeerAddress>;
  private readonly savedNodes: NodeInfo[];
  private readonly now: () => number;
  private readonly readOnly: boolean;
  /** One routing-table entry and one lookup candidate per IP (see DhtNodeOptions.restrictRoutingIps). */
  private readonly restrictIps: boolean;
  private readonly maintenanceMs: number;
  /** Aborted on close() and when switched off (setEnabled): ends the lookups running then. */
  private halted = new AbortController();
  /** Switched off by the user (setEnabled(false)): bound, but silent. */
  private suspended = false;
  private readonly recentPings = new Map<string, number>();
  private readonly pingBacks: TokenBucket;
  private pingBacksDropped = 0;
  private bootstrapping: Promise<void> | null = null;
  private lastBootstrap = 0;
  private maintenanceTimer: NodeJS.Timeout | null = null;
  private started = false;
  private closed = false;
  private isReady = false;
  private lookups = 0;
  /** The node of the other address family in this session (BEP 32), answering `want` for it. */
  private sibling: DhtNode | null = null;
  private saidNoBootstrap = false;
  /** Other-family nodes from bootstrap replies, kept (bounded) until a node is paired. */
  private readonly otherFamilySeeds: NodeInfo[] = [];

  constructor(options: DhtNodeOptions = {}) {
    super();
    const state = options.state instanceof Uint8Array ? parseDhtState(options.state) : (options.state ?? null);
    const given = typeof options.nodeId === 'string' ? idFromHex(options.nodeId) : options.nodeId;
    if (given !== undefined && (given === null || given.length !== 20)) throw new TypeError('nodeId must be 20 bytes or 40 hex characters');
    this.id = new Uint8Array(given ?? state?.id ?? randomId());
    this.now = options.now ?? Date.now;
    this.k = options.k ?? 8;
    this.alpha = options.alpha ?? 3;
    const timeoutMs = options.queryTimeoutMs ?? 3000;
    this.slowMs = Math.min(1000, Math.ceil(timeoutMs / 2));
    this.readOnly = options.readOnly ?? false;
    this.maintenanceMs = options.maintenanceIntervalMs ?? 60_000;
    this.bootstrapNodes = options.bootstrap ?? DEFAULT_BOOTSTRAP_NODES;
    this.restrictIps = options.restrictRoutingIps ?? true;
    this.table = new RoutingTable(this.id, { k: this.k, now: this.now, restrictIps: this.restrictIps });
    this.pingBacks = new TokenBucket(PING_BACKS_PER_SECOND, PING_BACK_BURST, this.now);
    this.tokens = new TokenManager({ now: this.now });
    this.store = new PeerStore({ now: this.now });
    this.rpc = new KrpcSocket({
      host: options.host ?? '0.0.0.0',
      port: options.port ?? 0,
      ownId: this.id,
      timeoutMs,
      readOnly: this.readOnly,
      now: this.now,
      ...(options.limits ? { limits: options.limits } : {}),
    });
    this.savedNodes = (state?.nodes ?? []).filter((node) => familyOf(node.host) === this.rpc.family);
    this.rpc.on('query', (query, from) => this.onQuery(query, from));
    this.rpc.on('warning', (message) => this.emit('warning', message));
  }

  get family(): AddressFamily {
    return this.rpc.family;
  }

  /**
   * Pairs an IPv4 node with the IPv6 node of the same session (BEP 32): each answers a
   * find_node/get_peers `want` of 'n4'/'n6' with the closest nodes of the other's table too.
   */
  pairWith(other: DhtNode): void {
    if (other === this || other.family === this.family) throw new Error('a DHT node pairs only with a node of the other address family');
    this.sibling = other;
    other.sibling = this;
    // Nodes of the other family the bootstrap routers named before the pairing.
    other.offerNodes(this.otherFamilySeeds.splice(0));
    this.offerNodes(other.otherFamilySeeds.splice(0));
  }

  /**
   * Nodes of this node's family learned by the paired node (BEP 32 `want`: a router reached
   * over IPv4 names IPv6 nodes too): a few are pinged, those that answer join the table, and a
   * node that had nobody then bootstraps from them.
   */
  offerNodes(nodes: readonly NodeInfo[]): void {
    const fresh = nodes.filter((node) => familyOf(node.host) === this.family).slice(0, MAX_OFFERED_NODES);
    if (fresh.length === 0 || !this.started || this.closed || this.suspended) return;
    const hadNobody = this.table.size === 0;
    void Promise.allSettled(fresh.map((node) => this.pingKnown(node))).then(() => {
      if (hadNobody && this.table.size > 0 && !this.closed) void this.bootstrap();
    });
  }

  /** True once a bootstrap has put at least one node in the routing table. */
  get ready(): boolean {
    return this.isReady;
  }

  /** Binds the UDP socket, starts upkeep and a bootstrap (not awaited: see `bootstrap()`). */
  async start(): Promise<PeerAddress> {
    if (this.closed) throw new Error('DHT node is closed');
    if (this.started) return this.address();
    this.started = true;
    const address = await this.rpc.bind();
    if (this.suspended) return address;
    this.startMaintenance();
    void this.bootstrap();
    return address;
  }

  /**
   * Switches the node off (the user turned the DHT off) or on again. Off, it sends and answers
   * nothing: running lookups end, upkeep stops, queries in flight or waiting are rejected and
   * KRPC datagrams are dropped unread. The socket stays bound — uTP shares it, as libtorrent
   * keeps its UDP socket when the DHT stops — and the routing table is kept, as a saved state
   * would be, so switching on again bootstraps from the nodes it knew. May come before start().
   */
  setEnabled(enabled: boolean): void {
    if (this.closed || enabled === !this.suspended) return;
    this.suspended = !enabled;
    this.rpc.setMuted(!enabled);
    if (!enabled) {
      this.stopMaintenance();
      this.halted.abort();
      return;
    }
    this.halted = new AbortController();
    if (!this.started) return;
    this.startMaintenance();
    void this.bootstrap();
  }

  /** False while switched off (setEnabled). */
  get enabled(): boolean {
    return !this.suspended;
  }

  private startMaintenance(): void {
    this.maintenanceTimer = setInterval(() => this.maintain(), this.maintenanceMs);
    this.maintenanceTimer.unref();
  }

  private stopMaintenance(): void {
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    this.maintenanceTimer = null;
  }

  address(): PeerAddress {
    return this.rpc.address();
  }

  /**
   * Shares the UDP socket with another protocol (uTP, on the same port as libtorrent does):
   * `handler` sees each datagram first and keeps those it returns true for. Returns a sender.
   */
  shareSocket(handler: (packet: Buffer, from: { address: string; port: number }) => boolean): (packet: Uint8Array, port: number, host: string) => void {
    this.rpc.otherProtocol = handler;
    return (packet, port, host) => this.rpc.sendDatagram(packet, port, host);
  }

  /**
   * Bootstraps (or joins the bootstrap already running): asks the saved nodes and the
   * bootstrap nodes for nodes near our id, then looks up our own id. Never rejects.
   */
  bootstrap(): Promise<void> {
    if (!this.started || this.closed || this.suspended) return Promise.resolve();
    this.bootstrapping ??= this.runBootstrap().finally(() => {
      this.bootstrapping = null;
    });
    return this.bootstrapping;
  }

  private async runBootstrap(): Promise<void> {
    this.lastBootstrap = this.now();
    const seeds: NodeInfo[] = [...this.table.closest(this.id, this.k * 2), ...this.savedNodes];
    const routers = await this.resolveBootstrapNodes();
    if (routers.length === 0 && seeds.length === 0) {
      // Nobody of this address family to ask (e.g. IPv4-only bootstrap nodes for the IPv6
      // node): said once; the node still joins when other nodes query it.
      if (!this.saidNoBootstrap) this.emit('warning', `no IPv${this.family} bootstrap or saved node to ask; waiting to be contacted`);
      this.saidNoBootstrap = true;
      return;
    }
    await Promise.allSettled(
      routers.map(async (router) => {
        // BEP 32: ask for both families; the other family's nodes bootstrap the paired node.
        const response = await this.rpc.query(router, { method: 'find_node', target: this.id, want: ['n4', 'n6'] });
        this.heardFrom(response, router);
        seeds.push(...(this.family === 4 ? response.nodes : response.nodes6));
        this.otherFamilyNodes(this.family === 4 ? response.nodes6 : response.nodes);
      }),
    );
    if (this.closed || this.suspended) return;
    await this.runLookup('find_node', this.id, seeds);
    if (this.closed || this.suspended) return;
    if (this.table.size === 0) {
      this.emit('warning', `DHT bootstrap found no nodes (asked ${routers.length} bootstrap and ${this.savedNodes.length} saved nodes); retrying later`);
    } else if (!this.isReady) {
      this.isReady = true;
      this.emit('ready');
    }
  }

  /** Hands other-family nodes to the paired node, or keeps a few until there is one. */
  private otherFamilyNodes(nodes: readonly NodeInfo[]): void {
    if (nodes.length === 0) return;
    if (this.sibling) return this.sibling.offerNodes(nodes);
    const room = MAX_OFFERED_NODES - this.otherFamilySeeds.length;
    if (room > 0) this.otherFamilySeeds.push(...nodes.slice(0, room));
  }

  private async resolveBootstrapNodes(): Promise<PeerAddress[]> {
    const out: PeerAddress[] = [];
    for (const entry of this.bootstrapNodes) {
      const address = typeof entry === 'string' ? tryParseHostPort(entry) : entry;
      if (!address) {
        this.emit('warning', `DHT bootstrap node '${String(entry)}' is not host:port`);
        continue;
      }
      if (familyOf(address.host)) {
        if (familyOf(address.host) === this.family) out.push(address);
        continue;
      }
      try {
        const resolved = await dnsLookup(address.host, { family: this.family });
        out.push({ host: resolved.address, port: address.port });
      } catch (error) {
        this.emit('warning', `DHT bootstrap node ${address.host} did not resolve: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return out;
  }

  /**
   * Streams the peers of a torrent as a get_peers lookup finds them, each with the node that
   * named it first (de-duplicated; peers announced to this node first). Ends when the lookup converges; leaving the loop early
   * (break/return) or aborting `signal` stops the lookup.
   */
  async *getPeers(infoHash: InfoHashLike, options: GetPeersOptions = {}): AsyncGenerator<DhtPeer, void, undefined> {
    const target = toInfoHash(infoHash);
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    const halted = this.halted.signal;
    options.signal?.addEventListener('abort', stop);
    halted.addEventListener('abort', stop);
    const queue: DhtPeer[] = [];
    const seen = new Set<string>();
    let finished = false;
    let wake: (() => void) | null = null;
    const push = (peers: readonly PeerAddress[], from: PeerAddress | null): void => {
      for (const peer of peers) {
        const key = `${peer.host}|${peer.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        queue.push(dhtPeer(peer, from));
      }
      if (queue.length > 0) wake?.();
    };
    push(this.store.get(toHex(target), 200), null);
    const running = this.lookupPeers(target, push, controller.signal).finally(() => {
      finished = true;
      wake?.();
    });
    try {
      for (;;) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (finished || controller.signal.aborted) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    } finally {
      controller.abort();
      options.signal?.removeEventListener('abort', stop);
      halted.removeEventListener('abort', stop);
      await running.catch(() => undefined);
    }
  }

  /** Runs a get_peers lookup and resolves with every peer it found. */
  async findPeers(infoHash: InfoHashLike, options: GetPeersOptions = {}): Promise<DhtPeer[]> {
    const out: DhtPeer[] = [];
    for await (const peer of this.getPeers(infoHash, options)) out.push(peer);
    return out;
  }

  /**
   * get_peers lookup, then announce_peer (with each node's token) to the k closest nodes
   * that answered. Resolves with the peers found along the way. Never rejects.
   */
  async announce(infoHash: InfoHashLike, port: number, options: AnnounceOptions = {}): Promise<DhtAnnounceResult> {
    const target = toInfoHash(infoHash);
    if (!Number.isInteger(port) || port < 1 || port > 0xffff) throw new RangeError(`announce port ${port} out of range`);
    const peers = new Map<string, DhtPeer>();
    const signal = options.signal ? AbortSignal.any([options.signal, this.halted.signal]) : this.halted.signal;
    const result = await this.lookupPeers(
      target,
      (found, from) => {
        for (const peer of found) {
          const key = `${peer.host}|${peer.port}`;
          if (!peers.has(key)) peers.set(key, dhtPeer(peer, from));
        }
      },
      signal,
    );
    const withToken = result.closest.filter((entry): entry is LookupNode & { token: Uint8Array } => entry.token !== null);
    const impliedPort = options.impliedPort ?? false;
    const outcomes = signal.aborted
      ? []
      : await Promise.allSettled(
          withToken.map((entry) => this.queryNode(entry.node, { method: 'announce_peer', infoHash: target, port, token: entry.token, impliedPort })),
        );
    return {
      peers: [...peers.values()],
      announcedTo: outcomes.filter((outcome) => outcome.status === 'fulfilled').length,
      attempted: withToken.length,
    };
  }

  /** Iterative find_node: the k closest nodes to `target` that answered. */
  async findNode(target: InfoHashLike, options: GetPeersOptions = {}): Promise<NodeInfo[]> {
    const id = toInfoHash(target);
    const signal = options.signal ? AbortSignal.any([options.signal, this.halted.signal]) : this.halted.signal;
    await this.waitForBootstrap();
    const result = await this.runLookup('find_node', id, this.table.closest(id, this.k * 2), signal);
    return result.closest.map((entry) => entry.node);
  }

  /** Pings a node now, past the ping-back budget; adds it to the table if it answers. */
  async addNode(address: PeerAddress): Promise<boolean> {
    return (await this.ping(address)) !== null;
  }

  /**
   * A peer's BEP 5 PORT message names its DHT node (the peer's IP, that port): ping it, and it
   * joins the table if it answers, as libtorrent's add_dht_node. It shares the ping-backs' budget
   * and their once a minute per endpoint, so peers naming nodes make us send no more than
   * strangers querying us do. Not while switched off, nor for the other address family's node.
   */
  nodeOffered(address: PeerAddress): void {
    if (!this.started || this.closed || this.suspended || this.readOnly) return;
    if (familyOf(address.host) !== this.family || address.port === 0) return;
    this.pingBack(address);
  }

  /** Pings an endpoint; resolves with its id, or null when it does not answer. */
  async ping(address: PeerAddress): Promise<Uint8Array | null> {
    if (!this.started || this.closed || this.suspended) return null;
    try {
      const response = await this.rpc.query(address, { method: 'ping' });
      this.heardFrom(response, address);
      return response.id;
    } catch {
      return null;
    }
  }

  /** Nodes of the routing table (good and questionable), closest to our id first. */
  nodes(): NodeInfo[] {
    return this.table.closest(this.id, Number.MAX_SAFE_INTEGER).map(({ id, host, port }) => ({ id, host, port }));
  }

  /** Our id and known nodes as bytes (JSON) for the session to store; feed back as `state`. */
  saveState(): Buffer {
    const nodes = this.nodes();
    // Keep saved nodes we never got to contact (e.g. saved, then closed quickly).
    const known = new Set(nodes.map((node) => toHex(node.id)));
    for (const node of this.savedNodes) if (!known.has(toHex(node.id))) nodes.push(node);
    return serializeDhtState({ id: this.id, nodes });
  }

  stats(): DhtStats {
    const all = this.table.all();
    const now = this.now();
    const good = all.filter((node) => this.table.state(node, now) === 'good').length;
    return {
      ...this.rpc.stats(),
      id: toHex(this.id),
      port: this.started && !this.closed ? this.rpc.address().port : 0,
      nodes: all.length,
      goodNodes: good,
      questionableNodes: all.filter((node) => this.table.state(node, now) === 'questionable').length,
      buckets: this.table.bucketCount,
      storedInfoHashes: this.store.infoHashCount,
      storedPeers: this.store.peerCount,
      lookups: this.lookups,
      pingBacksDropped: this.pingBacksDropped,
    };
  }

  /** Stops upkeep, ends running lookups, rejects outstanding queries, closes the socket. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopMaintenance();
    this.halted.abort();
    await this.rpc.close();
  }

  // -------------------------------------------------------------------------------------------

  private async waitForBootstrap(): Promise<void> {
    if (this.table.size > 0) return;
    if (this.bootstrapping) await this.bootstrapping;
    else if (this.started && this.now() - this.lastBootstrap > BOOTSTRAP_RETRY_MS) await this.bootstrap();
  }

  private async lookupPeers(target: Uint8Array, onPeers: (peers: PeerAddress[], from: PeerAddress) => void, signal: AbortSignal): Promise<LookupResult> {
    await this.waitForBootstrap();
    return this.runLookup('get_peers', target, this.table.closest(target, this.k * 2), signal, onPeers);
  }

  private async runLookup(
    method: 'find_node' | 'get_peers',
    target: Uint8Array,
    seeds: readonly NodeInfo[],
    signal: AbortSignal = this.halted.signal,
    onPeers?: (peers: PeerAddress[], from: PeerAddress) => void,
  ): Promise<LookupResult> {
    if (!this.started || this.closed || this.suspended || signal.aborted) return { closest: [], queried: 0, responded: 0, aborted: true };
    this.lookups++;
    const args: QueryArgs = method === 'find_node' ? { method, target } : { method, infoHash: target };
    return iterativeLookup({
      target,
      ownId: this.id,
      family: this.family,
      seeds,
      k: this.k,
      alpha: this.alpha,
      slowMs: this.slowMs,
      restrictIps: this.restrictIps,
      signal,
      query: (node) => this.queryNode(node, args),
      ...(onPeers ? { onPeers: (peers: PeerAddress[], from: NodeInfo) => onPeers(peers, { host: from.host, port: from.port }) } : {}),
    });
  }

  /** Queries a node we know by id, keeping the routing table informed of the outcome. */
  private async queryNode(node: NodeInfo, args: QueryArgs): Promise<KrpcResponse> {
    try {
      const response = await this.rpc.query(node, args);
      this.heardFrom(response, node);
      return response;
    } catch (error) {
      if (error instanceof DhtTimeoutError) this.table.failed(node.id);
      throw error;
    }
  }

  /** A node answered us: put it in (or refresh it in) the routing table. */
  private heardFrom(response: KrpcResponse, from: PeerAddress): void {
    const host = canonicalHost(from.host);
    if (!host) return;
    const result = this.table.heardResponse({ id: response.id, host, port: from.port });
    if (result.status === 'full') {
      // Ping a couple of quiet nodes: those that fail make room for the parked newcomer.
      for (const node of result.questionable.slice(0, 2)) void this.pingKnown(node);
    }
  }

  private async pingKnown(node: NodeInfo): Promise<void> {
    const key = `${node.host}|${node.port}`;
    if (!this.markPinged(key)) return;
    try {
      await this.queryNode(node, { method: 'ping' });
    } catch {
      // failed() already counted the timeout
    }
  }

  /** True when this endpoint was pinged in the last minute. */
  private pingedRecently(key: string): boolean {
    const last = this.recentPings.get(key);
    return last !== undefined && this.now() - last < 60_000;
  }

  /** Rate-limits pings per endpoint: true when this endpoint was not pinged in the last minute. */
  private markPinged(key: string): boolean {
    const now = this.now();
    if (this.pingedRecently(key)) return false;
    if (this.recentPings.size > 4096) {
      for (const [candidate, time] of this.recentPings) if (now - time >= 60_000) this.recentPings.delete(candidate);
    }
    this.recentPings.set(key, now);
    return true;
  }

  /**
   * A node we don't know queried us: ping it back, it joins the table if it answers. Within
   * PING_BACKS_PER_SECOND and behind our own queries (background priority); the rest are
   * dropped, not queued, since the querier may well ask again.
   */
  private pingBack(from: PeerAddress): void {
    const key = `${from.host}|${from.port}`;
    if (this.pingedRecently(key)) return;
    if (!this.pingBacks.tryTake()) {
      this.pingBacksDropped++;
      return;
    }
    this.markPinged(key);
    this.rpc.query(from, { method: 'ping' }, 'background').then(
      (response) => this.heardFrom(response, from),
      (error: unknown) => {
        if (error instanceof DhtSendError && !this.closed) this.pingBacksDropped++;
      },
    );
  }

  private onQuery(query: KrpcQuery, from: PeerAddress): void {
    if (this.readOnly || this.closed || this.suspended) return;
    if (!query.readOnly && !idEquals(query.id, this.id)) {
      const known = this.table.heardQuery(query.id, from.host, from.port);
      if (!known && this.table.wouldAccept(query.id, from.host)) this.pingBack(from);
    }
    switch (query.method) {
      case 'ping':
        return this.rpc.respond(from, query.t, { id: this.id });
      case 'find_node':
        return this.rpc.respond(from, query.t, this.nodesBody(query.target, query.want));
      case 'get_peers': {
        const values = this.store.get(toHex(query.infoHash), this.family === 4 ? 50 : 25, this.family);
        return this.rpc.respond(from, query.t, { ...this.nodesBody(query.infoHash, query.want), token: this.tokens.issue(from.host), values });
      }
      case 'announce_peer': {
        if (!this.tokens.validate(from.host, query.token)) {
          return this.rpc.sendError(from, query.t, KrpcErrorCode.Protocol, 'bad token');
        }
        const peer: PeerAddress = { host: from.host, port: query.impliedPort ? from.port : query.port };
        const infoHash = toHex(query.infoHash);
        this.store.add(infoHash, peer);
        this.rpc.respond(from, query.t, { id: this.id });
        this.emit('announce', infoHash, peer);
        return;
      }
      case 'unknown':
        return this.rpc.sendError(from, query.t, KrpcErrorCode.MethodUnknown, 'method unknown');
    }
  }

  /**
   * `nodes`/`nodes6` of a reply (BEP 32): by default those of the family the query came in on;
   * a `want` of 'n4' and/or 'n6' asks for those families, served from the paired node's table
   * for the other one (absent when there is no paired node).
   */
  private nodesBody(target: Uint8Array, want: readonly string[]): { id: Uint8Array; nodes?: NodeInfo[]; nodes6?: NodeInfo[] } {
    const wants4 = want.includes('n4');
    const wants6 = want.includes('n6');
    const asked = wants4 || wants6;
    const body: { id: Uint8Array; nodes?: NodeInfo[]; nodes6?: NodeInfo[] } = { id: this.id };
    for (const family of [4, 6] as const) {
      const wanted = asked ? (family === 4 ? wants4 : wants6) : family === this.family;
      if (!wanted) continue;
      const source = family === this.family ? this : this.sibling;
      if (!source) continue;
      const closest = source.table.closest(target, this.k);
      if (family === 4) body.nodes = closest;
      else body.nodes6 = closest;
    }
    return body;
  }

  /** Periodic upkeep: ping quiet nodes, refresh stale buckets, expire stored peers, re-bootstrap. */
  private maintain(): void {
    if (this.closed || this.suspended) return;
    this.store.prune();
    if (this.table.size === 0) {
      if (this.now() - this.lastBootstrap >= BOOTSTRAP_RETRY_MS) void this.bootstrap();
      return;
    }
    for (const node of this.table.questionable().slice(0, MAX_PINGS_PER_TICK)) void this.pingKnown(node);
    const targets = this.table.staleBucketTargets();
    void (async () => {
      for (const target of targets) {
        if (this.closed) return;
        await this.runLookup('find_node', target, this.table.closest(target, this.k * 2));
      }
    })();
  }
}
