import { describe, expect, it } from 'vitest';
import { MAX_TRACKERS_PER_TORRENT } from '../../../shared/contract/index.js';
import { trackersToAdd, trackerUrlProblem } from './trackerInput.js';

describe('trackersToAdd', () => {
  it('reads one URL a line, a blank line between tiers, duplicates once', () => {
    expect(trackersToAdd(' http://a.example/announce \nudp://b.example:80\n\n\nhttps://c.example/a\nhttp://a.example/announce\n', [])).toEqual({
      ok: true,
      tiers: [['http://a.example/announce', 'udp://b.example:80'], ['https://c.example/a']],
    });
  });

  it('names the first URL the engine would refuse, and an empty text', () => {
    expect(trackersToAdd('http://a.example/\nudp://b.example/announce', [])).toEqual({ ok: false, problem: expect.stringContaining('udp://b.example/announce') });
    expect(trackersToAdd('ws://a.example/', [])).toMatchObject({ ok: false });
    expect(trackersToAdd(' \n\n', [])).toEqual({ ok: false, problem: 'Type at least one tracker URL.' });
  });

  it('refuses going past the per-torrent bound, URLs it has already not counted', () => {
    const known = Array.from({ length: MAX_TRACKERS_PER_TORRENT - 1 }, (_, i) => `http://t${i}.example/a`);
    expect(trackersToAdd('http://new.example/a\nhttp://t0.example/a', known)).toMatchObject({ ok: true });
    expect(trackersToAdd('http://new.example/a\nhttp://other.example/a', known)).toMatchObject({ ok: false, problem: expect.stringMatching(/at most 200/) });
  });
});

describe('trackerUrlProblem', () => {
  it('takes tracker URLs and refuses the rest', () => {
    expect(trackerUrlProblem('udp://b.example:80')).toBeNull();
    expect(trackerUrlProblem('')).toBe('Type the tracker URL.');
    expect(trackerUrlProblem('ftp://b.example/')).toMatch(/Not a tracker URL/);
  });
});
