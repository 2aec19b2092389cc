import { describe, expect, it } from 'vitest';
import { createSession } from '../index.js';
import { MAX_CANDIDATES_PER_SOURCE } from '../torrent/peer-candidates.js';

describe('Session settings', () => {
  it('takes global limits and the encryption mode at creation, and changes them live', async () => {
    const session = await createSession({ downloadDir: '/tmp', port: 0, listenHost: '127.0.0.1', dht: false, downloadLimit: 512_000, uploadLimit: 64_000, encryption: 'require' });
    try {
      expect(session.rateLimits()).toEqual({ download: 512_000, upload: 64_000 });
      expect(session.encryption).toBe('require');
      session.setRateLimits({ upload: 0 });
      session.setEncryption('disable');
      expect(session.rateLimits()).toEqual({ download: 512_000, upload: 0 });
      expect(session.encryption).toBe('disable');
    } finally {
      await session.close();
    }
  });

  it('defaults to unlimited and to allowing encryption', async () => {
    const session = await createSession({ downloadDir: '/tmp', port: 0, listenHost: '127.0.0.1', dht: false });
    try {
      expect(session.rateLimits()).toEqual({ download: 0, upload: 0 });
      expect(session.encryption).toBe('allow');
    } finally {
      await session.close();
    }
  });

  it("a magnet's x.pe holds at most one source's share of the peers to dial; the user's own peers are not counted in it", async () => {
    const session = await createSession({ downloadDir: '/tmp', port: 0, listenHost: '127.0.0.1', dht: false });
    try {
      const xpe = Array.from({ length: 300 }, (_, i) => `x.pe=10.9.${i >> 8}.${i & 255}:6881`).join('&');
      const own = Array.from({ length: 300 }, (_, i) => ({ host: `10.8.${i >> 8}.${i & 255}`, port: 6881 }));
      const torrent = await session.add({ kind: 'magnet', uri: `magnet:?xt=urn:btih:${'ab'.repeat(20)}&${xpe}` }, { paused: true, peers: own });
      // The list is the dialer's own; the contract does not show it.
      const known = (torrent as unknown as { dialer: { candidates: { size: number } } }).dialer.candidates.size;
      expect(known).toBe(MAX_CANDIDATES_PER_SOURCE + own.length);
    } finally {
      await session.close();
    }
  });
});
