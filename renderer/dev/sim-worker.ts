/// <reference lib="webworker" />
/** Worker side of worker-transport.ts: hosts a SimEngine. */
import { SimEngine } from './sim.js';
import type { WorkerInbound, WorkerOutbound } from './worker-transport.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let engine: SimEngine | null = null;
const post = (m: WorkerOutbound): void => scope.postMessage(JSON.stringify(m));

scope.addEventListener('message', (e: MessageEvent<WorkerInbound>) => {
  const m = e.data;
  if (m.kind === 'start') {
    engine = new SimEngine({ ...m.options, wire: false });
    engine.listen((event) => post({ kind: 'event', event }), (status) => post({ kind: 'status', status }));
  } else if (engine) {
    void engine.invoke(m.command, m.payload).then((reply) => post({ kind: 'response', id: m.id, reply }));
  }
});
