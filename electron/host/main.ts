/**
 * `npm run web`: the headless host (like qbittorrent-nox). Starts the engine, serves the
 * built renderer and the contract over WebSocket, prints the URL with its access token.
 */
import { randomBytes } from 'node:crypto';
import { unlink, writeFile } from 'node:fs/promises';
import { makeFolders } from '../engine/util/make-folders.js';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_CONNECTIONS } from '../../shared/contract/index.js';
import { createSession, defaultStateDir, dhtSettings, reachSettings, type EngineSession } from '../engine/index.js';
import { TesseraService } from '../engine/service/index.js';
import { peerSourcesOf } from '../engine/service/settings-apply.js';
import { defaultDownloadDir, defaultSettings, loadSettings, saveSettings } from '../engine/service/state.js';
import { ArgsError, DEFAULT_WEB_PORT, HOST_USAGE, parseHostArgs } from './args.js';
import { startHostServer, type HostServer } from './server.js';
import { remoteAccess } from './remote-access.js';
import { loadOrCreateToken } from './access-token.js';
import { startOnListenPort } from './listen-port.js';
import { lockStateDir } from './state-lock.js';
import { listenFailure, startupErrorLine, step } from './startup-error.js';

const log = (message: string): void => {
  process.stderr.write(`tessera web: ${message}\n`);
};

/** Creates the state folder and proves it writable (settings and resume data go there). */
async function prepareStateDir(stateDir: string): Promise<void> {
  await step(`cannot use the state folder ${stateDir}`, async () => {
    await makeFolders(stateDir);
    const probe = join(stateDir, `.write-test-${process.pid}-${randomBytes(4).toString('hex')}`);
    await writeFile(probe, '');
    await unlink(probe);
  });
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

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
  await prepareStateDir(stateDir);
  const unlock = await lockStateDir(stateDir);
  // Whatever way the process ends (a start-up failure below included), the lock goes with it.
  process.on('exit', unlock);
  const remote = await remoteAccess(stateDir, args);
  const token = await step(`cannot keep the web UI's access token in ${stateDir}`, () => loadOrCreateToken(stateDir));
  let settings = await step('cannot read the settings', () => loadSettings(stateDir, defaultSettings(defaultDownloadDir()), log));
  const downloadDir = args.downloadDir !== null ? resolve(args.downloadDir) : settings.downloadDir;
  // Created before --download-dir is saved: a folder that cannot be made was saved first and
  // then failed every later start until settings.json was edited by hand.
  await step(`cannot create the download folder ${downloadDir}`, () => makeFolders(downloadDir));
  if (args.downloadDir !== null) {
    settings = { ...settings, downloadDir };
    const next = settings;
    await step(`cannot save the settings in ${stateDir}`, () => saveSettings(stateDir, next));
  }

  let session: EngineSession;
  let portProblem: string | null = null;
  if (args.fakeEngine) {
    // Loaded only on request: the simulator is not part of packaged builds.
    const { FakeSession } = await import('../engine/service/fake-session.js');
    const fake = new FakeSession({ port: args.listenPort ?? settings.listenPort });
    fake.simulate();
    session = fake;
  } else {
    const options = {
      downloadDir: settings.downloadDir,
      portFallback: args.listenPort === null,
      maxPeersPerTorrent: settings.maxPeersPerTorrent,
      maxConnections: settings.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      // From the first connection on, before restored torrents start.
      encryption: settings.encryption,
      downloadLimit: settings.downloadLimit,
      uploadLimit: settings.uploadLimit,
      // The engine keeps torrents + resume data here and restores them now (restore defaults to true).
      stateDir,
      ...dhtSettings({ noDht: args.noDht, bootstrap: args.dhtBootstrap }),
      ...reachSettings({}),
      // The user's privacy switches from the first restored torrent on (the flags above still win).
      peerSources: peerSourcesOf(settings),
      ...(args.listenHost !== null ? { listenHost: args.listenHost } : {}),
    };
    // A port given on the command line is a demand; the saved one (6881 by default) a preference.
    const started = await startOnListenPort((port) => createSession({ ...options, port }), { demanded: args.listenPort, saved: settings.listenPort, host: args.listenHost });
    session = started.session;
    portProblem = started.problem;
  }

  session.on('warning', (message) => log(`warning: ${message}`));
  if (portProblem !== null) log(portProblem);

  const service = new TesseraService({
    session,
    settings,
    saveSettings: (next) => saveSettings(stateDir, next),
    platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
    log,
  });

  // Shown to the first browser that connects, as the desktop app shows it in its window.
  if (portProblem !== null) service.notice('error', portProblem);
  const staticDir = args.staticDir !== null ? resolve(args.staticDir) : fileURLToPath(new URL('../../renderer/', import.meta.url));
  let host: HostServer;
  try {
    host = await startHostServer({ service, staticDir, host: args.host, port: args.port ?? DEFAULT_WEB_PORT, portFallback: args.port === null, log, token, ...remote });
  } catch (err) {
    throw listenFailure(err, 'web UI port', hostPort(args.host, args.port ?? DEFAULT_WEB_PORT), '--port');
  }

  process.stdout.write(`Tessera web UI: ${host.url}\n`);
  if (remote.auth) process.stdout.write(`Remote login required (user ${JSON.stringify(remote.username)}) at ${host.url.replace(/\?.*$/, '')}login\n`);
  if (remote.auth && !remote.tls) process.stdout.write(`Warning: serving plain HTTP on ${args.host}: passwords and data cross the network unencrypted (give --cert and --key for HTTPS)\n`);
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
  log(startupErrorLine(err));
  if (process.env.TESSERA_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
