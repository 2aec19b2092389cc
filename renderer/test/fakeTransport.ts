/** A scripted ClientTransport for tests: records commands, lets the test emit events. */
import { createClient, type ClientTransport, type CommandName, type ServerEvent, type TesseraClient } from '../../shared/contract/index.js';

export interface Call {
  command: CommandName;
  payload: unknown;
}

export class FakeTransport implements ClientTransport {
  calls: Call[] = [];
  /** Per-command replies; default `{ ok: true, result: null }`. */
  replies: Partial<Record<CommandName, (payload: unknown) => unknown>> = {};
  private onEvent: (raw: unknown) => void = () => undefined;
  private onStatus: (s: 'connecting' | 'open' | 'closed') => void = () => undefined;

  async invoke(command: CommandName, payload: unknown): Promise<unknown> {
    this.calls.push({ command, payload });
    const r = this.replies[command];
    return r ? r(payload) : { ok: true, result: null };
  }

  listen(onEvent: (raw: unknown) => void, onStatus: (s: 'connecting' | 'open' | 'closed') => void): void {
    this.onEvent = onEvent;
    this.onStatus = onStatus;
  }

  close(): void {}

  open(): void {
    this.onStatus('open');
  }

  status(s: 'connecting' | 'open' | 'closed'): void {
    this.onStatus(s);
  }

  emit(e: ServerEvent | Record<string, unknown>): void {
    this.onEvent(e);
  }

  commands(name: CommandName): unknown[] {
    return this.calls.filter((c) => c.command === name).map((c) => c.payload);
  }

  client(): TesseraClient {
    return createClient(this);
  }
}
