import { describe, expect, it } from 'vitest';
import type { PeerAddress } from '../api.js';
import type { TorrentState } from '../../../shared/contract/index.js';
import { MAX_CANDIDATES_PER_SOURCE, PeerCandidates } from '../torrent/peer-candidates.js';
import { lsdPeerHeard, SessionReach, type LsdTorrent, type ReachParts } from './session-reach.js';
import type { Torrent } from '../torrent/torrent.js';
import { TypedEmitter } from '../util/typed-emitter.js';

/** A torrent as LSD sees it, its candidate list a real one. */
function torrent(hash: string, state: TorrentState = 'downloading', isPrivate = false): LsdTorrent & { candidates: PeerCandidates } {
  const candidates = new PeerCandidates();
  return {
    candidates,
    state,
    info: () => ({ private: isPrivate }) as ReturnType<LsdTorrent['info']>,
    infoHashes: { v1: Buffer.from(hash, 'hex'), v2: null } as LsdTorrent['infoHashes'],
    addPeers: (peers: PeerAddress[], source: string | null = null) => {
      for (const p of peers) candidates.add(p, source);
    },
  };
}

describe('lsdPeerHeard', () => {
  it('gives a LAN peer to the running public torrents it names, as one capped source: a flood of invented addresses takes at most its share', () => {
    const hash = 'ab'.repeat(20);
    const named = torrent(hash);
    const others = [torrent('cd'.repeat(20)), torrent(hash, 'paused'), torrent(hash, 'downloading', true)];
    for (let i = 0; i < 1000; i++) lsdPeerHeard([named, ...others], hash, { host: `192.168.${i >> 8}.${i & 255}`, port: 6881 });
    expect(named.candidates.size).toBe(MAX_CANDIDATES_PER_SOURCE);
    expect(others.map((t) => t.candidates.size)).toEqual([0, 0, 0]);
    named.addPeers([{ host: '198.51.100.1', port: 1 }], 'tracker http://t.example/announce');
    expect(named.candidates.size).toBe(MAX_CANDIDATES_PER_SOURCE + 1);
  });
});

/** Stand-ins for the port mapper and LSD that touch no network: they record what was asked of them. */
function parts(log: string[]): ReachParts {
  class FakeMapper extends TypedEmitter<{ warning: (m: string) => void; change: () => void }> {
    start(): void {
      log.push('map');
    }
    async close(): Promise<void> {
      log.push('unmap');
    }
    state(): { status: 'mapped' } {
      return { status: 'mapped' };
    }
  }
  class FakeLsd extends TypedEmitter<{ warning: (m: string) => void; peer: () => void }> {
    active = false;
    async start(): Promise<void> {
      this.active = true;
      log.push('lsd on');
    }
    announce(hashes: readonly string[]): string[] {
      log.push(`announce ${hashes.join(',')}`);
      return [...hashes];
    }
    async close(): Promise<void> {
      this.active = false;
      log.push('lsd off');
    }
  }
  return { mapper: () => new FakeMapper() as unknown as ReturnType<ReachParts['mapper']>, lsd: () => new FakeLsd() as unknown as ReturnType<ReachParts['lsd']> };
}

describe('SessionReach switched at runtime', () => {
  it('port mapping off removes the mappings and says so; LSD on announces the running public torrents at once; switches run in order', async () => {
    const log: string[] = [];
    let changed = 0;
    const running = { ...torrent('ab'.repeat(20)), on: () => running };
    const hooks = { torrents: () => [running as unknown as Torrent], warn: () => undefined, changed: () => changed++ };
    const reach = await SessionReach.start({ downloadDir: '/d' }, 6881, hooks, { portMapping: false, lsd: false }, parts(log));
    expect(log).toEqual([]);
    expect(SessionReach.describe(reach, 6881)).toMatchObject({ lsd: false, portMapping: { status: 'off' } });
    await reach.set({ portMapping: true, lsd: true });
    expect(log).toEqual(['map', 'lsd on', `announce ${'ab'.repeat(20)}`]);
    expect(SessionReach.describe(reach, 6881)).toMatchObject({ lsd: true, portMapping: { status: 'mapped' } });
    // Off, on, off in a row, not awaited: carried out in order, ending off.
    void reach.set({ lsd: false, portMapping: false });
    void reach.set({ lsd: true });
    await reach.set({ lsd: false });
    expect(log.slice(3)).toEqual(['unmap', 'lsd off', 'lsd on', `announce ${'ab'.repeat(20)}`, 'lsd off']);
    expect(changed).toBe(1);
    expect(SessionReach.describe(reach, 6881)).toMatchObject({ lsd: false, portMapping: { status: 'off' } });
    await reach.close();
    expect(log.slice(8)).toEqual([]);
  });
});
