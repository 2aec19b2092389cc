/**
 * Kademlia routing table as BEP 5 describes it: k-buckets covering the id space, where only
 * the bucket holding our own id splits. Bucket i (i < last) holds nodes whose id shares
 * exactly i leading bits with ours; the last bucket holds everything closer.
 *
 * Node states: good (answered one of our queries in the last 15 minutes, or answered once
 * and queried us in the last 15 minutes), questionable (quiet for 15 minutes), bad (failed
 * `maxFailures` queries in a row). Bad nodes are replaced by the freshest node of the
 * bucket's replacement cache; a full bucket of good nodes parks newcomers in that cache.
 *
 * The table holds only nodes that answered us: the DHT node inserts after a response.
 *
 * Like libtorrent with `dht_restrict_routing_ips` (its default), the table takes one node per
 * IP address, and a bucket one node per /24 (IPv4) or /64 (IPv6), replacement cache included:
 * one host cannot fill the table with made-up ids (see routing-table-ips.ts). Tests whose
 * nodes all live on 127.0.0.1 turn `restrictIps` off.
 */
import type { NodeInfo } from './compact.js';
import { ID_BITS, commonPrefixLength, compareDistance, idEquals, randomIdWithPrefix, toHex } from './ids.js';
import { IpCounts, subnetKey } from './routing-table-ips.js';

export const GOOD_NODE_MS = 15 * 60_000;
export const BUCKET_REFRESH_MS = 15 * 60_000;

export type NodeState = 'good' | 'questionable' | 'bad';

export interface RoutingNode extends NodeInfo {
  /** Last time it answered one of our queries (ms). */
  lastResponse: number;
  /** Last time it sent us a query (ms), 0 when never. */
  lastQuery: number;
  /** Queries in a row that timed out. */
  failures: number;
  addedAt: number;
}

interface Bucket {
  nodes: RoutingNode[];
  /** Newest last; at most k. */
  replacements: RoutingNode[];
  lastChanged: number;
}

export interface RoutingTableOptions {
  k?: number;
  /** Consecutive timeouts after which a node is bad. Default 2. */
  maxFailures?: number;
  /** One node per IP, one per /24 or /64 in a bucket (libtorrent's dht_restrict_routing_ips). Default true. */
  restrictIps?: boolean;
  now?: () => number;
}

export type InsertResult =
  | { status: 'added' }
  | { status: 'updated' }
  | { status: 'replaced'; evicted: RoutingNode }
  /** Bucket full: the node waits in the replacement cache; ping `questionable` to make room. */
  | { status: 'full'; questionable: RoutingNode[] }
  | { status: 'ignored'; reason: string };

export class RoutingTable {
  readonly k: number;
  private readonly buckets: Bucket[];
  private readonly maxFailures: number;
  private readonly now: () => number;
  private readonly byId = new Map<string, RoutingNode>();
  private readonly restrictIps: boolean;
  /** IPs of the nodes in buckets and replacement caches. */
  private readonly ips = new IpCounts();

  constructor(
    readonly ownId: Uint8Array,
    options: RoutingTableOptions = {},
  ) {
    this.k = options.k ?? 8;
    this.maxFailures = options.maxFailures ?? 2;
    this.restrictIps = options.restrictIps ?? true;
    this.now = options.now ?? Date.now;
    this.buckets = [{ nodes: [], replacements: [], lastChanged: this.now() }];
  }

  get size(): number {
    return this.byId.size;
  }

  get bucketCount(): number {
    return this.buckets.length;
  }

  /** Nodes per bucket, first to last (for tests and stats). */
  bucketSizes(): number[] {
    return this.buckets.map((bucket) => bucket.nodes.length);
  }

  has(id: Uint8Array): boolean {
    return this.byId.has(toHex(id));
  }

  get(id: Uint8Array): RoutingNode | undefined {
    return this.byId.get(toHex(id));
  }

  all(): RoutingNode[] {
    return [...this.byId.values()];
  }

  state(node: RoutingNode, now = this.now()): NodeState {
    if (node.failures >= this.maxFailures) return 'bad';
    if (now - node.lastResponse < GOOD_NODE_MS) return 'good';
    if (node.lastQuery > 0 && now - node.lastQuery < GOOD_NODE_MS) return 'good';
    return 'questionable';
  }

  private bucketIndex(id: Uint8Array): number {
    return Math.min(commonPrefixLength(this.ownId, id), this.buckets.length - 1);
  }

  private bucketOf(id: Uint8Array): Bucket {
    const bucket = this.buckets[this.bucketIndex(id)];
    if (!bucket) throw new Error('routing table has no bucket');
    return bucket;
  }

