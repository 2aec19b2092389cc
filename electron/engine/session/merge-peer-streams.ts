import type { PeerAddress } from '../api.js';

/**
 * Interleaves several peer streams (the IPv4 and IPv6 DHT lookups) into one, yielding each
 * peer as soon as any stream has one. Leaving the loop early returns every stream (which
 * stops their lookups as soon as they wake).
 */
export async function* mergePeerStreams<Peer extends PeerAddress>(streams: ReadonlyArray<AsyncGenerator<Peer, void, undefined>>): AsyncGenerator<Peer, void, undefined> {
  type Step = { index: number; result: IteratorResult<Peer, void> };
  const next = (index: number): Promise<Step> => {
    const stream = streams[index];
    if (!stream) throw new Error(`no stream ${index}`);
    return stream.next().then((result) => ({ index, result }));
  };
  const waiting = new Map<number, Promise<Step>>(streams.map((_, i) => [i, next(i)]));
  try {
    while (waiting.size > 0) {
      const { index, result } = await Promise.race(waiting.values());
      if (result.done) {
        waiting.delete(index);
        continue;
      }
      waiting.set(index, next(index));
      yield result.value;
    }
  } finally {
    // Not awaited: a stream waiting inside its lookup takes the return only when it next wakes.
    for (const i of waiting.keys()) void streams[i]?.return(undefined).catch(() => undefined);
  }
}
