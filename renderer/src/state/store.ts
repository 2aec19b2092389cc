/** The zustand store: AppState plus a dispatch that runs the pure reducer. */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { initialState, reduce, type Action, type AppState } from './reducer.js';

export type AppStore = StoreApi<AppState>;

export function createAppStore(initial: AppState = initialState): AppStore {
  return createStore<AppState>()(() => initial);
}

export function dispatch(store: AppStore, action: Action): void {
  const prev = store.getState();
  const next = reduce(prev, action);
  if (next !== prev) store.setState(next, true);
}