  /** A node answered one of our queries: add it, refresh it, or park it. */
  heardResponse(info: NodeInfo): InsertResult {
    const now = this.now();
    if (idEquals(info.id, this.ownId)) return { status: 'ignored', reason: 'own id' };
    const key = toHex(info.id);
    const existing = this.byId.get(key);
    if (existing) {
      if (existing.host !== info.host || existing.port !== info.port) {
        // Same id from another endpoint: keep the one we know unless it stopped answering.
        if (this.state(existing, now) !== 'bad') return { status: 'ignored', reason: 'id already known at another address' };
        if (existing.host !== info.host) {
          const refused = this.ipRefusal(info.host, this.bucketOf(info.id), existing);
          if (refused) return { status: 'ignored', reason: refused };
          this.ips.delete(existing.host);
          this.ips.add(info.host);
        }
        existing.host = info.host;
        existing.port = info.port;
      }
      existing.lastResponse = now;
      existing.failures = 0;
      this.bucketOf(info.id).lastChanged = now;
      return { status: 'updated' };
    }
    // A different id at an endpoint we already know: the node restarted with a new id.
    for (const node of this.byId.values()) {
      if (node.host === info.host && node.port === info.port) {
        this.remove(node.id);
        break;
      }
    }
    // Waiting in the replacement cache: it answered again, so it competes afresh.
    this.unpark(this.bucketOf(info.id), key);
    const node: RoutingNode = { id: info.id, host: info.host, port: info.port, lastResponse: now, lastQuery: 0, failures: 0, addedAt: now };
    return this.insert(node, now);
  }

  /** A node in the table sent us a query (keeps it good if it ever answered). */
  heardQuery(id: Uint8Array, host: string, port: number): boolean {
    const node = this.byId.get(toHex(id));
    if (!node || node.host !== host || node.port !== port) return false;
    node.lastQuery = this.now();
    return true;
  }

  /** One of our queries to this node timed out. Returns true when the node is now bad. */
  failed(id: Uint8Array): boolean {
    const node = this.byId.get(toHex(id));
    if (!node) return false;
    node.failures++;
    if (this.state(node) !== 'bad') return false;
    const bucket = this.bucketOf(node.id);
    const replacement = this.takeReplacement(bucket);
    if (replacement) {
      this.removeFromBucket(bucket, node);
      this.addToBucket(bucket, replacement, this.now());
    }
    return true;
  }

  remove(id: Uint8Array): boolean {
    const node = this.byId.get(toHex(id));
    if (!node) return false;
    const bucket = this.bucketOf(id);
    this.removeFromBucket(bucket, node);
    const replacement = this.takeReplacement(bucket);
    if (replacement) this.addToBucket(bucket, replacement, this.now());
    return true;
  }

