import type { SessionOptions } from '../api.js';

/**
 * DHT settings from command-line style inputs, with environment overrides:
 * - `TESSERA_DHT_BOOTSTRAP` = comma-separated host:port list, or empty to turn the DHT off.
 *   Test suites set it so no test ever contacts the public bootstrap routers.
 * - `TESSERA_DHT_RESTRICT_ROUTING_IPS=0` lets the routing table hold several nodes per IP and
 *   subnet (libtorrent's `dht_restrict_routing_ips` off): only for test swarms on 127.0.0.1,
 *   where every node has the same address. The test harness sets it for Tessera children.
 */
export function dhtSettings(
  flags: { noDht?: boolean; bootstrap?: string[] },
  env: Record<string, string | undefined> = process.env,
): Pick<SessionOptions, 'dht' | 'dhtBootstrap' | 'dhtRestrictRoutingIps'> {
  if (flags.noDht) return { dht: false };
  const restrict = env.TESSERA_DHT_RESTRICT_ROUTING_IPS === '0' ? { dhtRestrictRoutingIps: false } : {};
  if (flags.bootstrap && flags.bootstrap.length > 0) return { dht: true, dhtBootstrap: flags.bootstrap, ...restrict };
  const fromEnv = env.TESSERA_DHT_BOOTSTRAP;
  if (fromEnv === undefined) return { dht: true, ...restrict };
  const list = fromEnv.split(',').map((s) => s.trim()).filter(Boolean);
  return list.length === 0 ? { dht: false } : { dht: true, dhtBootstrap: list, ...restrict };
}
