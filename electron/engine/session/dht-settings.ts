import type { SessionOptions } from '../api.js';

/**
 * DHT settings from command-line style inputs, with an environment override:
 * `TESSERA_DHT_BOOTSTRAP` = comma-separated host:port list, or empty to turn the DHT off.
 * Test suites set it so no test ever contacts the public bootstrap routers.
 */
export function dhtSettings(
  flags: { noDht?: boolean; bootstrap?: string[] },
  env: Record<string, string | undefined> = process.env,
): Pick<SessionOptions, 'dht' | 'dhtBootstrap'> {
  if (flags.noDht) return { dht: false };
  if (flags.bootstrap && flags.bootstrap.length > 0) return { dht: true, dhtBootstrap: flags.bootstrap };
  const fromEnv = env.TESSERA_DHT_BOOTSTRAP;
  if (fromEnv === undefined) return { dht: true };
  const list = fromEnv.split(',').map((s) => s.trim()).filter(Boolean);
  return list.length === 0 ? { dht: false } : { dht: true, dhtBootstrap: list };
}
