/**
 * Electron main process: the thin shell. The engine runs here; the renderer is served from
 * tessera://app/ with a strict CSP into a sandboxed, context-isolated window whose preload
 * exposes only the contract. Logic lives in open-requests.ts and shell-logic.ts (tested
 * without Electron) and in the TesseraService shared with the web host.
 */
import { mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  net,
  Notification,
  protocol,
  session as electronSession,
  shell,
  Tray,
  type IpcMainInvokeEvent,
  type MenuItemConstructorOptions,
  type WebContents,
} from 'electron';
import { DEFAULT_MAX_CONNECTIONS, IPC_EVENT, IPC_INVOKE, type Reply, type ServerEvent, type Settings, type TorrentSummary } from '../../shared/contract/index.js';
import { createSession, defaultStateDir, dhtSettings, reachSettings, type EngineSession } from '../engine/index.js';
import { TesseraService, type ServiceConnection } from '../engine/service/index.js';
import { peerSourcesOf } from '../engine/service/settings-apply.js';
import { defaultDownloadDir, defaultSettings, loadSettings, saveSettings } from '../engine/service/state.js';
import { OpenRequestQueue, parseArgv, parseOpenTarget, type OpenRequest } from './open-requests.js';
import {
  APP_CSP,
  APP_INDEX_URL,
  APP_SCHEME,
  MAX_TORRENT_FILE_READ,
  isAppUrl,
  isExternalLinkAllowed,
  isTrustedSender,
  menuTemplate,
  mimeType,
  resolveAppAsset,
  secureWebPreferences,
  taskbarProgress,
  type MenuAction,
  type MenuSpec,
} from './shell-logic.js';
import { autostartEntry, onWindowClose, onWindowMinimize, pauseAllTargets, resumeAllTargets, torrentNotification, trayMenu, trayTooltip, type TrayAction } from './tray-logic.js';
import { exportSaveDialogOptions, isOwnExportDownload } from './download-policy.js';
import { startOnSavedPort } from '../engine/service/engine-start.js';

const here = fileURLToPath(new URL('.', import.meta.url)); // dist/electron/app/
const RENDERER_DIR = join(here, '..', '..', 'renderer'); // dist/renderer
const PRELOAD = join(here, '..', 'preload.cjs'); // dist/electron/preload.cjs
const TRAY_ICON = join(here, '..', '..', '..', 'build', 'icon.png'); // build/icon.png
const DEV = !app.isPackaged;

const queue = new OpenRequestQueue();
let mainWindow: BrowserWindow | null = null;
let service: TesseraService | null = null;
let resolveServiceReady: (s: TesseraService) => void = () => undefined;
const serviceReady = new Promise<TesseraService>((resolve) => {
  resolveServiceReady = resolve;
});
let engine: EngineSession | null = null;
const connections = new Map<number, ServiceConnection>();

// ---- before ready: single instance, open requests, protocol privileges ----

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  queue.push(...parseArgv(process.argv, { cwd: process.cwd(), defaultApp: process.defaultApp === true }));

  app.on('second-instance', (_event, argv, workingDirectory) => {
    queue.push(...parseArgv(argv, { cwd: workingDirectory, defaultApp: process.defaultApp === true }));
    showWindow();
  });
  app.on('open-file', (event, path) => {
    event.preventDefault();
    const request = parseOpenTarget(path, process.cwd());
    if (request) queue.push(request);
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    const request = parseOpenTarget(url, process.cwd());
    if (request) queue.push(request);
  });

  if (process.defaultApp && process.argv[1]) {
    app.setAsDefaultProtocolClient('magnet', process.execPath, [process.argv[1]]);
  } else {
    app.setAsDefaultProtocolClient('magnet');
  }

  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => showWindow());
  app.on('before-quit', (event) => {
    quitting = true;
    // Electron ends the process right after `quit`, cutting off async work: hold the quit until
    // the engine has stopped (resume records, `stopped` announces), then quit for real.
    if (readyToQuit) return;
    event.preventDefault();
    void shutdown().finally(() => {
      readyToQuit = true;
      app.quit();
    });
  });

  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      dialog.showErrorBox('Tessera could not start', err instanceof Error ? err.message : String(err));
      app.exit(1);
    });
}

// ---- startup ----

