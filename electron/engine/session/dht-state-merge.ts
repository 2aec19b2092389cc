/** One DHT state file for the session's IPv4 and IPv6 nodes (they share the node id). */
import { parseDhtState, serializeDhtState, type DhtState } from '../dht/index.js';

/** Saved nodes per family kept in the merged file (the file itself holds 2000 at most). */
const MAX_PER_NODE = 1000;

/** Merges the `saveState()` bytes of several nodes: the first one's id, each one's nodes. */
export function mergeDhtStates(saved: readonly Uint8Array[]): Buffer {
  const states = saved.map((bytes) => parseDhtState(bytes)).filter((s): s is DhtState => s !== null);
  return serializeDhtState({
    id: states[0]?.id ?? null,
    nodes: states.flatMap((state) => state.nodes.slice(0, MAX_PER_NODE)),
  });
}
