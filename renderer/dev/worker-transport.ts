/**
 * Runs the simulated engine in a Web Worker, like the real engine runs in another process:
 * events arrive as JSON text (as over the WebSocket) and go through createClient's validators.
 */
import { createClient, type ClientTransport, type CommandName, type TesseraClient } from '../../shared/contract/index.js';
import type { SimOptions } from './sim.js';

export type WorkerInbound =
  | { kind: 'start'; options: SimOptions }
  | { kind: 'request'; id: number; command: CommandName; payload: unknown };

export type WorkerOutbound =
  | { kind: 'status'; status: 'connecting' | 'open' | 'closed' }
  | { kind: 'event'; event: unknown }
  | { kind: 'response'; id: number; reply: unknown };

/** Characters of JSON text received from the worker (≈ bytes: the text is ASCII), for the benchmark's bytes/s. */
export const workerTraffic = { received: 0, byKind: {} as Record<string, number> };

export function createWorkerClient(worker: Worker, options: SimOptions): TesseraClient {
  let nextId = 1;
  const pending = new Map<number, (reply: unknown) => void>();
  const commandOf = new Map<number, string>();
  const transport: ClientTransport = {
    invoke(command, payload) {
      return new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        commandOf.set(id, command);
        worker.postMessage({ kind: 'request', id, command, payload } satisfies WorkerInbound);
      });
    },
    listen(onEvent, onStatus) {
      worker.addEventListener('message', (e: MessageEvent<string>) => {
        workerTraffic.received += e.data.length;
        const m = JSON.parse(e.data) as WorkerOutbound;
        const kind = m.kind === 'event' ? String((m.event as { type?: unknown }).type) : m.kind === 'response' ? (commandOf.get(m.id) ?? '?') : m.kind;
        if (m.kind === 'response') commandOf.delete(m.id);
        workerTraffic.byKind[kind] = (workerTraffic.byKind[kind] ?? 0) + e.data.length;
        if (m.kind === 'event') onEvent(m.event);
        else if (m.kind === 'status') onStatus(m.status);
        else {
          const r = pending.get(m.id);
          pending.delete(m.id);
          r?.(m.reply);
        }
      });
      worker.postMessage({ kind: 'start', options } satisfies WorkerInbound);
    },
    close() {
      worker.terminate();
    },
  };
  return createClient(transport);
}