  /**
   * The `count` nodes closest to `target` by XOR distance, closest first. Bad nodes are
   * left out; `goodOnly` leaves out questionable ones too.
   */
  closest(target: Uint8Array, count = this.k, goodOnly = false): RoutingNode[] {
    const now = this.now();
    // Bounded insertion: O(n·log k) comparisons for the usual k, a plain sort when asking for all.
    const out: RoutingNode[] = [];
    for (const node of this.byId.values()) {
      const state = this.state(node, now);
      if (state === 'bad' || (goodOnly && state !== 'good')) continue;
      if (out.length >= count) {
        const last = out[out.length - 1];
        if (!last || compareDistance(target, node.id, last.id) >= 0) continue;
        out.pop();
      }
      let low = 0;
      let high = out.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        const other = out[mid];
        if (other && compareDistance(target, other.id, node.id) < 0) low = mid + 1;
        else high = mid;
      }
      out.splice(low, 0, node);
    }
    return out;
  }

  /** Nodes that have gone quiet for 15 minutes and should be pinged. */
  questionable(): RoutingNode[] {
    const now = this.now();
    return this.all().filter((node) => this.state(node, now) === 'questionable');
  }

  /** Whether a node with this id (at this address, when given) could get in without displacing anyone good. */
  wouldAccept(id: Uint8Array, host?: string): boolean {
    if (idEquals(id, this.ownId) || this.byId.has(toHex(id))) return false;
    const index = this.bucketIndex(id);
    const bucket = this.buckets[index];
    if (!bucket) return false;
    if (host !== undefined && this.ipRefusal(host, bucket)) return false;
    if (bucket.nodes.length < this.k) return true;
    if (index === this.buckets.length - 1 && this.buckets.length < ID_BITS) return true;
    const now = this.now();
    return bucket.nodes.some((node) => this.state(node, now) !== 'good');
  }

  /** Random targets, one per bucket not changed for `BUCKET_REFRESH_MS`, for find_node refreshes. */
  staleBucketTargets(): Uint8Array[] {
    const now = this.now();
    const out: Uint8Array[] = [];
    this.buckets.forEach((bucket, index) => {
      if (now - bucket.lastChanged < BUCKET_REFRESH_MS) return;
      out.push(this.randomIdInBucket(index));
      bucket.lastChanged = now; // a refresh is under way; don't ask again next tick
    });
    return out;
  }

  randomIdInBucket(index: number): Uint8Array {
    const last = index >= this.buckets.length - 1;
    return randomIdWithPrefix(this.ownId, index, !last);
  }

  private insert(node: RoutingNode, now: number): InsertResult {
    for (;;) {
      const index = this.bucketIndex(node.id);
      const bucket = this.buckets[index];
      if (!bucket) return { status: 'ignored', reason: 'no bucket' };
      const refused = this.ipRefusal(node.host, bucket);
      if (refused) return { status: 'ignored', reason: refused };
      if (bucket.nodes.length < this.k) {
        this.addToBucket(bucket, node, now);
        return { status: 'added' };
      }
      const bad = bucket.nodes.find((candidate) => this.state(candidate, now) === 'bad');
      if (bad) {
        this.removeFromBucket(bucket, bad);
        this.addToBucket(bucket, node, now);
        return { status: 'replaced', evicted: bad };
      }
      if (index === this.buckets.length - 1 && this.buckets.length < ID_BITS) {
        this.split();
        continue;
      }
      this.park(bucket, node);
      const questionable = bucket.nodes.filter((candidate) => this.state(candidate, now) === 'questionable');
      return { status: 'full', questionable };
    }
  }

  /** Splits the last bucket: nodes sharing more prefix bits with us move to a new last bucket. */
  private split(): void {
    const oldIndex = this.buckets.length - 1;
    const old = this.buckets[oldIndex];
    if (!old) return;
    const next: Bucket = { nodes: [], replacements: [], lastChanged: old.lastChanged };
    const deeper = (node: RoutingNode): boolean => commonPrefixLength(this.ownId, node.id) > oldIndex;
    next.nodes = old.nodes.filter(deeper);
    old.nodes = old.nodes.filter((node) => !deeper(node));
    next.replacements = old.replacements.filter(deeper);
    old.replacements = old.replacements.filter((node) => !deeper(node));
    this.buckets.push(next);
  }

  /**
   * Why a node at `host` may not join `bucket` (null when it may): another node of the table
   * has that IP, or one in the bucket has an address in its /24 or /64. `moving` is an entry
   * of the bucket that would take the new address itself (not counted against it).
   */
  private ipRefusal(host: string, bucket: Bucket, moving?: RoutingNode): string | null {
    if (!this.restrictIps) return null;
    if (this.ips.has(host) && moving?.host !== host) return `another node of the table is at ${host}`;
    const subnet = subnetKey(host);
    const near = [...bucket.nodes, ...bucket.replacements].find((node) => node !== moving && subnetKey(node.host) === subnet);
    return near ? `the bucket has a node in the same subnet (${near.host})` : null;
  }

  private park(bucket: Bucket, node: RoutingNode): void {
    this.unpark(bucket, toHex(node.id));
    bucket.replacements.push(node);
    this.ips.add(node.host);
    if (bucket.replacements.length > this.k) this.ips.delete(bucket.replacements.shift()!.host);
  }

  private unpark(bucket: Bucket, key: string): void {
    bucket.replacements = bucket.replacements.filter((candidate) => {
      if (toHex(candidate.id) !== key) return true;
      this.ips.delete(candidate.host);
      return false;
    });
  }

  private takeReplacement(bucket: Bucket): RoutingNode | undefined {
    const node = bucket.replacements.pop();
    if (node) this.ips.delete(node.host);
    return node;
  }

  private addToBucket(bucket: Bucket, node: RoutingNode, now: number): void {
    bucket.nodes.push(node);
    bucket.lastChanged = now;
    this.byId.set(toHex(node.id), node);
    this.ips.add(node.host);
  }

  private removeFromBucket(bucket: Bucket, node: RoutingNode): void {
    bucket.nodes = bucket.nodes.filter((candidate) => candidate !== node);
    this.byId.delete(toHex(node.id));
    this.ips.delete(node.host);
  }
}
