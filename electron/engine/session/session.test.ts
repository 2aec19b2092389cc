import { describe, expect, it } from 'vitest';
import { createSession } from '../index.js';

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
});
