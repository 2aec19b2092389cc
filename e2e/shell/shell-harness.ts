/**
 * Runs the built Electron main process (dist/electron/app/main.js) unmodified under plain Node,
 * with 'electron' resolved to the strict double (electron-double.ts, bundled here by esbuild and
 * mapped by a module resolution hook), and plays Electron's part outside the main process with
 * Playwright: the BrowserWindow is the test's Chromium page, the registered app protocol is served
 * through page routing from the shell's own protocol.handle (headers, CSP included), and
 * ipcMain.handle / webContents.send meet the unmodified preload bundle in the page (page-bridge.ts).
 *
 * Electron's custom scheme cannot be loaded in Chromium itself, so the privileged scheme's origin
 * (`tessera://app`) stands as `https://app.tessera.invalid` in the page (routed, never resolved) and
 * is mapped back for everything the shell sees: request URLs, frame URLs, navigations.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Page, Route } from '@playwright/test';
import { build } from 'esbuild';
import type { Cleanup } from '../support/cleanup.js';
import { REPO_ROOT } from '../support/tools.js';
import type { FromShell, ShellCall, ToShell, WindowOptions } from './messages.js';
import { installRenderer, type BridgeConfig, type CspReport, type ReportKind } from './page-bridge.js';

export const SHELL_MAIN = join(REPO_ROOT, 'dist', 'electron', 'app', 'main.js');
const DOUBLE_SOURCE = fileURLToPath(new URL('./electron-double.ts', import.meta.url));
const BRIDGE: BridgeConfig = { invokeBinding: '__electronDoubleInvoke', windowOpenBinding: '__electronDoubleWindowOpen', reportBinding: '__electronDoubleReport', deliverKey: 'tessera.e2e.electron-double.deliver' };
const VERBOSE = Boolean(process.env.TESSERA_E2E_VERBOSE);

export interface ShellLaunch {
  page: Page;
  cleanup: Cleanup;
  /** Arguments after the main script, as the OS would pass them (a .torrent path, a magnet). */
  argv?: string[];
  /** Extra environment (TESSERA_STATE_DIR …); DHT bootstrap, port mapping and LSD are always off. */
  env?: Record<string, string>;
  /** The folder app.getPath('home') answers. */
  home: string;
}

interface Child {
  proc: ChildProcess;
  output: string[];
  exit: Promise<number | null>;
}

