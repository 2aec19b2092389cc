import { describe, expect, it } from 'vitest';
import { mayStartActivity, mustStopActivity, torrentState, type DataPhase, type LifecycleFacts, type TorrentFault } from './lifecycle.js';

const fault: TorrentFault = { kind: 'storage', message: 'cannot use the save folder: ENOTDIR' };
const facts = (f: Partial<LifecycleFacts>): LifecycleFacts => ({ wanted: true, fault: null, phase: 'transfer', finished: false, queued: false, ...f });

describe('torrentState', () => {
  it('a fault outranks everything, paused or not, in every phase', () => {
    for (const phase of ['magnet', 'choosing', 'unprepared', 'transfer'] as DataPhase[]) {
      for (const wanted of [true, false]) expect(torrentState(facts({ phase, wanted, fault }))).toBe('error');
    }
  });

  it('storage being prepared shows as checking, even when paused', () => {
    expect(torrentState(facts({ phase: 'unprepared' }))).toBe('checking');
    expect(torrentState(facts({ phase: 'unprepared', wanted: false }))).toBe('checking');
  });

  it('otherwise a pause shows, then the phase: metadata, downloading or seeding', () => {
    expect(torrentState(facts({ wanted: false, finished: true }))).toBe('paused');
    expect(torrentState(facts({ wanted: false, phase: 'magnet' }))).toBe('paused');
    expect(torrentState(facts({ phase: 'magnet' }))).toBe('metadata');
    expect(torrentState(facts({ phase: 'choosing' }))).toBe('metadata');
    expect(torrentState(facts({ wanted: false, phase: 'choosing' }))).toBe('paused');
    expect(torrentState(facts({}))).toBe('downloading');
    expect(torrentState(facts({ finished: true }))).toBe('seeding');
  });
});

describe('queued', () => {
  it('shows queued when wanted and held back by the queue; a pause, a check or a fault outranks it', () => {
    expect(torrentState(facts({ queued: true }))).toBe('queued');
    expect(torrentState(facts({ queued: true, finished: true }))).toBe('queued');
    expect(torrentState(facts({ queued: true, phase: 'magnet' }))).toBe('queued');
    expect(torrentState(facts({ queued: true, wanted: false }))).toBe('paused');
    expect(torrentState(facts({ queued: true, phase: 'unprepared' }))).toBe('checking');
    expect(torrentState(facts({ queued: true, fault }))).toBe('error');
  });

  it('a queued torrent may not start and must stop talking to peers', () => {
    expect(mayStartActivity(facts({ queued: true }))).toBe(false);
    expect(mustStopActivity(facts({ queued: true }))).toBe(true);
  });
});

describe('activity', () => {
  it('starts only when wanted, without a fault, and not while storage is prepared', () => {
    expect(mayStartActivity(facts({}))).toBe(true);
    expect(mayStartActivity(facts({ phase: 'magnet' }))).toBe(true);
    // Waiting for the file choice keeps the peers that sent the metadata (nothing is requested: no storage).
    expect(mayStartActivity(facts({ phase: 'choosing' }))).toBe(true);
    expect(mustStopActivity(facts({ phase: 'choosing' }))).toBe(false);
    expect(mayStartActivity(facts({ phase: 'unprepared' }))).toBe(false);
    expect(mayStartActivity(facts({ wanted: false }))).toBe(false);
    expect(mayStartActivity(facts({ fault }))).toBe(false);
  });

  it('stops on a pause or a fault, but not because storage is being prepared (a magnet keeps its peers)', () => {
    expect(mustStopActivity(facts({ wanted: false }))).toBe(true);
    expect(mustStopActivity(facts({ fault }))).toBe(true);
    expect(mustStopActivity(facts({ phase: 'unprepared' }))).toBe(false);
    expect(mustStopActivity(facts({}))).toBe(false);
  });
});
