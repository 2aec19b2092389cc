import { describe, expect, it } from 'vitest';
import type { TorrentSeedingLimits } from '../../../shared/contract/policies.js';
import type { Torrent } from '../torrent/torrent.js';
import { POLICY_TORRENTS_PER_TICK, SessionPolicy } from './session-policy.js';
import { StatisticsKeeper } from './statistics.js';

/** A seeding torrent that counts how often the policy looked at its state (several objects made each time). */
function seed(id: number, own: TorrentSeedingLimits, counts: { looked: number; paused: number }): Torrent {
  const fake = {
    infoHash: id.toString(16).padStart(40, '0'),
    name: `t${id}`,
    ownSeedingLimits: own,
    get state() {
      counts.looked++;
      return 'seeding';
    },
    allTimeTotals: () => ({ uploaded: 2000, downloaded: 1000 }),
    completedBytes: () => 1000,
    seedingSeconds: () => 0,
    seedingLimits: () => ({ ...own }),
    pause: async () => void counts.paused++,
  };
  return fake as unknown as Torrent;
}

describe('SessionPolicy: seeding limits', () => {
  it('looks no further at a torrent without a limit in force; pauses one at its limit', () => {
    const counts = { looked: 0, paused: 0 };
    const torrents = [
      ...Array.from({ length: 50 }, (_, i) => seed(i, { ratio: -2, minutes: -2 }, counts)),
      seed(50, { ratio: 1, minutes: -1 }, counts), // its own ratio limit (reached: 2)
    ];
    const policy = new SessionPolicy({ ordered: () => torrents, remove: async () => undefined, warn: () => undefined }, new StatisticsKeeper(null));
    expect(torrents.length).toBeLessThan(POLICY_TORRENTS_PER_TICK); // all of them in one tick
    policy.tick();
    expect(counts).toEqual({ looked: 1, paused: 1 }); // only the one with a limit
    policy.setSeedingLimits({ ratio: -1, minutes: 60, action: 'pause' }); // a global time limit: every torrent is looked at
    expect(counts.looked).toBe(1 + 50);
    expect(counts.paused).toBe(1);
  });
});
