/**
 * A strict double of the 'electron' module for the built main process (dist/electron/app/main.js),
 * which runs unmodified under plain Node with this file resolved in place of 'electron' (see
 * shell-harness.ts). It implements exactly the API the shell uses, with Electron's rules where
 * a mistake would otherwise pass (before/after `ready`, one handler per channel, structured-clone
 * IPC, known event names), and forwards what Electron would do outside the main process — the
 * window, the app:// protocol, IPC with the renderer — to the harness, which plays it in Chromium.
 *
 * Every object handed to the shell is a Proxy that throws on a property it does not have, and
 * reports the access to the harness (so a call the shell wraps in try/catch still fails the
 * test): a new Electron API used by the shell must be added here before its test can pass.
 * Bundled by esbuild at test time; 'electron' itself is only imported for its types.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Electron from 'electron';
import { exitAfterFlush, post, preventable, record, request, settleReply, strict, StrictEmitter, violation } from './double-support.js';
import type { ToShell } from './messages.js';

// ---- app ----

let ready = false;
let quitting = false;
let resolveReady: () => void = () => undefined;
const readyPromise = new Promise<void>((resolve) => {
  resolveReady = resolve;
});

function requireReady(what: string): void {
  if (!ready) throw violation(`${what} before the app is ready (Electron refuses this)`);
}

function home(): string {
  const dir = process.env.ELECTRON_DOUBLE_HOME;
  if (!dir) throw violation('ELECTRON_DOUBLE_HOME is not set (the harness gives every run its own home)');
  return dir;
}

const APP_EVENTS = ['ready', 'second-instance', 'open-file', 'open-url', 'web-contents-created', 'browser-window-created', 'window-all-closed', 'activate', 'before-quit', 'will-quit', 'quit'] as const;

class AppDouble extends StrictEmitter implements Pick<Electron.App, 'requestSingleInstanceLock' | 'quit' | 'exit' | 'whenReady' | 'isReady' | 'getPath' | 'getVersion' | 'isPackaged' | 'setAsDefaultProtocolClient'> {
  constructor() {
    super('app', APP_EVENTS);
  }
  get isPackaged(): boolean {
    return process.env.ELECTRON_DOUBLE_PACKAGED !== '0';
  }
  requestSingleInstanceLock(): boolean {
    if (process.env.ELECTRON_DOUBLE_LOCK === 'held') {
      // Electron hands this instance's argv and cwd to the one holding the lock.
      post({ type: 'second-instance', argv: [...process.argv], cwd: process.cwd() });
      return false;
    }
    record('app.requestSingleInstanceLock');
    return true;
  }
  setAsDefaultProtocolClient(protocol: string, path?: string, args?: string[]): boolean {
    record('app.setAsDefaultProtocolClient', protocol, ...(path === undefined ? [] : [path]), ...(args === undefined ? [] : [args]));
    return true;
  }
  whenReady(): Promise<void> {
    return readyPromise;
  }
  isReady(): boolean {
    return ready;
  }
  getPath(name: Parameters<Electron.App['getPath']>[0]): string {
    if (name === 'home') return home();
    if (name === 'downloads') return join(home(), 'Downloads');
    throw violation(`app.getPath('${name}') is not modelled by the double`);
  }
  getVersion(): string {
    return process.env.npm_package_version ?? '0.0.0-double';
  }
  quit(): void {
    if (quitting) return;
    const before = preventable('Event', {});
    this.emit('before-quit', before);
    if (before.defaultPrevented) {
      record('app.quit held by before-quit');
      return;
    }
    for (const win of [...windows.values()]) {
      const close = preventable('Event', {});
      win.emit('close', close);
      if (close.defaultPrevented) return;
      win.destroyNow();
    }
    const willQuit = preventable('Event', {});
    this.emit('will-quit', willQuit);
    if (willQuit.defaultPrevented) return;
    quitting = true;
    this.emit('quit', preventable('Event', {}), 0);
    record('app.quit');
    // Electron ends the process once `quit` has been emitted: async work left running is cut off.
    setImmediate(() => exitAfterFlush(0));
  }
  exit(exitCode = 0): void {
    record('app.exit', exitCode);
    exitAfterFlush(exitCode);
  }
}

// ---- windows and web contents ----

const windows = new Map<number, BrowserWindowDouble>();
const contentsById = new Map<number, WebContentsDouble>();
let nextWindowId = 1;
let nextContentsId = 1;
const RENDERER_PROCESS_ID = 4;

const CONTENTS_EVENTS = ['will-navigate', 'will-redirect', 'will-attach-webview', 'did-start-navigation', 'render-process-gone', 'destroyed'] as const;

class WebFrameDouble {
  constructor(
    private readonly contents: WebContentsDouble,
    readonly routingId: number,
  ) {}
  get url(): string {
    return this.contents.currentUrl;
  }
  get processId(): number {
    return RENDERER_PROCESS_ID;
  }
  get parent(): null {
    return null;
  }
}

class WebContentsDouble extends StrictEmitter {
  readonly id = nextContentsId++;
  currentUrl = '';
  destroyed = false;
  readonly mainFrame: WebFrameDouble;
  openHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null;

  constructor() {
    super('webContents', CONTENTS_EVENTS);
    this.mainFrame = strict('WebFrameMain', new WebFrameDouble(this, 1));
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw violation(`webContents.send('${channel}') after the window was destroyed`);
    // Throws like Electron's "An object could not be cloned" when an argument cannot be cloned.
    post({ type: 'send', webContentsId: this.id, channel, args });
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.openHandler = handler;
    record('webContents.setWindowOpenHandler');
  }
  async loadURL(url: string): Promise<void> {
    this.startNavigation(url);
    const reply = await request((id) => ({ type: 'load-url', id, webContentsId: this.id, url }));
    if (reply.type === 'load-result' && !reply.ok) throw new Error(`ERR_FAILED (-2) loading '${url}': ${reply.message}`);
  }
  reload(): void {
    this.startNavigation(this.currentUrl);
    post({ type: 'reload', webContentsId: this.id });
  }
  toggleDevTools(): void {
    record('webContents.toggleDevTools');
  }
  startNavigation(url: string): void {
    this.currentUrl = url;
    this.emit('did-start-navigation', preventable('Event', { url, isMainFrame: true, isSameDocument: false, frame: this.mainFrame }));
  }
  destroyNow(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('destroyed');
  }
}

const WINDOW_EVENTS = ['ready-to-show', 'close', 'closed', 'show', 'focus', 'minimize'] as const;

class BrowserWindowDouble extends StrictEmitter {
  readonly id = nextWindowId++;
  readonly webContents: WebContentsDouble;
  private visible = false;
  private destroyed = false;

  constructor(options: Electron.BrowserWindowConstructorOptions = {}) {
    super('BrowserWindow', WINDOW_EVENTS);
    requireReady('new BrowserWindow()');
    const contents = new WebContentsDouble();
    // One proxy per webContents: the shell compares `event.sender === win.webContents`.
    this.webContents = strict('webContents', contents);
    contentsById.set(contents.id, this.webContents);
    windows.set(this.id, this);
    const { show, title } = options;
    post({
      type: 'window-created',
      windowId: this.id,
      webContentsId: contents.id,
      options: { ...(show === undefined ? {} : { show }), ...(title === undefined ? {} : { title }), webPreferences: { ...(options.webPreferences ?? {}) } },
    });
    app.emit('web-contents-created', preventable('Event', {}), this.webContents);
    app.emit('browser-window-created', preventable('Event', {}), this);
  }
  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }
  show(): void {
    this.visible = true;
    record('window.show', this.id);
  }
  focus(): void {
    record('window.focus', this.id);
  }
  hide(): void {
    this.visible = false;
    record('window.hide', this.id);
  }
  isVisible(): boolean {
    return this.visible;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {
    record('window.restore', this.id);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  private progress: number | null = null;
  setProgressBar(progress: number): void {
    if (typeof progress !== 'number' || Number.isNaN(progress)) throw violation(`setProgressBar(${String(progress)}): not a number`);
    if (progress === this.progress) return;
    this.progress = progress;
    record('window.setProgressBar', progress);
  }
  destroyNow(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    windows.delete(this.id);
    (contentsById.get(this.webContents.id) ?? null)?.destroyNow();
    this.emit('closed');
  }
}

/** `new BrowserWindow()` hands back the strict proxy, not the bare object. */
const BrowserWindowClass = new Proxy(BrowserWindowDouble, {
  construct(target, args: [Electron.BrowserWindowConstructorOptions?]) {
    return strict('BrowserWindow', new target(...args));
  },
  get(t, key, receiver) {
    if (typeof key === 'symbol' || key in t) return Reflect.get(t, key, receiver) as unknown;
    throw violation(`BrowserWindow.${key} (static) is not implemented by the double`);
  },
});

