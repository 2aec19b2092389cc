import { describe, expect, it } from 'vitest';
import { summary, session } from '../../test/fixtures.js';
import { SPEED_SAMPLES, SPEED_TORRENTS, SpeedHistory, SpeedSeries } from './speedHistory.js';

describe('speed history', () => {
  it('a series keeps the last SPEED_SAMPLES samples, oldest first', () => {
    const s = new SpeedSeries();
    for (let k = 0; k < SPEED_SAMPLES + 5; k++) s.push(k, -k);
    const { down, up } = s.ordered();
    expect(down).toHaveLength(SPEED_SAMPLES);
    expect(down[0]).toBe(5);
    expect(down.at(-1)).toBe(SPEED_SAMPLES + 4);
    expect(up.at(-1)).toBe(-(SPEED_SAMPLES + 4));
  });

  it('samples the session and each active torrent; an idle torrent starts no series', () => {
    const h = new SpeedHistory();
    const a = summary(1, { downloadRate: 100, uploadRate: 5 });
    const idle = summary(2, { downloadRate: 0, uploadRate: 0 });
    h.sample({ session: { ...session, downloadRate: 100, uploadRate: 5 }, torrents: { [a.infoHash]: a, [idle.infoHash]: idle } });
    expect(h.session.ordered()).toEqual({ down: [100], up: [5] });
    expect(h.torrent(a.infoHash)!.ordered()).toEqual({ down: [100], up: [5] });
    expect(h.torrent(idle.infoHash)).toBeNull();
  });

  it('keeps at most SPEED_TORRENTS torrents, dropping the least recently active', () => {
    const h = new SpeedHistory();
    const all = Array.from({ length: SPEED_TORRENTS + 3 }, (_, i) => summary(i + 1, { downloadRate: 1 }));
    for (const t of all) h.sample({ session, torrents: { [t.infoHash]: t } });
    expect(h.torrentCount).toBe(SPEED_TORRENTS);
    expect(h.torrent(all[0]!.infoHash)).toBeNull();
    expect(h.torrent(all.at(-1)!.infoHash)).not.toBeNull();
  });
});
