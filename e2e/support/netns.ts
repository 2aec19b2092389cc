/**
 * Network namespaces for tests that need a LAN (LSD multicast) or a router (port mapping):
 * two namespaces joined by one veth pair, 10.77.0.1 (the "gateway" side) and 10.77.0.2
 * (the host behind it, default route via .1). Everything lives inside namespaces this test
 * creates; nothing touches the machine's own interfaces. Needs root; any failure is thrown
 * with the command that failed (never a silent skip). Deleting a namespace removes its veth end.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Cleanup } from './cleanup.js';

export interface Lan {
  /** Namespace holding 10.77.0.1 (the gateway side). */
  gateway: string;
  /** Namespace holding 10.77.0.2, default route via 10.77.0.1. */
  host: string;
  gatewayAddress: string;
  hostAddress: string;
  gatewayIf: string;
  hostIf: string;
}

function ip(args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: 'pipe', timeout: 20_000 });
  } catch (err) {
    const detail = err instanceof Error && 'stderr' in err ? String((err as { stderr: unknown }).stderr).trim() : String(err);
    throw new Error(`\`ip ${args.join(' ')}\` failed: ${detail}. Namespace tests need root and iproute2.`);
  }
}

export function createLan(cleanup: Cleanup, label: string): Lan {
  const id = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  const gateway = `tsr-${label}-gw-${id}`;
  const host = `tsr-${label}-h-${id}`;
  // Interface names are at most 15 characters.
  const gatewayIf = `vg${id}`.slice(0, 15);
  const hostIf = `vh${id}`.slice(0, 15);
  for (const ns of [gateway, host]) {
    ip(['netns', 'add', ns]);
    cleanup.add(() => ip(['netns', 'del', ns]));
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  ip(['link', 'add', gatewayIf, 'netns', gateway, 'type', 'veth', 'peer', 'name', hostIf, 'netns', host]);
  ip(['-n', gateway, 'addr', 'add', '10.77.0.1/24', 'dev', gatewayIf]);
  ip(['-n', host, 'addr', 'add', '10.77.0.2/24', 'dev', hostIf]);
  ip(['-n', gateway, 'link', 'set', gatewayIf, 'up']);
  ip(['-n', host, 'link', 'set', hostIf, 'up']);
  ip(['-n', host, 'route', 'add', 'default', 'via', '10.77.0.1']);
  // Multicast (LSD, SSDP) from the gateway side leaves through the veth too.
  ip(['-n', gateway, 'route', 'add', '224.0.0.0/4', 'dev', gatewayIf]);
  return { gateway, host, gatewayAddress: '10.77.0.1', hostAddress: '10.77.0.2', gatewayIf, hostIf };
}

/** `ip netns exec NS command args…` as a [command, args] pair for ManagedProcess/runToEnd. */
export function inNamespace(ns: string, command: string, args: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', ns, command, ...args]];
}

/** Two namespaces joined by a veth pair carrying IPv6 only: one side for Tessera, one for the peers. */
export interface V6Link {
  tessera: string;
  peers: string;
}

/**
 * Two namespaces of the test's own joined by one veth pair, with `tesseraAddresses` on one end
 * and `peerAddresses` on the other (IPv6 /64 addresses, no duplicate address detection). Peers
 * that each need an address of their own (libtorrent tells peers apart by IP) share the peers'
 * side; Tessera's connections to them leave from its own address on the other side (on a
 * single loopback, the kernel would pick the destination's own address as the source).
 */
export function createV6Link(cleanup: Cleanup, label: string, tesseraAddresses: string[], peerAddresses: string[]): V6Link {
  const id = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  const tessera = `tsr-${label}-t-${id}`;
  const peers = `tsr-${label}-p-${id}`;
  const tesseraIf = `v6t${id}`.slice(0, 15);
  const peersIf = `v6p${id}`.slice(0, 15);
  for (const ns of [tessera, peers]) {
    ip(['netns', 'add', ns]);
    cleanup.add(() => ip(['netns', 'del', ns]));
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  ip(['link', 'add', tesseraIf, 'netns', tessera, 'type', 'veth', 'peer', 'name', peersIf, 'netns', peers]);
  for (const address of tesseraAddresses) ip(['-n', tessera, 'addr', 'add', `${address}/64`, 'dev', tesseraIf, 'nodad']);
  for (const address of peerAddresses) ip(['-n', peers, 'addr', 'add', `${address}/64`, 'dev', peersIf, 'nodad']);
  ip(['-n', tessera, 'link', 'set', tesseraIf, 'up']);
  ip(['-n', peers, 'link', 'set', peersIf, 'up']);
  return { tessera, peers };
}

/**
 * Sender ── router ── receiver: three namespaces, two veth pairs, the router forwarding
 * between 10.78.1.0/24 (sender 10.78.1.1) and 10.78.2.0/24 (receiver 10.78.2.2). A bottleneck
 * shaped on the router's interface towards the receiver (`routerEgressIf`) queues the
 * senders' packets on another host, as a home router does: a qdisc on the sender's own
 * interface would not do, because TCP Small Queues keeps a local TCP socket's share of that
 * queue to about a millisecond of data, so TCP could never build the queuing delay LEDBAT
 * reacts to (and a UDP sender is held back by its socket buffer instead of by the network).
 */
export interface RoutedPath {
  sender: string;
  router: string;
  receiver: string;
  senderAddress: string;
  receiverAddress: string;
  routerEgressIf: string;
}

export function createRoutedPath(cleanup: Cleanup, label: string): RoutedPath {
  const id = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  const sender = `tsr-${label}-s-${id}`;
  const router = `tsr-${label}-r-${id}`;
  const receiver = `tsr-${label}-d-${id}`;
  for (const ns of [sender, router, receiver]) {
    ip(['netns', 'add', ns]);
    cleanup.add(() => ip(['netns', 'del', ns]));
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  const senderIf = `vs${id}`.slice(0, 15);
  const routerInIf = `vri${id}`.slice(0, 15);
  const routerEgressIf = `vro${id}`.slice(0, 15);
  const receiverIf = `vd${id}`.slice(0, 15);
  ip(['link', 'add', senderIf, 'netns', sender, 'type', 'veth', 'peer', 'name', routerInIf, 'netns', router]);
  ip(['link', 'add', routerEgressIf, 'netns', router, 'type', 'veth', 'peer', 'name', receiverIf, 'netns', receiver]);
  ip(['-n', sender, 'addr', 'add', '10.78.1.1/24', 'dev', senderIf]);
  ip(['-n', router, 'addr', 'add', '10.78.1.254/24', 'dev', routerInIf]);
  ip(['-n', router, 'addr', 'add', '10.78.2.254/24', 'dev', routerEgressIf]);
  ip(['-n', receiver, 'addr', 'add', '10.78.2.2/24', 'dev', receiverIf]);
  for (const [ns, dev] of [[sender, senderIf], [router, routerInIf], [router, routerEgressIf], [receiver, receiverIf]] as const) ip(['-n', ns, 'link', 'set', dev, 'up']);
  ip(['-n', sender, 'route', 'add', 'default', 'via', '10.78.1.254']);
  ip(['-n', receiver, 'route', 'add', 'default', 'via', '10.78.2.254']);
  ip(['netns', 'exec', router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  return { sender, router, receiver, senderAddress: '10.78.1.1', receiverAddress: '10.78.2.2', routerEgressIf };
}
