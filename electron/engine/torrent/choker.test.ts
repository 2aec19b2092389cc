import { describe, expect, it } from 'vitest';
import { type ChokeCandidate, chooseUnchoked, nextOptimistic } from './choker.js';

function peer(id: string, downloadRate: number, uploadRate = 0, peerInterested = true, isSeed = false): ChokeCandidate {
  return { id, peerInterested, downloadRate, uploadRate, isSeed };
}

const sorted = (s: ReadonlySet<string>): string[] => [...s].sort();

describe('chooseUnchoked', () => {
  it('while downloading, unchokes the peers that send us the most (tit-for-tat)', () => {
    const peers = [peer('a', 10), peer('b', 500), peer('c', 50), peer('d', 1000), peer('e', 0)];
    expect(sorted(chooseUnchoked(peers, false, 3, null))).toEqual(['b', 'c', 'd']);
  });

  it('while seeding, unchokes the peers that take data fastest', () => {
    const peers = [peer('a', 1000, 1), peer('b', 0, 300), peer('c', 0, 200), peer('d', 999, 2)];
    expect(sorted(chooseUnchoked(peers, true, 2, null))).toEqual(['b', 'c']);
  });

  it('only considers interested peers that are not seeds', () => {
    const peers = [peer('fast-but-uninterested', 9999, 0, false), peer('seed', 9999, 0, true, true), peer('slow', 1)];
    expect(sorted(chooseUnchoked(peers, false, 4, null))).toEqual(['slow']);
  });

  it('adds the optimistic unchoke on top of the regular slots', () => {
    const peers = [peer('a', 100), peer('b', 50), peer('c', 1)];
    expect(sorted(chooseUnchoked(peers, false, 1, 'c'))).toEqual(['a', 'c']);
  });

  it('does not add an extra slot when the optimistic peer already earned a regular one', () => {
    const peers = [peer('a', 100), peer('b', 50), peer('c', 1)];
    expect(sorted(chooseUnchoked(peers, false, 2, 'a'))).toEqual(['a', 'b']);
  });

  it('ignores an optimistic peer that is gone, not interested or a seed', () => {
    const peers = [peer('a', 100), peer('lazy', 0, 0, false), peer('seed', 0, 0, true, true)];
    for (const optimistic of ['gone', 'lazy', 'seed']) expect(sorted(chooseUnchoked(peers, false, 1, optimistic))).toEqual(['a']);
  });

  it('unchokes everyone eligible when there are more slots than peers', () => {
    expect(sorted(chooseUnchoked([peer('a', 0), peer('b', 0)], false, 10, null))).toEqual(['a', 'b']);
    expect(chooseUnchoked([], false, 4, null).size).toBe(0);
  });

  it('with zero slots, only the optimistic peer is unchoked', () => {
    expect(sorted(chooseUnchoked([peer('a', 10), peer('b', 5)], false, 0, 'b'))).toEqual(['b']);
  });

  it('does not modify its input order', () => {
    const peers = [peer('a', 1), peer('b', 3), peer('c', 2)];
    chooseUnchoked(peers, false, 1, null);
    expect(peers.map((p) => p.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('nextOptimistic', () => {
  const peers = [peer('a', 0), peer('b', 0), peer('c', 0, 0, false), peer('d', 0, 0, true, true), peer('e', 0)];

  it('picks among interested non-seed peers that are not regularly unchoked', () => {
    const regular = new Set(['a']);
    const seen = new Set<string | null>();
    for (const r of [0, 0.34, 0.5, 0.67, 0.99]) seen.add(nextOptimistic(peers, regular, () => r));
    expect(sorted(seen as Set<string>)).toEqual(['b', 'e']);
  });

  it('uses the injected random to choose', () => {
    expect(nextOptimistic(peers, new Set(), () => 0)).toBe('a');
    expect(nextOptimistic(peers, new Set(), () => 0.999)).toBe('e');
  });

  it('returns null when nobody is left to try', () => {
    expect(nextOptimistic(peers, new Set(['a', 'b', 'e']), () => 0)).toBeNull();
    expect(nextOptimistic([], new Set(), () => 0)).toBeNull();
  });
});
