import { useSyncExternalStore } from 'react';

/** 'dark' or 'light', following the OS (prefers-color-scheme); the CSS does the rest. */
export function useThemeKey(): string {
  return useSyncExternalStore(subscribeScheme, currentScheme, () => 'dark');
}

function query(): MediaQueryList | null {
  return typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: light)') : null;
}

function subscribeScheme(cb: () => void): () => void {
  const mq = query();
  mq?.addEventListener('change', cb);
  return () => mq?.removeEventListener('change', cb);
}

function currentScheme(): string {
  return query()?.matches ? 'light' : 'dark';
}
