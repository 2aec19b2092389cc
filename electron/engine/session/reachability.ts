import type { PortMappingState } from '../portmap/port-mapper.js';
import { protocolName } from '../portmap/port-mapper.js';
import { describeVerdict, interfaceAddresses, reachFacts, reachVerdict, type ReachVerdict } from '../torrent/health-reach.js';

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

/**
 * What may be said about reachability (health-reach.ts's one rule, which the Health tab uses
 * too), and that in one line for a person: how the port is mapped or why not, then the verdict.
 * @param addresses this machine's addresses, for a listener on every address
 */
export function reachabilityView(r: Reachability, addresses: readonly string[] = interfaceAddresses()): { verdict: ReachVerdict; text: string } {
  const facts = reachFacts(r, addresses);
  const verdict = reachVerdict(facts);
  return { verdict, text: reachabilityLine(r, verdict, describeVerdict(verdict, facts)) };
}

/** One line for a person: mapped (how, where), then the verdict (`--verbose`, the status bar's tooltip). */
export function describeReachability(r: Reachability, addresses?: readonly string[]): string {
  return reachabilityView(r, addresses).text;
}

function reachabilityLine(r: Reachability, verdict: ReachVerdict, verdictText: string): string {
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
  // "Only outgoing connections" was said here of every listener nobody had dialled yet — on
  // loopback, on a public address, before the router answered: only evidence says "not reachable".
  if (verdict.why !== 'mapped') parts.push(verdictText);
  return parts.join('; ');
}
