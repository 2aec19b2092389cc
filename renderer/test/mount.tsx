/**
 * Mounts a piece of the UI (usually <App />) against a FakeTransport, the way main.tsx does
 * against a real transport: a Controller, its store, the provider; then opens the connection
 * and sends the snapshot. Tests emit further events on `transport` and read `container`.
 */
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type { Capabilities, Settings, SnapshotEvent } from '../../shared/contract/index.js';
import { ControllerProvider } from '../src/app/context.js';
import { Controller } from '../src/app/controller.js';
import { createAppStore } from '../src/state/store.js';
import { FakeTransport } from './fakeTransport.js';
import { session } from './fixtures.js';
import './no-host.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export const testSettings: Settings = {
  downloadDir: '/d',
  listenPort: 6881,
  maxPeersPerTorrent: 50,
  notifyOnComplete: true,
  downloadLimit: 0,
  uploadLimit: 0,
  encryption: 'allow',
  confirmAdd: false,
};
export const webCapabilities: Capabilities = { transport: 'web', chooseDownloadDir: false, openFolder: false };

export interface Mounted {
  container: HTMLDivElement;
  controller: Controller;
  transport: FakeTransport;
  unmount(): Promise<void>;
}

/**
 * Renders `ui`, connects, and delivers a snapshot made of `snapshot` over the defaults.
 * `replies`: the transport's answers from the start (a component may ask as soon as it is connected).
 */
export async function mountWithSnapshot(ui: ReactNode, snapshot: Partial<Omit<SnapshotEvent, 'type'>> = {}, replies: FakeTransport['replies'] = {}): Promise<Mounted> {
  const container = document.createElement('div');
  document.body.appendChild(container);
  const transport = new FakeTransport();
  transport.replies = { ...replies };
  const controller = new Controller(transport.client(), createAppStore(), () => 0);
  controller.start();
  const root: Root = createRoot(container);
  await act(async () => {
    root.render(<ControllerProvider controller={controller}>{ui}</ControllerProvider>);
  });
  await act(async () => {
    transport.open();
    await new Promise((r) => setTimeout(r, 0));
    transport.emit({ type: 'snapshot', session, settings: testSettings, capabilities: webCapabilities, offers: [], torrents: [], ...snapshot });
  });
  return {
    container,
    controller,
    transport,
    unmount: async () => {
      await act(async () => root.unmount());
      controller.stop();
      container.remove();
    },
  };
}
