/**
 * The preload (sandboxed, contextIsolation on): exposes `window.tessera`, a PreloadBridge with
 * one method per contract command plus `onEvent` — never ipcRenderer itself. Replies are
 * validated in the page by createPreloadClient (shared/contract/client.ts), which the renderer
 * uses. Bundled to CommonJS (dist/electron/preload.cjs) by scripts/build-preload.mjs, since
 * sandboxed preloads cannot be ES modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { COMMAND_NAMES, type CommandName } from '../shared/contract/commands.js';
import { IPC_EVENT, IPC_INVOKE, PRELOAD_GLOBAL } from '../shared/contract/protocol.js';

type BridgeMethod = (payload: unknown) => Promise<unknown>;

const bridge: Record<string, BridgeMethod | ((listener: (event: unknown) => void) => () => void)> = {};

for (const name of COMMAND_NAMES) {
  const command: CommandName = name;
  bridge[command] = (payload: unknown): Promise<unknown> => ipcRenderer.invoke(IPC_INVOKE, command, payload) as Promise<unknown>;
}

bridge.onEvent = (listener: (event: unknown) => void): (() => void) => {
  if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
  const handler = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
  ipcRenderer.on(IPC_EVENT, handler);
  return () => {
    ipcRenderer.removeListener(IPC_EVENT, handler);
  };
};

contextBridge.exposeInMainWorld(PRELOAD_GLOBAL, Object.freeze(bridge));
