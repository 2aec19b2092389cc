/** DHT (BEP 5): what the session needs. */
export {
  DhtNode,
  DEFAULT_BOOTSTRAP_NODES,
  parseHostPort,
  type AnnounceOptions,
  type DhtAnnounceResult,
  type DhtPeer,
  type DhtNodeEvents,
  type DhtNodeOptions,
  type DhtStats,
  type GetPeersOptions,
} from './node.js';
export { parseDhtState, serializeDhtState, type DhtState } from './state.js';
export type { NodeInfo } from './compact.js';
export { nodeGroup } from './routing-table-ips.js';
export type { RateLimits } from './rpc.js';
export type { InfoHashLike } from './ids.js';