/** Bundles the double and writes the module that maps 'electron' to it; answers that module's URL. */
async function prepareDouble(cleanup: Cleanup): Promise<string> {
  const dir = await cleanup.tempDir('electron-double');
  const outfile = join(dir, 'electron.mjs');
  await build({ entryPoints: [DOUBLE_SOURCE], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
  const doubleUrl = pathToFileURL(outfile).href;
  const hook = `export async function resolve(specifier, context, next) {
  if (specifier === 'electron' || specifier.startsWith('electron/')) return { url: ${JSON.stringify(doubleUrl)}, shortCircuit: true };
  return next(specifier, context);
}`;
  const register = join(dir, 'register.mjs');
  await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify('data:text/javascript,' + encodeURIComponent(hook))});\n`);
  return pathToFileURL(register).href;
}

function spawnShell(registerUrl: string, argv: string[], env: Record<string, string>, onMessage: (m: FromShell) => void, label: string): Child {
  const { NODE_OPTIONS: _ignored, ...inherited } = process.env;
  const proc = fork(SHELL_MAIN, argv, {
    cwd: REPO_ROOT,
    execArgv: ['--import', registerUrl],
    // No DHT bootstrap, port mapping (SSDP, NAT-PMP/PCP) or LSD multicast: nothing may leave loopback.
    env: { ...inherited, TESSERA_DHT_BOOTSTRAP: '', TESSERA_PORT_MAPPING: '0', TESSERA_LSD: '0', NO_COLOR: '1', ...env },
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    output.push(text);
    if (output.length > 2000) output.splice(0, output.length - 2000);
    if (VERBOSE) process.stderr.write(`[${label}] ${text}`);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  proc.on('message', (m) => onMessage(m as FromShell));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, output, exit };
}

type Pending = (message: FromShell) => void;

export class ElectronShell {
  /** Unknown or misused Electron APIs, in main or in the preload. Must stay empty. */
  readonly violations: string[] = [];
  /** showErrorBox, uncaught exceptions, unhandled rejections, unexpected exits. Must stay empty. */
  readonly fatals: string[] = [];
  /** IPC / protocol handlers that threw. Must stay empty. */
  readonly handlerErrors: string[] = [];
  /** Every securitypolicyviolation event and CSP console error in the page. */
  readonly cspViolations: Array<CspReport | string> = [];
  /** Uncaught errors in the page. */
  readonly pageErrors: string[] = [];
  /** Requests the page made outside the app protocol (aborted). */
  readonly foreignRequests: string[] = [];
  /** Every app-protocol response, as the shell's handler answered it. */
  readonly served: Array<{ url: string; status: number; headers: Record<string, string> }> = [];
  /** Pages loaded in the window so far (loadURL and reloads, counted once loaded). */
  loads = 0;
  /** window.open calls the shell's handler denied. */
  readonly windowOpens: string[] = [];
  /** Navigations the shell's will-navigate handler prevented. */
  readonly preventedNavigations: string[] = [];
  readonly calls: ShellCall[] = [];
  window: WindowOptions | null = null;
  exitCode: number | null | undefined = undefined;

  private readonly pending = new Map<number, Pending>();
  private readonly cspProblems: string[] = [];
  private cspProvoked = false;
  private failWith: (error: Error) => void = () => undefined;
  /** Rejects at the first problem, so a test waiting on the UI fails at once with the cause. */
  private readonly failure = new Promise<never>((_resolve, reject) => {
    this.failWith = reject;
  });
  private nextId = 1;
  private webContentsId = 0;
  private windowReady: Promise<void> | null = null;
  private expectedNavigation: string | null = null;
  private readonly deliveries: Array<{ channel: string; args: unknown[] }> = [];
  private delivering = false;
  private quitting = false;
  private child!: Child;
  private readonly registerUrl: string;
  private readonly page: Page;
  private readonly launchOptions: ShellLaunch;

  private constructor(registerUrl: string, options: ShellLaunch) {
    this.registerUrl = registerUrl;
    this.page = options.page;
    this.launchOptions = options;
  }

  static async launch(options: ShellLaunch): Promise<ElectronShell> {
    if (!existsSync(SHELL_MAIN)) throw new Error(`${SHELL_MAIN} is missing: run \`npm run build\` first (npm test does).`);
    const shell = new ElectronShell(await prepareDouble(options.cleanup), options);
    shell.failure.catch(() => undefined); // observed through watch()
    await shell.wirePage();
    shell.child = spawnShell(shell.registerUrl, options.argv ?? [], shell.env(), (m) => shell.onMessage(m), 'shell');
    options.cleanup.add(() => shell.stop());
    void shell.child.exit.then((code) => {
      shell.exitCode = code;
      const asked = shell.quitting || shell.calls.some((c) => c.what === 'app.quit');
      if (!asked) shell.flag(shell.fatals, `the main process exited unasked (code ${String(code)}):\n${shell.output()}`);
    });
    return shell;
  }

  /**
   * `waiting`, unless a problem (see problems()) comes first: then the problems, with the main
   * process's output. Wrap every wait of a test in it.
   */
  async watch<T>(waiting: Promise<T>): Promise<T> {
    return Promise.race([waiting, this.failure]);
  }

  /** From now on CSP violations are what the test provokes, not problems. */
  provokingCspViolations(): void {
    this.cspProvoked = true;
  }

  private noteCsp(report: CspReport | string): void {
    this.cspViolations.push(report);
    if (!this.cspProvoked) this.flag(this.cspProblems, typeof report === 'string' ? report : JSON.stringify(report));
  }

  private flag(list: string[], text: string): void {
    list.push(text);
    this.failWith(new Error(`the Electron shell went wrong:\n${this.problems().join('\n')}\n--- main process output ---\n${this.output()}`));
  }

  /** Everything that must be empty for the shell to be healthy. */
  problems(): string[] {
    return [
      ...this.violations.map((v) => `violation: ${v}`),
      ...this.fatals.map((f) => `fatal: ${f}`),
      ...this.handlerErrors.map((h) => `handler threw: ${h}`),
      ...this.pageErrors.map((e) => `page error: ${e}`),
      ...this.foreignRequests.map((r) => `request outside the app protocol: ${r}`),
      ...this.cspProblems.map((c) => `CSP violation: ${c}`),
    ];
  }

  output(): string {
    return this.child.output.join('');
  }

  /**
   * Launches another instance with `argv` as the OS would: it does not get the single-instance
   * lock, Electron hands its argv and cwd to this one (`second-instance`), and it quits.
   * Resolves with its exit code.
   */
  async launchSecondInstance(argv: string[], cwd: string): Promise<number | null> {
    const second = spawnShell(
      this.registerUrl,
      argv,
      { ...this.env(), ELECTRON_DOUBLE_LOCK: 'held' },
      (m) => {
        if (m.type === 'second-instance') this.send({ type: 'second-instance', argv: m.argv, cwd });
        else if (m.type === 'violation') this.flag(this.violations, `second instance: ${m.message}`);
        else if (m.type === 'fatal') this.flag(this.fatals, `second instance: ${m.message}`);
        else if (m.type === 'window-created') this.flag(this.violations, 'second instance: opened a window instead of quitting');
        else if (m.type === 'call') this.calls.push({ what: `second-instance:${m.call.what}`, args: m.call.args });
      },
      'second-instance',
    );
    this.launchOptions.cleanup.add(() => (second.proc.exitCode === null ? second.proc.kill('SIGKILL') : undefined));
    const code = await second.exit;
    if (code !== 0) this.flag(this.fatals, `second instance exited ${String(code)}:\n${second.output.join('')}`);
    return code;
  }

  openFile(path: string): void {
    this.send({ type: 'open-file', path });
  }

  openUrl(url: string): void {
    this.send({ type: 'open-url', url });
  }

  clickMenu(...path: string[]): void {
    this.send({ type: 'menu-click', path });
  }

  /** Asks the shell's permission handler, as Chromium does when the page wants `permission`. */
  async permission(permission: string): Promise<boolean> {
    const reply = await this.request((id) => ({ type: 'permission', id, permission }));
    return reply.type === 'permission-reply' && reply.granted;
  }

  /** Quits through Electron's quit sequence (before-quit, windows closed, will-quit, quit). */
  async quit(): Promise<number | null> {
    this.quitting = true;
    this.send({ type: 'quit' });
    return this.child.exit;
  }

  async stop(): Promise<void> {
    if (this.child.proc.exitCode !== null || this.child.proc.signalCode !== null) return;
    this.quitting = true;
    this.child.proc.kill('SIGKILL');
    await this.child.exit;
  }

  // ---- the page as the BrowserWindow ----

  private env(): Record<string, string> {
    return { ELECTRON_DOUBLE_HOME: this.launchOptions.home, ...(this.launchOptions.env ?? {}) };
  }

  private async wirePage(): Promise<void> {
    const page = this.page;
    await page.exposeBinding(BRIDGE.invokeBinding, async (source, channel: string, args: unknown[]) => {
      const frameUrl = this.toShellUrl(source.frame.url()) ?? source.frame.url();
      const reply = await this.request((id) => ({
        type: 'invoke',
        id,
        webContentsId: this.webContentsId,
        channel,
        args,
        frame: { url: frameUrl, isMainFrame: source.frame === page.mainFrame() },
      }));
      if (reply.type !== 'invoke-reply') throw new Error('invoke reply mixed up');
      return reply.ok ? { ok: true, value: reply.value } : { ok: false, message: reply.message };
    });
    await page.exposeBinding(BRIDGE.windowOpenBinding, async (_source, url: string) => {
      const reply = await this.request((id) => ({ type: 'window-open', id, webContentsId: this.webContentsId, url }));
      if (reply.type === 'window-open-reply' && reply.action !== 'deny') this.flag(this.violations, `the shell allowed window.open(${url})`);
      this.windowOpens.push(url);
    });
    // Nothing the page opens may reach the network: popups are closed, their requests aborted.
    page.on('popup', (popup) => {
      this.flag(this.violations, `a window opened past the shell's window-open handler: ${popup.url()}`);
      void popup.close();
    });
    await page.context().route('**/*', (route) => route.abort('blockedbyclient'));
    await page.exposeBinding(BRIDGE.reportBinding, (_source, kind: ReportKind, detail: unknown) => {
      if (kind === 'csp') this.noteCsp(detail as CspReport);
      else this.flag(this.violations, String(detail));
    });
    page.on('console', (msg) => {
      if (/content security policy/i.test(msg.text())) this.noteCsp(msg.text());
    });
    page.on('pageerror', (err) => this.flag(this.pageErrors, err.stack ?? err.message));
    await page.route('**/*', (route) => this.routeRequest(route));
  }

  private async setUpWindow(options: WindowOptions): Promise<void> {
    const preload = options.webPreferences.preload;
    if (typeof preload !== 'string' || !existsSync(preload)) {
      this.flag(this.violations, `webPreferences.preload names no file: ${String(preload)}`);
      return;
    }
    const source = await readFile(preload, 'utf8');
    const content = `(${installRenderer.toString()})(${JSON.stringify(BRIDGE)}, function (require, module, exports) {\n${source}\n});`;
    await this.page.addInitScript({ content });
  }

  /** `tessera://app/x` ⇄ `https://app.tessera.invalid/x` for a privileged standard scheme. */
  private toPageUrl(shellUrl: string): string {
    const url = new URL(shellUrl);
    const scheme = url.protocol.replace(/:$/, '');
    const privileges = this.registeredPrivileges(scheme);
    if (!privileges?.standard || !privileges.secure) throw new Error(`the shell loads ${shellUrl}, but '${scheme}' is not registered as a standard, secure scheme`);
    if (!this.calls.some((c) => c.what === 'protocol.handle' && c.args[0] === scheme)) throw new Error(`no protocol.handle('${scheme}') before loadURL(${shellUrl})`);
    return `https://${url.host}.${scheme}.invalid${url.pathname}${url.search}${url.hash}`;
  }

  private toShellUrl(pageUrl: string): string | null {
    let url: URL;
    try {
      url = new URL(pageUrl);
    } catch {
      return null;
    }
    const m = /^([^.]+)\.([a-z][a-z0-9+-]*)\.invalid$/.exec(url.hostname);
    if (url.protocol !== 'https:' || !m) return null;
    const [, host, scheme] = m;
    if (!scheme || !this.registeredPrivileges(scheme)) return null;
    return `${scheme}://${host}${url.pathname}${url.search}${url.hash}`;
  }

  private registeredPrivileges(scheme: string): { standard?: boolean; secure?: boolean } | null {
    for (const call of this.calls) {
      if (call.what !== 'protocol.registerSchemesAsPrivileged') continue;
      const list = call.args[0] as Array<{ scheme: string; privileges?: { standard?: boolean; secure?: boolean } }>;
      const found = list.find((s) => s.scheme === scheme);
      if (found) return found.privileges ?? {};
    }
    return null;
  }

  private async routeRequest(route: Route): Promise<void> {
    const req = route.request();
    const url = req.url();
    const shellUrl = this.toShellUrl(url);
    if (req.isNavigationRequest() && req.frame() === this.page.mainFrame()) {
      if (this.expectedNavigation === url) {
        this.expectedNavigation = null;
      } else {
        // Page-initiated: Electron asks the shell first (will-navigate).
        const reply = await this.request((id) => ({ type: 'will-navigate', id, webContentsId: this.webContentsId, url: shellUrl ?? url }));
        if (reply.type === 'navigate-reply' && reply.prevented) {
          this.preventedNavigations.push(shellUrl ?? url);
          // ERR_ABORTED: Chromium keeps the current page (any other error commits an error page).
          await route.abort('aborted');
          return;
        }
      }
    }
    if (!shellUrl) {
      this.flag(this.foreignRequests, url);
      await route.abort('blockedbyclient');
      return;
    }
    const reply = await this.request((id) => ({ type: 'protocol-request', id, url: shellUrl, method: req.method(), headers: Object.entries(req.headers()) }));
    if (reply.type !== 'protocol-response') {
      await route.abort('failed');
      return;
    }
    const headers = Object.fromEntries(reply.headers);
    this.served.push({ url: shellUrl, status: reply.status, headers });
    await route.fulfill({ status: reply.status, headers, body: Buffer.from(reply.body) });
  }

  private async loadUrl(id: number, url: string): Promise<void> {
    try {
      await this.windowReady;
      const target = this.toPageUrl(url);
      this.expectedNavigation = target;
      await this.page.goto(target, { waitUntil: 'load' });
      this.loads++;
      this.send({ type: 'ready-to-show', webContentsId: this.webContentsId });
      this.send({ type: 'load-result', id, ok: true });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.flag(this.violations, `loadURL(${url}) failed: ${message}`);
      this.send({ type: 'load-result', id, ok: false, message });
    }
  }

  /** webContents.send → the preload's ipcRenderer listeners, in order, batched. */
  private async deliver(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (this.deliveries.length > 0) {
        const batch = this.deliveries.splice(0, this.deliveries.length);
        const unheard = await this.page
          .evaluate(
            ({ key, batch }) => {
              const deliverFn = (window as unknown as Record<symbol, ((b: unknown) => string[]) | undefined>)[Symbol.for(key)];
              return deliverFn ? deliverFn(batch) : null;
            },
            { key: BRIDGE.deliverKey, batch },
          )
          .catch(() => null); // the page is navigating or closed: Electron drops the message too
        for (const channel of new Set(unheard ?? [])) {
          const text = `main sent on '${channel}', on which the preload never listened`;
          if (!this.violations.includes(text)) this.flag(this.violations, text);
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  // ---- the channel to the double ----

  private send(message: ToShell): void {
    if (this.child.proc.connected) this.child.proc.send(message);
  }

  private request(make: (id: number) => ToShell): Promise<FromShell> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.child.proc.connected) {
        reject(new Error('the main process is gone'));
        return;
      }
      this.pending.set(id, resolve);
      this.child.proc.send(make(id));
    });
  }

  private onMessage(m: FromShell): void {
    switch (m.type) {
      case 'violation':
        this.flag(this.violations, m.stack ? `${m.message}\n${m.stack}` : m.message);
        return;
      case 'fatal':
        this.flag(this.fatals, m.message);
        return;
      case 'handler-error':
        this.flag(this.handlerErrors, `${m.where}: ${m.message}`);
        return;
      case 'call':
        this.calls.push(m.call);
        return;
      case 'second-instance':
        this.flag(this.violations, 'the first instance did not get the single-instance lock');
        return;
      case 'ready':
        return;
      case 'window-created':
        if (this.window) {
          this.flag(this.violations, 'a second BrowserWindow: the harness has one page');
          return;
        }
        this.window = m.options;
        this.webContentsId = m.webContentsId;
        this.windowReady = this.setUpWindow(m.options);
        return;
      case 'load-url':
        void this.loadUrl(m.id, m.url);
        return;
      case 'reload':
        this.expectedNavigation = this.page.url();
        void this.page
          .reload()
          .then(() => {
            this.loads++;
            this.send({ type: 'ready-to-show', webContentsId: this.webContentsId });
          })
          .catch((err: unknown) => this.flag(this.violations, `reload failed: ${String(err)}`));
        return;
      case 'send':
        if (m.webContentsId !== this.webContentsId) {
          this.flag(this.violations, `webContents.send to unknown contents ${m.webContentsId}`);
          return;
        }
        this.deliveries.push({ channel: m.channel, args: m.args });
        void this.deliver();
        return;
      case 'dialog':
        // No scripted answer: the user cancels.
        this.calls.push({ what: 'dialog.showOpenDialog', args: [m.options] });
        this.send({ type: 'dialog-result', id: m.id, canceled: true, filePaths: [] });
        return;
      case 'protocol-response':
      case 'protocol-failure':
      case 'invoke-reply':
      case 'navigate-reply':
      case 'window-open-reply':
      case 'permission-reply': {
        const resolve = this.pending.get(m.id);
        this.pending.delete(m.id);
        resolve?.(m);
        return;
      }
    }
  }
}
