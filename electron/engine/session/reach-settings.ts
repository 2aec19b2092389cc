import type { SessionOptions } from '../api.js';

/**
 * Port mapping (UPnP IGD / NAT-PMP / PCP) and Local Service Discovery for the hosts (CLI,
 * web host, app): on by default, like qBittorrent. Environment overrides, which test suites
 * set so no test sends SSDP, NAT-PMP or LSD multicast to a real network:
 * - `TESSERA_PORT_MAPPING=0` turns port mapping off;
 * - `TESSERA_LSD=0` turns Local Service Discovery off.
 */
export function reachSettings(
  flags: { noPortMapping?: boolean; noLsd?: boolean },
  env: Record<string, string | undefined> = process.env,
): Pick<SessionOptions, 'portMapping' | 'lsd'> {
  return {
    portMapping: !flags.noPortMapping && env.TESSERA_PORT_MAPPING !== '0',
    lsd: !flags.noLsd && env.TESSERA_LSD !== '0',
  };
}
