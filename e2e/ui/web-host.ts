/**
 * Starts the built web host (`node dist/electron/host/main.js`, what `npm run web` runs after
 * building) on a random port with a temporary state folder, download folder and BitTorrent
 * port, and reads back the URL (with its token) and the listening port it prints.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Cleanup } from '../support/cleanup.js';
import { ManagedProcess } from '../support/process.js';
import { REPO_ROOT } from '../support/tools.js';

export const HOST_MAIN = join(REPO_ROOT, 'dist', 'electron', 'host', 'main.js');
export const RENDERER_INDEX = join(REPO_ROOT, 'dist', 'renderer', 'index.html');

export interface WebHost {
  /** http://127.0.0.1:PORT/?token=… exactly as printed. */
  url: string;
  origin: string;
  port: number;
  token: string;
  /** The engine's BitTorrent listening port. */
  listenPort: number;
  stateDir: string;
  downloadDir: string;
  proc: ManagedProcess;
  stop(): Promise<void>;
}

export async function startWebHost(cleanup: Cleanup, opts: { extraArgs?: string[]; stateDir?: string; env?: Record<string, string> } = {}): Promise<WebHost> {
  for (const f of [HOST_MAIN, RENDERER_INDEX]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first (npm test does).`);
  }
  const stateDir = opts.stateDir ?? (await cleanup.tempDir('web-state'));
  const downloadDir = join(stateDir, 'downloads');
  const args = [HOST_MAIN, '--port', '0', '--dir', stateDir, '--download-dir', downloadDir, '--listen-port', '0', '--listen-host', '127.0.0.1', ...(opts.extraArgs ?? [])];
  // TESSERA_DHT_BOOTSTRAP='' keeps the DHT off: no test contacts the public bootstrap routers;
  // TESSERA_PORT_MAPPING/TESSERA_LSD=0: no SSDP, NAT-PMP or LSD multicast to the real LAN.
  const proc = new ManagedProcess(process.execPath, args, { label: 'tessera-web', env: { ...process.env, ...opts.env, NO_COLOR: '1', TESSERA_DHT_BOOTSTRAP: '', TESSERA_PORT_MAPPING: '0', TESSERA_LSD: '0' } });
  cleanup.add(() => proc.stop());
  const urlLine = await proc.waitForLine(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/, 30_000);
  const portLine = await proc.waitForLine(/BitTorrent listening port: \d+/, 30_000);
  const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(urlLine)?.[0] ?? '';
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token: parsed.searchParams.get('token') ?? '',
    listenPort: Number(/BitTorrent listening port: (\d+)/.exec(portLine)?.[1]),
    stateDir,
    downloadDir,
    proc,
    stop: async () => {
      await proc.stop();
    },
  };
}
