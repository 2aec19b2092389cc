import type { EngineTorrent } from '../../electron/engine/index.js';

/**
 * For tests that drive the engine in-process: resolves once `cond` holds (polled every
 * 20 ms); rejects after `timeoutMs` with the torrent's stats, so a failure says where it stood.
 */
export function waitForTorrent(t: EngineTorrent, what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (cond()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}: ${JSON.stringify(t.stats())}`));
      }
    }, 20);
  });
}
