import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { AppState } from '../state/reducer.js';
import type { Controller } from './controller.js';

const ControllerContext = createContext<Controller | null>(null);

export function ControllerProvider({ controller, children }: { controller: Controller; children: ReactNode }) {
  return <ControllerContext.Provider value={controller}>{children}</ControllerContext.Provider>;
}

export function useController(): Controller {
  const c = useContext(ControllerContext);
  if (!c) throw new Error('useController outside ControllerProvider');
  return c;
}

/** Reads a slice of the app state; re-renders only when the slice changes (Object.is). */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useController().store, selector);
}