// ---- protocol and net ----

interface Privileges {
  scheme: string;
  privileges?: Electron.Privileges;
}
const privileged = new Map<string, Electron.Privileges>();
const protocolHandlers = new Map<string, (request: Request) => Response | Promise<Response>>();

const protocolDouble = {
  registerSchemesAsPrivileged(schemes: Privileges[]): void {
    if (ready) throw violation('protocol.registerSchemesAsPrivileged after ready (Electron ignores it then)');
    for (const s of schemes) privileged.set(s.scheme, s.privileges ?? {});
    record('protocol.registerSchemesAsPrivileged', schemes);
  },
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    requireReady('protocol.handle');
    if (protocolHandlers.has(scheme)) throw violation(`protocol.handle('${scheme}') twice (Electron throws)`);
    protocolHandlers.set(scheme, handler);
    record('protocol.handle', scheme, privileged.get(scheme) ?? null);
  },
};

const netDouble = {
  /** Only file: URLs: the shell has no business fetching anything else. */
  async fetch(input: string): Promise<Response> {
    if (typeof input !== 'string' || !input.startsWith('file:')) throw violation(`net.fetch(${String(input)}): the double serves file: URLs only`);
    const bytes = await readFile(fileURLToPath(input));
    return new Response(new Uint8Array(bytes), { status: 200 });
  },
};

