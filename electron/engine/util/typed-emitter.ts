import { EventEmitter } from 'node:events';

/** EventEmitter whose event names and listener signatures are checked against a map type. */
export class TypedEmitter<Events extends { [K in keyof Events]: (...args: never[]) => void }> {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Many UI/host subscribers may watch one torrent; the default limit of 10 is a false alarm.
    this.emitter.setMaxListeners(100);
  }

  on<K extends keyof Events>(event: K, listener: Events[K]): this {
    this.emitter.on(event as string, listener as unknown as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof Events>(event: K, listener: Events[K]): this {
    this.emitter.once(event as string, listener as unknown as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof Events>(event: K, listener: Events[K]): this {
    this.emitter.off(event as string, listener as unknown as (...args: unknown[]) => void);
    return this;
  }

  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    // Node's EventEmitter throws on an 'error' event nobody listens to. Ours are reports (a
    // torrent went into the error state), not exceptions: one nobody watches is simply dropped.
    if (event === 'error' && this.emitter.listenerCount('error') === 0) return;
    this.emitter.emit(event as string, ...args);
  }

  protected listenerCount<K extends keyof Events>(event: K): number {
    return this.emitter.listenerCount(event as string);
  }
}
