import type { PortMappingState } from '../portmap/port-mapper.js';
import { protocolName } from '../portmap/port-mapper.js';

/** Whether peers outside can reach us, as far as this session knows (for `--verbose` and the UI). */
export interface Reachability {
  listenPort: number;
  portMapping: PortMappingState;
  /** Incoming peer connections accepted (handshake for one of our torrents) since the session started. */
  incomingConnections: number;
  /** Local Service Discovery is running (at least one multicast group joined). */
  lsd: boolean;
  /** The address the listener is bound to, when one was set (absent: every address). */
  listenHost?: string;
}

/** One line for a person: mapped (how, where), incoming seen, or only outgoing. */
export function describeReachability(r: Reachability): string {
  const m = r.portMapping;
  const parts: string[] = [];
  if (m.status === 'mapped' && m.protocol) {
    const ports = Object.entries(m.externalPorts)
      .map(([transport, port]) => `${transport.toUpperCase()} ${port}`)
      .join(', ');
    parts.push(`port ${r.listenPort} mapped by ${protocolName(m.protocol)}: external ${m.externalAddress ?? 'address unknown'} (${ports})`);
  } else if (m.status === 'failed') {
    parts.push(`port mapping failed: ${m.error ?? 'unknown reason'}`);
  } else if (m.status === 'discovering') {
    parts.push('port mapping: looking for the router');
  }
  if (r.incomingConnections > 0) parts.push(`reachable: ${r.incomingConnections} incoming connection${r.incomingConnections === 1 ? '' : 's'} seen`);
  else if (!(m.status === 'mapped')) parts.push('not reachable: only outgoing connections');
  return parts.join('; ');
}
