/**
 * What the Electron double (electron-double.ts) is built on: its channel to the harness (the
 * child's IPC channel), the strict Proxy that reports and throws on any property an object lacks,
 * an EventEmitter that takes only the events the double emits, and preventable events. Crashes
 * in the main process are reported as Electron would show them.
 */
import { EventEmitter } from 'node:events';
import type { FromShell, ToShell } from './messages.js';

// ---- the channel to the harness ----

export function post(message: FromShell, sent?: () => void): void {
  if (!process.send) throw new Error('electron double: no IPC channel to the harness (start the main process through e2e/shell/shell-harness.ts)');
  if (sent) process.send(message, undefined, undefined, () => sent());
  else process.send(message);
}

/** Exits once the harness has every message sent so far (an exiting process may drop queued ones). */
export function exitAfterFlush(code: number): void {
  post({ type: 'call', call: { what: 'process.exit', args: [code] } }, () => process.exit(code));
}

export function violation(message: string): Error {
  const error = new Error(`electron double: ${message}`);
  post({ type: 'violation', message: error.message, ...(error.stack ? { stack: error.stack } : {}) });
  return error;
}

process.on('uncaughtException', (err) => {
  console.error(err);
  post({ type: 'fatal', message: `uncaught exception in the main process: ${err.stack ?? String(err)}` });
  // Electron shows a dialog and keeps running; a test cannot click it away, so end here.
  exitAfterFlush(70);
});
process.on('unhandledRejection', (reason) => {
  post({ type: 'fatal', message: `unhandled rejection in the main process: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}` });
});

const replies = new Map<number, (message: ToShell) => void>();
/** Hands a reply to the request() waiting for it. */
export function settleReply(message: ToShell & { id: number }): void {
  const resolve = replies.get(message.id);
  replies.delete(message.id);
  resolve?.(message);
}
let nextId = 1;
export function request(make: (id: number) => FromShell): Promise<ToShell> {
  const id = nextId++;
  return new Promise((resolve) => {
    replies.set(id, resolve);
    post(make(id));
  });
}

export function record(what: string, ...args: unknown[]): void {
  post({ type: 'call', call: { what, args } });
}

// ---- strictness ----

/** Keys any object answers: promise adoption, JSON, inspection. */
const INTROSPECTION = new Set(['then', 'toJSON', 'inspect', 'asymmetricMatch', '$$typeof', 'nodeType']);

export function strict<T extends object>(name: string, target: T): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      if (typeof key === 'symbol' || key in t) return Reflect.get(t, key, receiver) as unknown;
      if (INTROSPECTION.has(key)) return undefined;
      throw violation(`${name}.${key} is not implemented by the double (an Electron API the shell uses that e2e/shell/electron-double.ts does not know)`);
    },
    set(t, key, value, receiver) {
      if (typeof key === 'symbol' || key in t) return Reflect.set(t, key, value, receiver);
      throw violation(`the shell set ${name}.${String(key)}, which the double does not model`);
    },
  });
}

/** An EventEmitter that only takes listeners for events the double emits. */
export class StrictEmitter extends EventEmitter {
  constructor(
    private readonly emitterName: string,
    private readonly knownEvents: readonly string[],
  ) {
    super();
  }
  private check(event: string | symbol): void {
    if (typeof event === 'string' && !this.knownEvents.includes(event)) {
      throw violation(`${this.emitterName}.on('${event}'): an event the double never emits (known: ${this.knownEvents.join(', ')})`);
    }
  }
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    this.check(event);
    return super.on(event, listener as (...args: unknown[]) => void);
  }
  override once(event: string | symbol, listener: (...args: never[]) => void): this {
    this.check(event);
    return super.once(event, listener as (...args: unknown[]) => void);
  }
  override addListener(event: string | symbol, listener: (...args: never[]) => void): this {
    this.check(event);
    return super.addListener(event, listener as (...args: unknown[]) => void);
  }
}

export interface DoubleEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}
export function preventable<T extends object>(name: string, fields: T): DoubleEvent & T {
  const event = {
    ...fields,
    defaultPrevented: false,
    preventDefault(): void {
      event.defaultPrevented = true;
    },
  };
  return strict(name, event);
}
