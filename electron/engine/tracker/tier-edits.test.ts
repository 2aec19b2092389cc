import { describe, expect, it } from 'vitest';
import { replaceTracker, withoutTrackers } from './tier-edits.js';

const tiers = [['http://a/', 'http://b/'], ['udp://c:1/']];

describe('replaceTracker', () => {
  it('puts the new URL in the old one’s tier and place', () => {
    expect(replaceTracker(tiers, 'http://b/', 'http://z/')).toEqual({ kind: 'edited', tiers: [['http://a/', 'http://z/'], ['udp://c:1/']] });
    expect(replaceTracker(tiers, 'http://b/', 'http://b/')).toEqual({ kind: 'edited', tiers });
  });

  it('refuses a URL it does not list and one listed already', () => {
    expect(replaceTracker(tiers, 'http://x/', 'http://z/')).toEqual({ kind: 'not-found' });
    expect(replaceTracker(tiers, 'http://a/', 'udp://c:1/')).toEqual({ kind: 'duplicate' });
  });
});

describe('withoutTrackers', () => {
  it('removes the URLs it lists, drops emptied tiers and ignores others', () => {
    expect(withoutTrackers(tiers, ['http://a/', 'http://nope/'])).toEqual({ tiers: [['http://b/'], ['udp://c:1/']], removed: 1 });
    expect(withoutTrackers(tiers, ['http://a/', 'http://b/'])).toEqual({ tiers: [['udp://c:1/']], removed: 2 });
    expect(withoutTrackers(tiers, ['http://a/', 'http://b/', 'udp://c:1/'])).toEqual({ tiers: [], removed: 3 });
    expect(withoutTrackers(tiers, ['http://x/'])).toEqual({ tiers, removed: 0 });
  });
});
