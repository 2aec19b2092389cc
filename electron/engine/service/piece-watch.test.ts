import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { base64ToBytes, decodePieceChanges, PieceState, type ServerEvent } from '../../../shared/contract/index.js';
import { FakeTorrent } from './fake-session.js';
import { PieceWatch } from './piece-watch.js';

type Delta = Extract<ServerEvent, { type: 'piecesDelta' }>;

function setup(pieceCount = 8): { t: FakeTorrent; events: ServerEvent[]; watch: PieceWatch; deltas: () => Delta[] } {
  const t = new FakeTorrent('a'.repeat(40), 'fake', 16384, pieceCount, 4, '/tmp', false);
  const events: ServerEvent[] = [];
  const watch = new PieceWatch(t, { intervalMs: 250, availabilityIntervalMs: 1000, send: (e) => events.push(e), log: () => undefined });
  return { t, events, watch, deltas: () => events.filter((e): e is Delta => e.type === 'piecesDelta') };
}

describe('PieceWatch', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts with a snapshot of states, in-flight fractions and availability', () => {
    const t = new FakeTorrent('a'.repeat(40), 'fake', 16384, 4, 4, '/tmp', false);
    t.status.set([2, 1, 0, 0]);
    t.blocks[1] = 1;
    t.avail.set([3, 0, 300, 1]);
    const events: ServerEvent[] = [];
    new PieceWatch(t, { intervalMs: 250, availabilityIntervalMs: 1000, send: (e) => events.push(e), log: () => undefined });
    expect(events).toHaveLength(1);
    const snap = events[0];
    if (snap?.type !== 'piecesSnapshot') throw new Error('no snapshot');
    expect(snap).toMatchObject({ seq: 0, pieceCount: 4, inFlight: [[1, 0.25]] });
    expect([...base64ToBytes(snap.states)]).toEqual([2, 1, 0, 0]);
    expect([...base64ToBytes(snap.availability)]).toEqual([3, 0, 255, 1]);
  });

  it('sends at most one delta per interval, with consecutive seq numbers', () => {
    const { t, watch, deltas } = setup();
    for (let k = 0; k < 16; k++) {
      t.receiveBlock(Math.floor(k / 4));
      watch.touch();
    }
    expect(deltas()).toHaveLength(0); // the first flush waits out the interval since the snapshot
    vi.advanceTimersByTime(250);
    expect(deltas()).toHaveLength(1);
    t.receiveBlock(5);
    watch.touch();
    vi.advanceTimersByTime(100);
    expect(deltas()).toHaveLength(1);
    vi.advanceTimersByTime(150);
    expect(deltas().map((d) => d.seq)).toEqual([1, 2]);
    expect(decodePieceChanges(deltas()[0]!.changes)).toEqual([
      [0, PieceState.Verified, 1],
      [1, PieceState.Verified, 1],
      [2, PieceState.Verified, 1],
      [3, PieceState.Verified, 1],
    ]);
    expect(decodePieceChanges(deltas()[1]!.changes)).toEqual([[5, PieceState.InFlight, 64 / 255]]);
  });

  it('shows a failed piece once as Failed, then what it became', () => {
    const { t, watch, deltas } = setup();
    for (let k = 0; k < 4; k++) t.receiveBlock(2, true);
    watch.pieceFailed(2);
    vi.advanceTimersByTime(250);
    expect(decodePieceChanges(deltas()[0]!.changes)).toEqual([[2, PieceState.Failed, 0]]);
    vi.advanceTimersByTime(250);
    expect(decodePieceChanges(deltas()[1]!.changes)).toEqual([[2, PieceState.Missing, 0]]);
    vi.advanceTimersByTime(1000);
    expect(deltas()).toHaveLength(2);
  });

  it('passes Skipped pieces (all their files set to "Do not download") through, in the snapshot and in deltas', () => {
    const t = new FakeTorrent('a'.repeat(40), 'fake', 16384, 4, 4, '/tmp', false);
    t.status.set([2, 0, 4, 4]);
    const events: ServerEvent[] = [];
    const watch = new PieceWatch(t, { intervalMs: 250, availabilityIntervalMs: 1000, send: (e) => events.push(e), log: () => undefined });
    const snap = events[0];
    if (snap?.type !== 'piecesSnapshot') throw new Error('no snapshot');
    expect([...base64ToBytes(snap.states)]).toEqual([2, 0, 4, 4]);
    t.status.set([2, 4, 0, 4]); // file 0 skipped, file 1 wanted again
    watch.touch();
    vi.advanceTimersByTime(250);
    const delta = events[1];
    if (delta?.type !== 'piecesDelta') throw new Error('no delta');
    expect(decodePieceChanges(delta.changes)).toEqual([[1, PieceState.Skipped, 0], [2, PieceState.Missing, 0]]);
  });

  it('sends availability when due and changed, never more than once per availability interval', () => {
    const { t, watch, deltas } = setup(2);
    t.avail.set([5, 6]);
    watch.checkAvailability(); // not due yet
    vi.advanceTimersByTime(999);
    expect(deltas()).toHaveLength(0);
    vi.advanceTimersByTime(1);
    watch.checkAvailability();
    vi.advanceTimersByTime(0);
    expect(deltas()).toHaveLength(1);
    expect([...base64ToBytes(deltas()[0]?.availability ?? '')]).toEqual([5, 6]);
    watch.checkAvailability(); // just checked: nothing
    vi.advanceTimersByTime(1000);
    watch.checkAvailability(); // due, unchanged: no delta
    vi.advanceTimersByTime(250);
    expect(deltas()).toHaveLength(1);
  });

  it('sends a new snapshot when the piece count changes, and nothing after stop()', () => {
    const { t, events, watch } = setup(4);
    const grown = new FakeTorrent(t.infoHash, 'fake', 16384, 6, 4, '/tmp', false);
    t.pieceStatus = () => grown.pieceStatus(); // metadata arrived: 6 pieces now
    watch.touch();
    vi.advanceTimersByTime(250);
    expect(events.map((e) => e.type)).toEqual(['piecesSnapshot', 'piecesSnapshot']);
    expect(events[1]).toMatchObject({ pieceCount: 6, seq: 0 });
    watch.stop();
    t.receiveBlock(0);
    watch.touch();
    vi.advanceTimersByTime(1000);
    expect(events).toHaveLength(2);
  });
});