async function start(): Promise<void> {
  serveAppProtocol();
  const ses = electronSession.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  // Only the renderer's own Export .torrent downloads, behind the native save dialog; nothing else.
  ses.on('will-download', (event, item) => {
    if (!isOwnExportDownload(item.getURL())) return event.preventDefault();
    item.setSaveDialogOptions(exportSaveDialogOptions(item.getFilename()));
  });

  // The window and IPC come up first; commands wait for the engine (restoring torrents can take a moment).
  ipcMain.handle(IPC_INVOKE, handleInvoke);
  Menu.setApplicationMenu(Menu.buildFromTemplate(buildMenu(menuTemplate(process.platform, DEV))));
  createWindow();
  createTray();

  const stateDir = defaultStateDir();
  let settings = await loadSettings(stateDir, defaultSettings(defaultDownloadDir(process.env, app.getPath('home'))));
  try {
    settings = { ...settings, downloadDir: settings.downloadDir || app.getPath('downloads') };
  } catch {
    // keep the XDG default
  }

  const sessionOptions = {
    downloadDir: settings.downloadDir,
    // The saved port is a preference: when another client holds it, take the next free one.
    portFallback: true,
    maxPeersPerTorrent: settings.maxPeersPerTorrent,
    maxConnections: settings.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    // From the first connection on, before restored torrents start.
    encryption: settings.encryption,
    downloadLimit: settings.downloadLimit,
    uploadLimit: settings.uploadLimit,
    // The engine keeps torrents + resume data here and restores them now (restore defaults to true).
    stateDir,
    ...dhtSettings({}),
    ...reachSettings({}),
    // The user's privacy switches from the first restored torrent on (the environment above still wins).
    peerSources: peerSourcesOf(settings),
  };
  // A port the process may not have (below 1024) must not keep the app from starting (engine-start.ts).
  const started = await startOnSavedPort((port) => createSession({ ...sessionOptions, port }), settings.listenPort);
  engine = started.session;
  service = new TesseraService({
    session: engine,
    settings,
    saveSettings: (next) => saveSettings(stateDir, next),
    platform: {
      capabilities: { transport: 'electron', chooseDownloadDir: true, openFolder: true },
      openPath: async (path) => {
        const error = await shell.openPath(path);
        if (error) throw new Error(error);
      },
      chooseDirectory: chooseDirectory,
      chooseSourcePath: chooseSourcePath,
      seedCreatedAnywhere: true,
      onCompleted: (summary) => {
        if (service?.getSettings().notifyOnComplete && Notification.isSupported()) {
          new Notification({ ...torrentNotification('completed', summary), silent: false }).show();
        }
      },
      onFailed: (summary, message) => {
        if (service?.getSettings().notifyOnComplete && Notification.isSupported()) {
          new Notification({ ...torrentNotification('failed', summary, message), silent: false }).show();
        }
      },
      onSettings: (next) => void applyStartOnLogin(next),
      onSummaries: (torrents) => {
        mainWindow?.setProgressBar(taskbarProgress(torrents));
        updateTray(torrents);
      },
    },
    log: (message) => console.error(`tessera: ${message}`),
  });

  if (started.problem) service.notice('error', started.problem);
  resolveServiceReady(service);
  void applyStartOnLogin(settings);
  void queue.attach(openRequest);
}

function serveAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppAsset(RENDERER_DIR, request.url);
    if (!file) return new Response('Not found', { status: 404 });
    try {
      const info = await stat(file);
      if (!info.isFile()) return new Response('Not found', { status: 404 });
    } catch {
      return new Response('Not found', { status: 404 });
    }
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers({
      'content-type': mimeType(file),
      'content-security-policy': APP_CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    });
    return new Response(response.body, { status: 200, headers });
  });
}

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 640,
    minHeight: 420,
    show: false,
    title: 'Tessera',
    backgroundColor: '#181c26',
    webPreferences: secureWebPreferences(PRELOAD),
  });
  mainWindow = win;
  win.once('ready-to-show', () => win.show());
  // Close / minimise to the tray when the settings say so (tray-logic.ts decides).
  win.on('close', (event) => {
    if (onWindowClose(service?.getSettings() ?? null, quitting, tray !== null) !== 'hide') return;
    event.preventDefault();
    win.hide();
  });
  win.on('minimize', () => {
    if (onWindowMinimize(service?.getSettings() ?? null, tray !== null) === 'hide') win.hide();
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(APP_INDEX_URL);
}

function showWindow(): void {
  if (!app.isReady()) return;
  if (!mainWindow) {
    createWindow();
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

/** Navigation, new windows, webviews and permissions: denied. */
function hardenContents(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLinkAllowed(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.on('did-start-navigation', (details) => {
    // A reload or navigation starts a fresh renderer state: drop its old connection.
    if (details.isMainFrame && !details.isSameDocument) closeConnection(contents.id);
  });
  contents.on('render-process-gone', () => closeConnection(contents.id));
  contents.once('destroyed', () => closeConnection(contents.id));
}

function closeConnection(id: number): void {
  connections.get(id)?.close();
  connections.delete(id);
}

// ---- IPC ----

async function handleInvoke(event: IpcMainInvokeEvent, command: unknown, payload: unknown): Promise<Reply<unknown>> {
  const frame = event.senderFrame;
  const trusted = isTrustedSender({
    frameUrl: frame ? frame.url : null,
    isMainFrame: frame !== null && frame.parent === null && frame.processId === event.sender.mainFrame.processId && frame.routingId === event.sender.mainFrame.routingId,
    isOurWindow: mainWindow !== null && event.sender === mainWindow.webContents,
  });
  if (!trusted) {
    return { ok: false, error: { code: 'unsupported', message: 'IPC refused: unknown sender' } };
  }
  const ready = await serviceReady;
  const contents = event.sender;
  if (contents.isDestroyed()) return { ok: false, error: { code: 'disconnected', message: 'window closed' } };
  let conn = connections.get(contents.id);
  if (!conn) {
    conn = ready.connect((serverEvent: ServerEvent) => {
      if (!contents.isDestroyed()) contents.send(IPC_EVENT, serverEvent);
    });
    connections.set(contents.id, conn);
  }
  return conn.handle(command, payload);
}

// ---- dialogs, menus, open requests ----

async function chooseDirectory(current: string): Promise<string | null> {
  const options = { title: 'Download folder', defaultPath: current, properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'> };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  if (result.canceled) return null;
  return result.filePaths[0] ?? null;
}

/** The Create torrent dialog's source: a file or a folder (GTK's dialog cannot offer both at once). */
async function chooseSourcePath(kind: 'file' | 'folder'): Promise<string | null> {
  const options = {
    title: kind === 'file' ? 'File to share' : 'Folder to share',
    properties: [kind === 'file' ? 'openFile' : 'openDirectory'] as Array<'openFile' | 'openDirectory'>,
  };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  if (result.canceled) return null;
  return result.filePaths[0] ?? null;
}

async function openTorrentDialog(): Promise<void> {
  const options = {
    title: 'Open torrent',
    filters: [{ name: 'Torrent files', extensions: ['torrent'] }],
    properties: ['openFile', 'multiSelections'] as Array<'openFile' | 'multiSelections'>,
  };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  if (result.canceled) return;
  queue.push(...result.filePaths.map((path): OpenRequest => ({ kind: 'torrent', path })));
}

function runAction(action: MenuAction): void {
  switch (action) {
    case 'open-torrent':
      void openTorrentDialog();
      break;
    case 'choose-download-dir':
      if (service) {
        // Same path as the renderer's command: main-owned dialog, saved, broadcast as a `settings` event.
        const conn = service.connect(() => undefined);
        void conn.handle('chooseDownloadDir', {}).finally(() => conn.close());
      }
      break;
    case 'open-download-dir': {
      const dir = service?.getSettings().downloadDir;
      if (dir) void shell.openPath(dir);
      break;
    }
    case 'quit':
      app.quit();
      break;
    case 'reload':
      mainWindow?.webContents.reload();
      break;
    case 'toggle-devtools':
      mainWindow?.webContents.toggleDevTools();
      break;
    case 'about':
      void dialog.showMessageBox({ type: 'info', title: 'About Tessera', message: `Tessera ${app.getVersion()}`, detail: 'A BitTorrent client where you watch every piece land.' });
      break;
  }
}

function buildMenu(spec: MenuSpec[]): MenuItemConstructorOptions[] {
  return spec.map((menu): MenuItemConstructorOptions => {
    if (menu.role) return { label: menu.label, role: menu.role };
    return {
      label: menu.label,
      submenu: (menu.items ?? []).map((item): MenuItemConstructorOptions => {
        if (item.type === 'separator') return { type: 'separator' };
        if (item.role) return { role: item.role };
        const action = item.action;
        return {
          label: item.label ?? '',
          ...(item.accelerator ? { accelerator: item.accelerator } : {}),
          ...(action ? { click: () => runAction(action) } : {}),
        };
      }),
    };
  });
}

async function openRequest(request: OpenRequest): Promise<void> {
  if (!service) return;
  if (request.kind === 'magnet') {
    await service.addFromShell({ kind: 'magnet', uri: request.uri });
    return;
  }
  const fileName = basename(request.path);
  try {
    const info = await stat(request.path);
    if (!info.isFile()) throw new Error('not a file');
    if (info.size > MAX_TORRENT_FILE_READ) throw new Error(`larger than ${MAX_TORRENT_FILE_READ} bytes`);
    const bytes = new Uint8Array(await readFile(request.path));
    await service.addFromShell({ kind: 'torrent', bytes, fileName });
  } catch (err) {
    service.notice('error', `Could not open ${fileName}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

// ---- tray and start on login ----

let tray: Tray | null = null;
let quitting = false;
let trayTorrents: readonly TorrentSummary[] = [];
let trayMenuKey = '';

function createTray(): void {
  tray = new Tray(nativeImage.createFromPath(TRAY_ICON));
  tray.setToolTip(trayTooltip([]));
  tray.on('click', () => showWindow());
  updateTray([]);
}

/** The tooltip follows the rates; the menu is rebuilt only when what it enables changes. */
function updateTray(torrents: readonly TorrentSummary[]): void {
  trayTorrents = torrents;
  if (!tray) return;
  tray.setToolTip(trayTooltip(torrents));
  const items = trayMenu(torrents);
  const key = items.map((i) => `${i.action ?? '-'}:${String(i.enabled ?? true)}`).join(',');
  if (key === trayMenuKey) return;
  trayMenuKey = key;
  tray.setContextMenu(Menu.buildFromTemplate(items.map((item): MenuItemConstructorOptions => {
    if (item.type === 'separator') return { type: 'separator' };
    const action = item.action;
    return { label: item.label ?? '', enabled: item.enabled ?? true, ...(action ? { click: () => void runTrayAction(action) } : {}) };
  })));
}

async function runTrayAction(action: TrayAction): Promise<void> {
  if (action === 'show') return showWindow();
  if (action === 'quit') return app.quit();
  const ready = service;
  if (!ready) return;
  const command = action === 'pause-all' ? 'pause' : 'resume';
  const targets = action === 'pause-all' ? pauseAllTargets(trayTorrents) : resumeAllTargets(trayTorrents);
  const conn = ready.connect(() => undefined);
  try {
    await Promise.all(targets.map((infoHash) => conn.handle(command, { infoHash })));
  } finally {
    conn.close();
  }
}

/** macOS and Windows: the OS login items; Linux: an XDG autostart entry. */
async function applyStartOnLogin(settings: Settings): Promise<void> {
  const on = settings.startOnLogin === true;
  if (process.platform === 'darwin' || process.platform === 'win32') {
    app.setLoginItemSettings({ openAtLogin: on });
    return;
  }
  const dir = join(process.env.XDG_CONFIG_HOME || join(app.getPath('home'), '.config'), 'autostart');
  const file = join(dir, 'tessera.desktop');
  try {
    if (on) {
      await mkdir(dir, { recursive: true });
      await writeFile(file, autostartEntry(process.execPath, process.defaultApp && process.argv[1] ? [process.argv[1]] : []));
    } else {
      await unlink(file).catch((err: unknown) => {
        if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
      });
    }
  } catch (err) {
    service?.notice('error', `Could not change "start on login": ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Longest a quit waits for the engine to stop (a tracker that never answers must not keep the app alive). */
const SHUTDOWN_GRACE_MS = 5000;
/** Set once the engine has stopped (or the grace ran out): the next quit goes through. */
let readyToQuit = false;
let stopping: Promise<void> | null = null;
function shutdown(): Promise<void> {
  stopping ??= (async () => {
    for (const id of [...connections.keys()]) closeConnection(id);
    await service?.close().catch(() => undefined);
    await engine?.close().catch(() => undefined);
  })();
  return Promise.race([stopping, delay(SHUTDOWN_GRACE_MS, undefined, { ref: false })]);
}