async function serveProtocol(message: Extract<ToShell, { type: 'protocol-request' }>): Promise<void> {
  const scheme = new URL(message.url).protocol.replace(/:$/, '');
  const handler = protocolHandlers.get(scheme);
  if (!handler) {
    post({ type: 'protocol-failure', id: message.id, message: `no protocol.handle for '${scheme}'` });
    return;
  }
  try {
    const response = await handler(new Request(message.url, { method: message.method, headers: message.headers }));
    if (!(response instanceof Response)) throw new Error(`the handler for '${scheme}' returned ${typeof response}, not a Response`);
    const body = new Uint8Array(await response.arrayBuffer());
    const headers: Array<[string, string]> = [];
    response.headers.forEach((value, key) => headers.push([key, value]));
    post({ type: 'protocol-response', id: message.id, status: response.status, headers, body });
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    post({ type: 'handler-error', where: `protocol.handle('${scheme}') for ${message.url}`, message: text });
    post({ type: 'protocol-failure', id: message.id, message: text });
  }
}

// ---- ipcMain ----

type InvokeHandler = (event: Electron.IpcMainInvokeEvent, ...args: unknown[]) => unknown;
const invokeHandlers = new Map<string, InvokeHandler>();

const ipcMainDouble = {
  handle(channel: string, handler: InvokeHandler): void {
    if (invokeHandlers.has(channel)) throw violation(`ipcMain.handle('${channel}') twice (Electron: "Attempted to register a second handler")`);
    invokeHandlers.set(channel, handler);
    record('ipcMain.handle', channel);
  },
};

async function invoke(message: Extract<ToShell, { type: 'invoke' }>): Promise<void> {
  const handler = invokeHandlers.get(message.channel);
  const contents = contentsById.get(message.webContentsId);
  if (!handler || !contents) {
    const text = `No handler registered for '${message.channel}'`;
    post({ type: 'violation', message: `electron double: the renderer invoked '${message.channel}', which main never handles` });
    post({ type: 'invoke-reply', id: message.id, ok: false, message: `Error invoking remote method '${message.channel}': Error: ${text}` });
    return;
  }
  const sender = contents;
  const senderFrame = message.frame.isMainFrame
    ? contents.mainFrame
    : strict('WebFrameMain', { url: message.frame.url, processId: RENDERER_PROCESS_ID, routingId: 99, parent: contents.mainFrame });
  const event = strict('IpcMainInvokeEvent', { sender, senderFrame, processId: RENDERER_PROCESS_ID, frameId: senderFrame.routingId });
  try {
    const value = await handler(event as unknown as Electron.IpcMainInvokeEvent, ...message.args);
    post({ type: 'invoke-reply', id: message.id, ok: true, value });
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    post({ type: 'handler-error', where: `ipcMain.handle('${message.channel}')`, message: text });
    post({ type: 'invoke-reply', id: message.id, ok: false, message: `Error invoking remote method '${message.channel}': ${text}` });
  }
}

// ---- session ----

type PermissionRequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void;
let permissionRequestHandler: PermissionRequestHandler | null = null;

