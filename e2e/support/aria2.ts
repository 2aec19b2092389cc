/** aria2 as a seeder: a second, independent BitTorrent implementation to download from. */
import type { Cleanup } from './cleanup.js';
import { freePort, waitForListening } from './net.js';
import { ManagedProcess } from './process.js';
import { requireTool } from './tools.js';

export interface Aria2SeederOptions {
  torrent: string;
  /** Directory holding the data (aria2 verifies it with -V before seeding). */
  dir: string;
  /** Listen address: aria2 binds with --interface. Default 127.0.0.1. */
  host?: string;
  /** Seed time limit in minutes, a safety net in case the test runner dies. Default 30. */
  seedTimeMinutes?: number;
  echo?: boolean;
  readyTimeoutMs?: number;
}

export interface Aria2Seeder {
  host: string;
  port: number;
  address: string;
  proc: ManagedProcess;
  stop(): Promise<void>;
}

export async function startAria2Seeder(cleanup: Cleanup, opts: Aria2SeederOptions): Promise<Aria2Seeder> {
  requireTool('aria2c');
  const host = opts.host ?? '127.0.0.1';
  let lastError: unknown;
  // The port comes from the OS but aria2 binds it itself: retry on the rare collision.
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = await freePort(host);
    const args = [
      '-V',
      '--seed-ratio=0.0',
      `--seed-time=${opts.seedTimeMinutes ?? 30}`,
      `--listen-port=${port}`,
      `--interface=${host}`,
      '--disable-ipv6=true',
      '--enable-dht=false',
      '--enable-dht6=false',
      '--bt-enable-lpd=false',
      '--enable-peer-exchange=false',
      '--bt-tracker-connect-timeout=1',
      '--file-allocation=none',
      '--summary-interval=0',
      '--console-log-level=warn',
      '--auto-save-interval=0',
      '--force-save=false',
      `--stop-with-process=${process.pid}`,
      '-d',
      opts.dir,
      opts.torrent,
    ];
    const proc = new ManagedProcess('aria2c', args, { label: `aria2c@${host}:${port}`, echo: opts.echo, stdinPipe: false });
    cleanup.add(() => proc.stop());
    try {
      await waitForListening(host, port, opts.readyTimeoutMs ?? 120_000, () => proc.exitInfo === null);
      return { host, port, address: `${host}:${port}`, proc, stop: async () => void (await proc.stop()) };
    } catch (err) {
      lastError = new Error(`aria2c did not start seeding on ${host}:${port}: ${(err as Error).message}\n${proc.describe()}`);
      await proc.stop();
    }
  }
  throw lastError;
}
