import { describe, expect, it } from 'vitest';
import { manualClock } from '../../../e2e/support/test-utils.js';
import { PeerStore } from './peer-store.js';
import { parseDhtState, serializeDhtState } from './state.js';
import { TOKEN_ROTATION_MS, TokenManager } from './tokens.js';

describe('TokenManager', () => {
  it('accepts a token only from the IP it was issued to', () => {
    const tokens = new TokenManager();
    const token = tokens.issue('10.0.0.1');
    expect(tokens.validate('10.0.0.1', token)).toBe(true);
    expect(tokens.validate('10.0.0.2', token)).toBe(false);
    expect(tokens.validate('10.0.0.1', token.subarray(1))).toBe(false);
    expect(tokens.validate('10.0.0.1', new Uint8Array(token.length))).toBe(false);
  });

  it('rotates every 5 minutes and honours the previous secret once', () => {
    const time = manualClock(5_000_000);
    const tokens = new TokenManager({ now: time.now });
    const token = tokens.issue('127.0.0.1');
    time.advance(TOKEN_ROTATION_MS - 1);
    expect(tokens.validate('127.0.0.1', token)).toBe(true);
    time.advance(1); // rotation: the token now belongs to the previous secret
    expect(tokens.validate('127.0.0.1', token)).toBe(true);
    expect(tokens.issue('127.0.0.1')).not.toEqual(token);
    time.advance(TOKEN_ROTATION_MS); // second rotation: gone
    expect(tokens.validate('127.0.0.1', token)).toBe(false);
  });

  it('forgets both secrets after a long silence', () => {
    const time = manualClock(5_000_000);
    const tokens = new TokenManager({ now: time.now });
    const token = tokens.issue('127.0.0.1');
    time.advance(3 * TOKEN_ROTATION_MS);
    expect(tokens.validate('127.0.0.1', token)).toBe(false);
  });
});

describe('PeerStore', () => {
  it('stores peers per info-hash, refreshes them, and expires them', () => {
    const time = manualClock(5_000_000);
    const store = new PeerStore({ now: time.now, ttlMs: 1000 });
    store.add('aa', { host: '1.1.1.1', port: 1 });
    store.add('aa', { host: '1.1.1.1', port: 2 });
    store.add('bb', { host: '2.2.2.2', port: 1 });
    expect(store.get('aa')).toEqual([
      { host: '1.1.1.1', port: 1 },
      { host: '1.1.1.1', port: 2 },
    ]);
    time.advance(600);
    store.add('aa', { host: '1.1.1.1', port: 1 }); // refreshed
    time.advance(600);
    expect(store.get('aa')).toEqual([{ host: '1.1.1.1', port: 1 }]);
    expect(store.get('bb')).toEqual([]);
    expect(store.infoHashCount).toBe(1);
  });

  it('is bounded per info-hash and in info-hashes', () => {
    const store = new PeerStore({ maxPeersPerInfoHash: 3, maxInfoHashes: 2 });
    for (let port = 1; port <= 10; port++) store.add('aa', { host: '1.1.1.1', port });
    expect(store.get('aa', 100).map((peer) => peer.port).sort((a, b) => a - b)).toEqual([8, 9, 10]);
    expect(store.add('bb', { host: '1.1.1.1', port: 1 })).toBe(true);
    expect(store.add('cc', { host: '1.1.1.1', port: 1 })).toBe(false);
    expect(store.get('aa', 2)).toHaveLength(2);
  });

  it('filters by address family', () => {
    const store = new PeerStore();
    store.add('aa', { host: '1.1.1.1', port: 1 });
    store.add('aa', { host: '::1', port: 1 });
    expect(store.get('aa', 10, 4)).toEqual([{ host: '1.1.1.1', port: 1 }]);
    expect(store.get('aa', 10, 6)).toEqual([{ host: '::1', port: 1 }]);
  });
});

describe('DHT state', () => {
  it('round-trips and drops nonsense entries', () => {
    const id = new Uint8Array(20).fill(7);
    const bytes = serializeDhtState({ id, nodes: [{ id, host: '127.0.0.1', port: 5 }] });
    expect(parseDhtState(bytes)).toEqual({ id, nodes: [{ id, host: '127.0.0.1', port: 5 }] });
    const messy = JSON.stringify({
      version: 1,
      id: 'zz',
      nodes: [null, 5, { id: '07'.repeat(20), host: 'example.org', port: 1 }, { id: '07'.repeat(20), host: '::1', port: 0 }, { id: '07'.repeat(20), host: '::1', port: 9 }],
    });
    expect(parseDhtState(messy)).toEqual({ id: null, nodes: [{ id, host: '::1', port: 9 }] });
    expect(parseDhtState('not json')).toBeNull();
    expect(parseDhtState('{"version":2}')).toBeNull();
    expect(parseDhtState('[]')).toBeNull();
  });
});