class SessionDouble extends StrictEmitter {
  constructor() {
    super('session', ['will-download']);
  }
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    permissionRequestHandler = handler;
    record('session.setPermissionRequestHandler');
  }
  setPermissionCheckHandler(handler: ((...args: never[]) => boolean) | null): void {
    record('session.setPermissionCheckHandler', handler !== null);
  }
}
let defaultSession: SessionDouble | null = null;
const sessionDouble = {
  get defaultSession(): SessionDouble {
    requireReady('session.defaultSession');
    defaultSession ??= strict('session', new SessionDouble());
    return defaultSession;
  },
};

// ---- menus, dialogs, shell, notifications ----

type MenuItemOptions = Electron.MenuItemConstructorOptions;
let applicationMenu: MenuItemOptions[] | null = null;
const ROLES = new Set(['appMenu', 'editMenu', 'windowMenu', 'fileMenu', 'viewMenu', 'togglefullscreen', 'resetZoom', 'zoomIn', 'zoomOut', 'quit', 'reload', 'toggleDevTools']);

function checkTemplate(items: MenuItemOptions[], path: string): void {
  for (const item of items) {
    const where = `${path} > ${item.label ?? item.role ?? item.type ?? '?'}`;
    if (item.role && !ROLES.has(item.role)) throw violation(`menu item ${where}: role '${item.role}' unknown to the double`);
    if (!item.role && item.type !== 'separator' && !item.label) throw violation(`menu item ${where}: neither a role, a separator nor a label`);
    if (Array.isArray(item.submenu)) checkTemplate(item.submenu, where);
  }
}

const menuDouble = {
  buildFromTemplate(template: MenuItemOptions[]): object {
    checkTemplate(template, 'menu');
    return strict('Menu', { items: template });
  },
  setApplicationMenu(menu: { items: MenuItemOptions[] } | null): void {
    applicationMenu = menu ? menu.items : null;
    record('Menu.setApplicationMenu', applicationMenu?.map((m) => m.label ?? m.role) ?? null);
  },
};

function clickMenu(path: string[]): void {
  let items = applicationMenu ?? [];
  let found: MenuItemOptions | undefined;
  for (const label of path) {
    found = items.find((i) => i.label === label);
    if (!found) throw violation(`no menu item '${path.join(' > ')}'`);
    items = Array.isArray(found.submenu) ? found.submenu : [];
  }
  const click = found?.click;
  if (!click) throw violation(`menu item '${path.join(' > ')}' has no click handler`);
  const win = [...windows.values()][0];
  click(strict('MenuItem', { label: found?.label ?? '' }) as unknown as Electron.MenuItem, win as unknown as Electron.BaseWindow, preventable('KeyboardEvent', {}) as unknown as Electron.KeyboardEvent);
}

const dialogDouble = {
  showErrorBox(title: string, content: string): void {
    post({ type: 'fatal', message: `dialog.showErrorBox: ${title}: ${content}` });
  },
  async showOpenDialog(...args: [object, Electron.OpenDialogOptions] | [Electron.OpenDialogOptions]): Promise<{ canceled: boolean; filePaths: string[] }> {
    const options = args.length === 2 ? args[1] : args[0];
    const reply = await request((id) => ({ type: 'dialog', id, kind: 'open', options: { ...options } }));
    if (reply.type !== 'dialog-result') throw violation('dialog reply mixed up');
    return { canceled: reply.canceled, filePaths: reply.filePaths };
  },
  async showMessageBox(options: Electron.MessageBoxOptions): Promise<{ response: number; checkboxChecked: boolean }> {
    record('dialog.showMessageBox', { message: options.message, detail: options.detail });
    return { response: 0, checkboxChecked: false };
  },
};

const shellDouble = {
  async openPath(path: string): Promise<string> {
    record('shell.openPath', path);
    return '';
  },
  async openExternal(url: string): Promise<void> {
    record('shell.openExternal', url);
  },
};

class NotificationDouble {
  static isSupported(): boolean {
    return true;
  }
  constructor(private readonly options: Electron.NotificationConstructorOptions) {}
  show(): void {
    record('Notification.show', { title: this.options.title, body: this.options.body });
  }
}
const NotificationClass = new Proxy(NotificationDouble, {
  construct(target, args: [Electron.NotificationConstructorOptions]) {
    return strict('Notification', new target(...args));
  },
  get(t, key, receiver) {
    if (typeof key === 'symbol' || key in t) return Reflect.get(t, key, receiver) as unknown;
    throw violation(`Notification.${key} (static) is not implemented by the double`);
  },
});

