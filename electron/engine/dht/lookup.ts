/**
 * Iterative Kademlia lookup (find_node / get_peers): keep up to `alpha` queries in flight to
 * the closest not-yet-queried candidates, merge the nodes each reply returns, and stop when
 * the k closest candidates that have not failed have all answered (or nothing is left to ask).
 * A query slower than `slowMs` stops counting against `alpha` (it may still answer), so one
 * dead node does not stall the lookup for a full timeout.
 */
import type { PeerAddress } from '../api.js';
import type { AddressFamily, NodeInfo } from './compact.js';
import { compareDistance, idEquals, toHex } from './ids.js';
import type { KrpcResponse } from './krpc.js';
import { ipKey } from './routing-table-ips.js';

export interface LookupOptions {
  target: Uint8Array;
  ownId: Uint8Array;
  family: AddressFamily;
  /** Starting candidates (normally the routing table's closest). */
  seeds: readonly NodeInfo[];
  k: number;
  alpha: number;
  /** Sends the lookup's query (find_node or get_peers) to one node. */
  query: (node: NodeInfo) => Promise<KrpcResponse>;
  /** get_peers `values` as they arrive. */
  onPeers?: (peers: PeerAddress[], from: NodeInfo) => void;
  signal?: AbortSignal;
  /** Default 1000 ms. */
  slowMs?: number;
  /** Upper bound on queries sent by one lookup. Default 200. */
  maxQueries?: number;
  /**
   * At most one candidate per IP address (libtorrent's `dht_restrict_search_ips`): otherwise one
   * host answering with made-up ids on many ports fills the closest set, and the lookup ends
   * on nobody but the attacker (eclipse). Default true; off, with the routing table's
   * restriction, only for test swarms that all live on 127.0.0.1.
   */
  restrictIps?: boolean;
}

export interface LookupNode {
  node: NodeInfo;
  /** get_peers write token (null for find_node or when the node gave none). */
  token: Uint8Array | null;
}

export interface LookupResult {
  /** The (up to) k closest nodes that answered, closest first. */
  closest: LookupNode[];
  queried: number;
  responded: number;
  aborted: boolean;
}

type CandidateState = 'new' | 'pending' | 'slow' | 'done' | 'failed';

interface Candidate {
  node: NodeInfo;
  state: CandidateState;
  token: Uint8Array | null;
}

const MAX_CANDIDATES = 1000;
/**
 * Peers taken from one get_peers reply: what libtorrent sends at most (max_peers_reply). A
 * node may send 512 (a datagram's worth), all invented, to crowd the torrent's share of the
 * candidate list out of the peers honest nodes name.
 */
export const MAX_VALUES_PER_REPLY = 100;

export function iterativeLookup(options: LookupOptions): Promise<LookupResult> {
  const { target, k, alpha } = options;
  const slowMs = options.slowMs ?? 1000;
  const maxQueries = options.maxQueries ?? 200;
  const candidates: Candidate[] = [];
  const seenIds = new Set<string>();
  const seenEndpoints = new Set<string>();
  const restrictIps = options.restrictIps ?? true;
  let queried = 0;
  let responded = 0;
  let finished = false;
  const timers = new Set<NodeJS.Timeout>();

  /** The key that makes two candidates "the same endpoint": their IP, or (unrestricted) IP and port. */
  const endpointKey = (node: NodeInfo): string => (restrictIps ? ipKey(node.host) : `${node.host}|${node.port}`);

  const addCandidate = (node: NodeInfo): void => {
    if (idEquals(node.id, options.ownId) || node.port === 0) return;
    const idKey = toHex(node.id);
    // The first node heard of at an IP keeps it (libtorrent does the same): later claims from
    // that IP, on other ports, are the cheap ones to fake.
    const endpoint = endpointKey(node);
    if (seenIds.has(idKey) || seenEndpoints.has(endpoint)) return;
    seenIds.add(idKey);
    seenEndpoints.add(endpoint);
    const candidate: Candidate = { node: { id: node.id, host: node.host, port: node.port }, state: 'new', token: null };
    // Sorted insert by distance.
    let low = 0;
    let high = candidates.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const other = candidates[mid];
      if (other && compareDistance(target, other.node.id, node.id) < 0) low = mid + 1;
      else high = mid;
    }
    candidates.splice(low, 0, candidate);
    if (candidates.length > MAX_CANDIDATES) candidates.pop();
  };

  for (const seed of options.seeds) addCandidate(seed);

  return new Promise<LookupResult>((resolve) => {
    const finish = (aborted: boolean): void => {
      if (finished) return;
      finished = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      options.signal?.removeEventListener('abort', onAbort);
      const closest = window()
        .filter((candidate) => candidate.state === 'done')
        .map((candidate) => ({ node: candidate.node, token: candidate.token }));
      resolve({ closest, queried, responded, aborted });
    };
    const onAbort = (): void => finish(true);

    /** The k closest candidates that have not failed. */
    const window = (): Candidate[] => {
      const out: Candidate[] = [];
      for (const candidate of candidates) {
        if (candidate.state === 'failed') continue;
        out.push(candidate);
        if (out.length >= k) break;
      }
      return out;
    };

    const launch = (candidate: Candidate): void => {
      candidate.state = 'pending';
      queried++;
      const slowTimer = setTimeout(() => {
        timers.delete(slowTimer);
        if (candidate.state === 'pending') {
          candidate.state = 'slow';
          step();
        }
      }, slowMs);
      timers.add(slowTimer);
      options.query(candidate.node).then(
        (response) => {
          clearTimeout(slowTimer);
          timers.delete(slowTimer);
          if (finished) return;
          candidate.state = 'done';
          candidate.token = response.token;
          responded++;
          const nodes = options.family === 4 ? response.nodes : response.nodes6;
          for (const node of nodes) addCandidate(node);
          if (response.values.length > 0) options.onPeers?.(response.values.slice(0, MAX_VALUES_PER_REPLY), candidate.node);
          step();
        },
        () => {
          clearTimeout(slowTimer);
          timers.delete(slowTimer);
          if (finished) return;
          candidate.state = 'failed';
          step();
        },
      );
    };

    const step = (): void => {
      if (finished) return;
      if (options.signal?.aborted) return finish(true);
      const current = window();
      if (current.length > 0 && current.every((candidate) => candidate.state === 'done')) return finish(false);
      let active = candidates.filter((candidate) => candidate.state === 'pending').length;
      for (const candidate of current) {
        if (active >= alpha || queried >= maxQueries) break;
        if (candidate.state !== 'new') continue;
        launch(candidate);
        active++;
        if (finished) return;
      }
      const inFlight = candidates.some((candidate) => candidate.state === 'pending' || candidate.state === 'slow');
      if (!inFlight) finish(false);
    };

    if (options.signal?.aborted) return finish(true);
    options.signal?.addEventListener('abort', onAbort);
    step();
  });
}
