import { describe, expect, it } from 'vitest';
import { MAX_CREATE_URL, MAX_TRACKERS_PER_TORRENT, MAX_URL_CHARS, parseCommandPayload, parseCommandResult } from './index.js';

const infoHash = 'a'.repeat(40);
const url = (i: number) => `http://t${i}.example/announce`;

describe('addTrackers payload', () => {
  it('takes tiers of http, https and udp URLs', () => {
    const tiers = [['http://a.example/announce', 'https://b.example/announce'], ['udp://c.example:6969/announce']];
    expect(parseCommandPayload('addTrackers', { infoHash, tiers })).toEqual({ infoHash, tiers });
  });

  it('refuses other schemes, udp without a port, spaces, no host and over-long URLs', () => {
    for (const bad of ['ws://a.example/announce', 'magnet:?xt=x', 'udp://a.example/announce', 'http://a b.example/', 'http:///announce', 'announce', `http://a.example/${'x'.repeat(MAX_CREATE_URL)}`]) {
      expect(() => parseCommandPayload('addTrackers', { infoHash, tiers: [[bad]] }), bad).toThrow(/tiers\[0\]\[0\]/);
    }
  });

  it('refuses more trackers than a torrent keeps, empty tiers and an empty list', () => {
    const many = Array.from({ length: MAX_TRACKERS_PER_TORRENT + 1 }, (_, i) => url(i));
    expect(() => parseCommandPayload('addTrackers', { infoHash, tiers: [many] })).toThrow(/at most 200/);
    expect(() => parseCommandPayload('addTrackers', { infoHash, tiers: many.map((u) => [u]) })).toThrow(/at most 200/);
    expect(() => parseCommandPayload('addTrackers', { infoHash, tiers: [many.slice(0, MAX_TRACKERS_PER_TORRENT)] })).not.toThrow();
    expect(() => parseCommandPayload('addTrackers', { infoHash, tiers: [[url(1)], []] })).toThrow(/at least 1 tracker/);
    expect(() => parseCommandPayload('addTrackers', { infoHash, tiers: [] })).toThrow(/at least 1 tracker/);
  });

  it('refuses wrong types', () => {
    for (const tiers of [url(1), [url(1)], [[1]], [[null]], { 0: [url(1)] }, null]) {
      expect(() => parseCommandPayload('addTrackers', { infoHash, tiers })).toThrow();
    }
    expect(() => parseCommandPayload('addTrackers', { infoHash: 'nothex', tiers: [[url(1)]] })).toThrow(/infoHash/);
    expect(() => parseCommandPayload('addTrackers', { tiers: [[url(1)]] })).toThrow(/infoHash/);
  });
});

describe('editTracker payload', () => {
  it('takes any listed URL (a .torrent may carry other schemes) and a new tracker URL', () => {
    const p = { infoHash, url: 'wss://old.example/announce', newUrl: 'udp://new.example:80/announce' };
    expect(parseCommandPayload('editTracker', p)).toEqual(p);
  });

  it('refuses a bad new URL, an empty or over-long old one and wrong types', () => {
    expect(() => parseCommandPayload('editTracker', { infoHash, url: url(1), newUrl: 'ftp://x.example/' })).toThrow(/newUrl/);
    expect(() => parseCommandPayload('editTracker', { infoHash, url: '', newUrl: url(2) })).toThrow(/url/);
    expect(() => parseCommandPayload('editTracker', { infoHash, url: 'x'.repeat(MAX_URL_CHARS + 1), newUrl: url(2) })).toThrow(/url/);
    expect(() => parseCommandPayload('editTracker', { infoHash, url: 5, newUrl: url(2) })).toThrow(/url/);
    expect(() => parseCommandPayload('editTracker', { infoHash, url: url(1), newUrl: [url(2)] })).toThrow(/newUrl/);
  });
});

describe('removeTrackers and reannounce payloads', () => {
  it('take lists within bounds', () => {
    expect(parseCommandPayload('removeTrackers', { infoHash, urls: [url(1), 'wss://x.example/'] }).urls).toHaveLength(2);
    expect(parseCommandPayload('reannounce', { infoHashes: [infoHash] })).toEqual({ infoHashes: [infoHash] });
  });

  it('refuse empty or over-long lists and wrong types', () => {
    expect(() => parseCommandPayload('removeTrackers', { infoHash, urls: [] })).toThrow(/urls/);
    const many = Array.from({ length: MAX_TRACKERS_PER_TORRENT + 1 }, (_, i) => url(i));
    expect(() => parseCommandPayload('removeTrackers', { infoHash, urls: many })).toThrow(/urls/);
    expect(() => parseCommandPayload('removeTrackers', { infoHash, urls: [''] })).toThrow(/urls\[0\]/);
    expect(() => parseCommandPayload('removeTrackers', { infoHash, urls: url(1) })).toThrow(/urls/);
    expect(() => parseCommandPayload('reannounce', { infoHashes: [] })).toThrow(/infoHashes/);
    expect(() => parseCommandPayload('reannounce', { infoHashes: ['x'] })).toThrow(/infoHashes\[0\]/);
    expect(() => parseCommandPayload('reannounce', { infoHash })).toThrow(/infoHash/);
  });

  it('reply null', () => {
    for (const name of ['addTrackers', 'editTracker', 'removeTrackers', 'reannounce'] as const) {
      expect(parseCommandResult(name, null)).toBeNull();
      expect(() => parseCommandResult(name, {})).toThrow();
    }
  });
});
