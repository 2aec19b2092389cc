import { useEffect, useRef, useState } from 'react';

/**
 * Calls `load` now and every `intervalMs` while `key` stays the same and `enabled` is true.
 * Returns the latest result (null until the first one, and after the key changes).
 * `refresh()` reloads at once (after a change the user made).
 */
export function usePoll<T>(
  key: string | null,
  enabled: boolean,
  intervalMs: number,
  load: (key: string) => Promise<T | null>,
): { value: T | null; refresh: () => void } {
  const [state, setState] = useState<{ key: string | null; value: T | null }>({ key: null, value: null });
  const [nonce, setNonce] = useState(0);
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });
  useEffect(() => {
    if (key === null || !enabled) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const value = await loadRef.current(key);
      if (stopped) return;
      if (value !== null) setState({ key, value });
      if (intervalMs > 0) timer = setTimeout(() => void tick(), intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [key, enabled, intervalMs, nonce]);
  const refresh = useRef(() => setNonce((n) => n + 1)).current;
  return { value: state.key === key ? state.value : null, refresh };
}
