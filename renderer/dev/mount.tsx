/** Mounts the real App on a simulated engine (demo and benchmark pages). */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { TesseraClient } from '../../shared/contract/index.js';
import { ControllerProvider } from '../src/app/context.js';
import { Controller } from '../src/app/controller.js';
import { createAppStore } from '../src/state/store.js';
import { App } from '../src/ui/App.js';
import { SimEngine, type SimOptions } from './sim.js';
import { createWorkerClient } from './worker-transport.js';
import '../src/styles.css';

export interface Mounted {
  controller: Controller;
  /** The in-page engine (null when it runs in a worker). */
  engine: SimEngine | null;
}

/**
 * `inWorker`: run the simulation in a Web Worker (the benchmark's default: the real engine
 * lives in another process, so its cost must not count against the renderer's frames).
 */
export function mountSimulated(options: SimOptions, select?: string, inWorker = false): Mounted {
  const rootEl = document.getElementById('root');
  if (!rootEl) throw new Error('missing #root');
  let engine: SimEngine | null = null;
  let client: TesseraClient;
  if (inWorker) {
    client = createWorkerClient(new Worker(new URL('./sim-worker.ts', import.meta.url), { type: 'module' }), options);
  } else {
    engine = new SimEngine(options);
    client = engine.client();
  }
  const controller = new Controller(client, createAppStore());
  controller.start();
  createRoot(rootEl).render(
    <StrictMode>
      <ControllerProvider controller={controller}>
        <App />
      </ControllerProvider>
    </StrictMode>,
  );
  if (select) {
    const unsub = controller.store.subscribe((s) => {
      const hit = Object.values(s.torrents).find((t) => t.name === select);
      if (hit) {
        unsub();
        controller.select(hit.infoHash);
      }
    });
  }
  return { controller, engine };
}