// ---- tray ----

const TRAY_EVENTS = ['click'] as const;

class TrayDouble extends StrictEmitter {
  private tooltip = '';
  constructor(image: unknown) {
    super('Tray', TRAY_EVENTS);
    requireReady('new Tray()');
    if (typeof image !== 'object' || image === null) throw violation('new Tray(image): not a NativeImage');
    record('Tray.new');
  }
  setToolTip(text: string): void {
    if (typeof text !== 'string') throw violation('Tray.setToolTip: not a string');
    if (text === this.tooltip) return;
    this.tooltip = text;
    record('Tray.setToolTip', text);
  }
  setContextMenu(menu: { items: MenuItemOptions[] } | null): void {
    record('Tray.setContextMenu', menu?.items.map((i) => (i.type === 'separator' ? '-' : `${i.label ?? ''}${i.enabled === false ? ' (disabled)' : ''}`)) ?? null);
  }
}
const TrayClass = new Proxy(TrayDouble, {
  construct(target, args: [unknown]) {
    return strict('Tray', new target(...args));
  },
  get(t, key, receiver) {
    if (typeof key === 'symbol' || key in t) return Reflect.get(t, key, receiver) as unknown;
    throw violation(`Tray.${key} (static) is not implemented by the double`);
  },
});

const nativeImageDouble = {
  createFromPath(path: string): object {
    if (typeof path !== 'string' || path === '') throw violation('nativeImage.createFromPath: no path');
    return strict('NativeImage', { isEmpty: () => false });
  },
};

// ---- messages from the harness ----

function firstContents(id: number): WebContentsDouble {
  const contents = contentsById.get(id);
  if (!contents) throw violation(`no webContents ${id}`);
  return contents;
}

process.on('message', (raw: ToShell) => {
  switch (raw.type) {
    case 'load-result':
    case 'dialog-result':
      settleReply(raw);
      return;
    case 'protocol-request':
      void serveProtocol(raw);
      return;
    case 'invoke':
      void invoke(raw);
      return;
    case 'ready-to-show':
      for (const win of windows.values()) if (win.webContents.id === raw.webContentsId) win.emit('ready-to-show');
      return;
    case 'will-navigate': {
      const event = preventable('Event', { url: raw.url, isMainFrame: true, isSameDocument: false });
      firstContents(raw.webContentsId).emit('will-navigate', event);
      post({ type: 'navigate-reply', id: raw.id, prevented: event.defaultPrevented });
      return;
    }
    case 'window-open': {
      const handler = firstContents(raw.webContentsId).openHandler;
      // Without a handler Electron opens the window.
      const action = handler ? handler({ url: raw.url }).action : 'allow';
      post({ type: 'window-open-reply', id: raw.id, action });
      return;
    }
    case 'permission': {
      const handler = permissionRequestHandler;
      if (!handler) {
        post({ type: 'permission-reply', id: raw.id, granted: true });
        return;
      }
      handler(null, raw.permission, (granted) => post({ type: 'permission-reply', id: raw.id, granted }), {});
      return;
    }
    case 'second-instance':
      app.emit('second-instance', preventable('Event', {}), raw.argv, raw.cwd, {});
      return;
    case 'open-file':
      app.emit('open-file', preventable('Event', {}), raw.path);
      return;
    case 'open-url':
      app.emit('open-url', preventable('Event', {}), raw.url);
      return;
    case 'menu-click':
      clickMenu(raw.path);
      return;
    case 'quit':
      app.quit();
      return;
  }
});

// Electron is ready once the main script has run its first turn.
setImmediate(() => {
  ready = true;
  app.emit('ready', preventable('Event', {}), {});
  resolveReady();
  post({ type: 'ready' });
});

// ---- the module's exports: exactly what the shell imports ----

const app = strict('app', new AppDouble());
export { app };
export const BrowserWindow = BrowserWindowClass;
export const dialog = strict('dialog', dialogDouble);
export const ipcMain = strict('ipcMain', ipcMainDouble);
export const Menu = strict('Menu', menuDouble);
export const net = strict('net', netDouble);
export const Notification = NotificationClass;
export const nativeImage = strict('nativeImage', nativeImageDouble);
export const Tray = TrayClass;
export const protocol = strict('protocol', protocolDouble);
export const session = strict('session', sessionDouble);
export const shell = strict('shell', shellDouble);
