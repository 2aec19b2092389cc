/**
 * `npm run web`: the headless host (like qbittorrent-nox). Starts the engine, serves the
 * built renderer and the contract over WebSocket, prints the URL with its access token.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSession, defaultStateDir, dhtSettings, type EngineSession } from '../engine/index.js';
import { TesseraService } from '../engine/service/index.js';
import { defaultDownloadDir, defaultSettings, loadSettings, saveSettings } from '../engine/service/state.js';
import { ArgsError, HOST_USAGE, parseHostArgs } from './args.js';
import { startHostServer } from './server.js';

async function main(): Promise<void> {
  let args;
  try {
    args = parseHostArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ArgsError) {
      process.stderr.write(`tessera web: ${err.message}\n\n${HOST_USAGE}`);
      process.exit(2);
    }
    throw err;
  }
  if (args.help) {
    process.stdout.write(HOST_USAGE);
    return;
  }

  const stateDir = resolve(args.dir ?? defaultStateDir());
  await mkdir(stateDir, { recursive: true });
  let settings = await loadSettings(stateDir, defaultSettings(defaultDownloadDir()));
  if (args.downloadDir !== null) {
    settings = { ...settings, downloadDir: resolve(args.downloadDir) };
    await saveSettings(stateDir, settings);
  }
  await mkdir(settings.downloadDir, { recursive: true });

  let session: EngineSession;
  if (args.fakeEngine) {
    // Loaded only on request: the simulator is not part of packaged builds.
    const { FakeSession } = await import('../engine/service/fake-session.js');
    const fake = new FakeSession({ port: args.listenPort ?? settings.listenPort });
    fake.simulate();
    session = fake;
  } else {
    session = await createSession({
      downloadDir: settings.downloadDir,
      port: args.listenPort ?? settings.listenPort,
      maxPeersPerTorrent: settings.maxPeersPerTorrent,
      // From the first connection on, before restored torrents start.
      encryption: settings.encryption,
      downloadLimit: settings.downloadLimit,
      uploadLimit: settings.uploadLimit,
      // The engine keeps torrents + resume data here and restores them now (restore defaults to true).
      stateDir,
      ...dhtSettings({ noDht: args.noDht, bootstrap: args.dhtBootstrap }),
      ...(args.listenHost !== null ? { listenHost: args.listenHost } : {}),
    });
  }

  const log = (message: string): void => {
    process.stderr.write(`tessera web: ${message}\n`);
  };
  session.on('warning', (message) => log(`warning: ${message}`));

  const service = new TesseraService({
    session,
    settings,
    saveSettings: (next) => saveSettings(stateDir, next),
    platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
    log,
  });

  const staticDir = args.staticDir !== null ? resolve(args.staticDir) : fileURLToPath(new URL('../../renderer/', import.meta.url));
  const host = await startHostServer({ service, staticDir, host: args.host, port: args.port, log });

  process.stdout.write(`Tessera web UI: ${host.url}\n`);
  process.stdout.write(`BitTorrent listening port: ${session.port}\n`);
  process.stdout.write(`State folder: ${stateDir}\nDownload folder: ${settings.downloadDir}\n`);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await host.close().catch(() => undefined);
    await service.close().catch(() => undefined);
    await session.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`tessera web: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
