/**
 * The renderer side of the Electron double, run in the page before any of its own scripts (a
 * Playwright init script, which the page's CSP does not govern, as Electron's preload is not
 * governed by it either). It reports every CSP violation, then runs the built preload bundle
 * unmodified with a sandboxed `require` that knows only 'electron', whose `contextBridge` and
 * `ipcRenderer` talk to the main-process double through Playwright bindings. Like the main-process
 * double it is strict: anything else the preload touches fails the test.
 *
 * `installRenderer` is serialized with Function.prototype.toString: it must not refer to
 * anything outside its own body.
 */

export interface BridgeConfig {
  invokeBinding: string;
  windowOpenBinding: string;
  reportBinding: string;
  /** Symbol.for(key) on window: the function the harness calls to deliver webContents.send. */
  deliverKey: string;
}

export type ReportKind = 'csp' | 'violation';

export interface CspReport {
  directive: string;
  blockedURI: string;
  sample: string;
  sourceFile: string;
}

type InvokeReply = { ok: true; value: unknown } | { ok: false; message: string };
type PreloadModule = (require: (id: string) => unknown, module: { exports: unknown }, exports: unknown) => void;

export function installRenderer(config: BridgeConfig, runPreload: PreloadModule): void {
  // Electron runs the preload in the main frame only (nodeIntegrationInSubFrames is off).
  if (window !== window.top) return;
  const w = window as unknown as Record<string, unknown>;
  const invokeBinding = w[config.invokeBinding] as (channel: string, args: unknown[]) => Promise<InvokeReply>;
  const report = w[config.reportBinding] as (kind: ReportKind, detail: unknown) => Promise<void>;
  const windowOpen = w[config.windowOpenBinding] as (url: string) => Promise<void>;

  // Electron asks main's window-open handler; the shell denies every window, so the page gets null.
  window.open = (url?: string | URL): null => {
    void windowOpen(url === undefined ? '' : String(url));
    return null;
  };

  document.addEventListener(
    'securitypolicyviolation',
    (e) => {
      void report('csp', { directive: e.effectiveDirective || e.violatedDirective, blockedURI: e.blockedURI, sample: e.sample, sourceFile: e.sourceFile });
    },
    true,
  );

  const fail = (message: string): Error => {
    void report('violation', message);
    return new Error(`electron double (renderer): ${message}`);
  };
  const strict = <T extends object>(name: string, target: T): T =>
    new Proxy(target, {
      get(t, key, receiver) {
        if (typeof key === 'symbol' || key in t) return Reflect.get(t, key, receiver) as unknown;
        if (key === 'then' || key === 'toJSON') return undefined;
        throw fail(`${name}.${key} is not implemented by the double (e2e/shell/page-bridge.ts)`);
      },
    });

  // contextBridge: what crosses is copied; functions are wrapped, objects frozen.
  const copy = (value: unknown, depth: number): unknown => {
    if (depth > 32) throw fail('contextBridge: object nested too deeply');
    if (typeof value === 'function') {
      const fn = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => copy(fn(...args.map((a) => copy(a, 0))), 0);
    }
    if (value instanceof Promise) return value.then((v) => copy(v, 0));
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || value instanceof Error) return value;
    if (Array.isArray(value)) return Object.freeze(value.map((v) => copy(v, depth + 1)));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copy(v, depth + 1);
    return Object.freeze(out);
  };

  const contextBridge = strict('contextBridge', {
    exposeInMainWorld(key: string, api: unknown): void {
      if (key in window) throw fail(`contextBridge.exposeInMainWorld('${key}'): the window already has that property (Electron throws)`);
      Object.defineProperty(window, key, { value: copy(api, 0), enumerable: true, writable: false, configurable: false });
    },
  });

  type Listener = (event: unknown, ...args: unknown[]) => void;
  const listeners = new Map<string, Listener[]>();
  /** Channels the preload ever listened on: a send on any other is a wrong channel name. */
  const heard = new Set<string>();
  const ipcRenderer = strict('ipcRenderer', {
    async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
      const reply = await invokeBinding(channel, args);
      if (!reply.ok) throw new Error(reply.message);
      return reply.value;
    },
    on(channel: string, listener: Listener): unknown {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
      heard.add(channel);
      return ipcRenderer;
    },
    removeListener(channel: string, listener: Listener): unknown {
      listeners.set(
        channel,
        (listeners.get(channel) ?? []).filter((l) => l !== listener),
      );
      return ipcRenderer;
    },
  });
  const electron = strict('electron (renderer)', { contextBridge, ipcRenderer });

  /**
   * Delivers webContents.send messages in order; answers the channels the preload never listened
   * on (a message between a listener's removal and the next one is dropped, as in Electron).
   */
  Object.defineProperty(window, Symbol.for(config.deliverKey), {
    value: (batch: Array<{ channel: string; args: unknown[] }>): string[] => {
      const unheard: string[] = [];
      for (const { channel, args } of batch) {
        const list = listeners.get(channel) ?? [];
        if (!heard.has(channel)) unheard.push(channel);
        const event = strict('IpcRendererEvent', { sender: ipcRenderer, senderId: 0, ports: [] as unknown[] });
        for (const listener of list) listener(event, ...args);
      }
      return unheard;
    },
  });

  // A sandboxed preload's require: 'electron' (and a few Node shims we do not use) only.
  const sandboxRequire = (id: string): unknown => {
    if (id === 'electron') return electron;
    throw fail(`the sandboxed preload required '${id}', which the double does not provide`);
  };
  const module = { exports: {} as unknown };
  runPreload(sandboxRequire, module, module.exports);
}
