/**
 * What a DHT node keeps between runs: its id and the nodes of its routing table, as JSON
 * bytes. The session decides where the bytes live; `parseDhtState` accepts anything
 * (a truncated or hand-edited file) and keeps only entries that make sense.
 */
import { familyOf, type NodeInfo } from './compact.js';
import { idFromHex, toHex } from './ids.js';

export interface DhtState {
  id: Uint8Array | null;
  nodes: NodeInfo[];
}

const MAX_SAVED_NODES = 2000;

export function serializeDhtState(state: DhtState): Buffer {
  return Buffer.from(
    JSON.stringify({
      version: 1,
      id: state.id ? toHex(state.id) : null,
      nodes: state.nodes.slice(0, MAX_SAVED_NODES).map((node) => ({ id: toHex(node.id), host: node.host, port: node.port })),
    }),
  );
}

/** Parses saved state; null when the bytes are not a state file at all. Never throws. */
export function parseDhtState(bytes: Uint8Array | string): DhtState | null {
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  if (record['version'] !== 1) return null;
  const id = typeof record['id'] === 'string' ? idFromHex(record['id']) : null;
  const nodes: NodeInfo[] = [];
  const list = Array.isArray(record['nodes']) ? (record['nodes'] as unknown[]) : [];
  for (const entry of list.slice(0, MAX_SAVED_NODES)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const node = entry as Record<string, unknown>;
    const nodeId = typeof node['id'] === 'string' ? idFromHex(node['id']) : null;
    const host = node['host'];
    const port = node['port'];
    if (!nodeId || typeof host !== 'string' || !familyOf(host)) continue;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 0xffff) continue;
    nodes.push({ id: nodeId, host, port });
  }
  return { id, nodes };
}
