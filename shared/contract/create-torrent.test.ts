import { describe, expect, it } from 'vitest';
import {
  CREATE_PIECE_SIZES,
  MAX_CREATE_NOTICE_CHARS,
  MAX_CREATE_NOTICES,
  MAX_CREATE_COMMENT,
  MAX_CREATE_PATH,
  MAX_CREATE_SOURCE_TAG,
  MAX_CREATE_TIER_TRACKERS,
  MAX_CREATE_TRACKERS,
  MAX_CREATE_URL,
  MAX_CREATE_WEB_SEEDS,
  parseCommandPayload,
  parseCommandResult,
  parseServerEvent,
  trackerTierLines,
  urlLines,
  type CreateTorrentPayload,
} from './index.js';

const good: CreateTorrentPayload = {
  sourcePath: '/srv/media/album',
  format: 'hybrid',
  pieceLength: null,
  trackerTiers: [['http://tracker.example/announce', 'https://backup.example/announce'], ['udp://tracker.example:6969/announce']],
  webSeeds: ['https://mirror.example/files/', 'http://[::1]:8080/x'],
  source: 'PTP',
  comment: 'made here',
  private: false,
  startSeeding: true,
};
const payload = (over: Record<string, unknown>) => () => parseCommandPayload('createTorrent', { ...good, ...over });

describe('createTorrent payload', () => {
  it('accepts a full payload, Windows paths and every offered piece size', () => {
    expect(parseCommandPayload('createTorrent', good)).toEqual(good);
    expect(payload({ sourcePath: 'C:\\Users\\u\\film.mkv' })).not.toThrow();
    expect(payload({ sourcePath: '\\\\server\\share\\x' })).not.toThrow();
    for (const pieceLength of CREATE_PIECE_SIZES) expect(payload({ pieceLength })).not.toThrow();
    expect(CREATE_PIECE_SIZES[0]).toBe(16 * 1024);
    expect(CREATE_PIECE_SIZES.at(-1)).toBe(64 * 1024 * 1024);
  });

  it('refuses relative, empty, over-long and control-character paths', () => {
    expect(payload({ sourcePath: 'album' })).toThrow(/createTorrent.sourcePath: expected an absolute path/);
    expect(payload({ sourcePath: '../etc' })).toThrow(/absolute path/);
    expect(payload({ sourcePath: '' })).toThrow(/at least 1/);
    expect(payload({ sourcePath: '/' + 'a'.repeat(MAX_CREATE_PATH) })).toThrow(/at most 4096/);
    expect(payload({ sourcePath: '/' + 'a'.repeat(MAX_CREATE_PATH - 1) })).not.toThrow();
    expect(payload({ sourcePath: '/srv/a\u0000b' })).toThrow(/control characters/);
    expect(payload({ sourcePath: '/srv/a\nb' })).toThrow(/control characters/);
  });

  it('bounds the tracker tiers: trackers in all, per tier, no empty tier; counts are checked before any URL', () => {
    const urls = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `http://t${from + i}.example/announce`);
    expect(payload({ trackerTiers: [urls(MAX_CREATE_TIER_TRACKERS), urls(MAX_CREATE_TRACKERS - MAX_CREATE_TIER_TRACKERS, 1000)] })).not.toThrow();
    expect(payload({ trackerTiers: [urls(MAX_CREATE_TIER_TRACKERS), urls(MAX_CREATE_TRACKERS - MAX_CREATE_TIER_TRACKERS, 1000), urls(1, 2000)] })).toThrow(
      /createTorrent.trackerTiers: expected at most 100 trackers in all \(got 101\)/,
    );
    expect(payload({ trackerTiers: [urls(MAX_CREATE_TIER_TRACKERS + 1)] })).toThrow(/trackerTiers\[0\]: expected a tier of at most 50 trackers/);
    expect(payload({ trackerTiers: Array.from({ length: MAX_CREATE_TRACKERS + 1 }, (_, i) => urls(1, i)) })).toThrow(/at most 100 items/);
    expect(payload({ trackerTiers: [urls(1), []] })).toThrow(/trackerTiers\[1\]: expected a tier of at least 1 tracker/);
    expect(payload({ trackerTiers: ['http://t.example/announce'] })).toThrow(/trackerTiers\[0\]: expected a tier/);
    // Too many, one of them not even a string: the count is what is refused.
    expect(payload({ trackerTiers: [[...urls(MAX_CREATE_TIER_TRACKERS), 7]] })).toThrow(/at most 50 trackers/);
    expect(payload({ trackerTiers: [] })).not.toThrow();
  });

  it('checks every tracker and web seed URL: length, scheme, host, udp port, no spaces', () => {
    const tracker = (url: unknown) => payload({ trackerTiers: [['http://ok.example/a'], [url]] });
    expect(tracker(`http://t.example/${'a'.repeat(MAX_CREATE_URL)}`)).toThrow(/at most 2048/);
    expect(tracker(`http://t.example/${'a'.repeat(MAX_CREATE_URL - 'http://t.example/'.length)}`)).not.toThrow();
    expect(tracker('ftp://t.example/')).toThrow(/createTorrent.trackerTiers\[1\]\[0\]: expected a tracker URL/);
    expect(tracker('http://t.example/a b')).toThrow(/tracker URL/);
    expect(tracker('http:///announce')).toThrow(/tracker URL/);
    expect(tracker('udp://t.example/announce')).toThrow(/with a port for udp/);
    expect(tracker('not a url')).toThrow(/tracker URL/);
    expect(tracker(42)).toThrow(/tracker URL/);

    const seed = (url: unknown) => payload({ webSeeds: [url] });
    expect(seed('udp://m.example:80/')).toThrow(/createTorrent.webSeeds\[0\]: expected a web seed URL \(http:\/\/, https:\/\/, no spaces\)/);
    expect(seed('ftp://m.example/')).toThrow(/web seed URL/);
    expect(seed('https://m.example/a\tb')).toThrow(/web seed URL/);
    expect(seed(`https://m.example/${'a'.repeat(MAX_CREATE_URL)}`)).toThrow(/at most 2048/);
    const seeds = Array.from({ length: MAX_CREATE_WEB_SEEDS + 1 }, (_, i) => `https://m${i}.example/`);
    expect(payload({ webSeeds: seeds })).toThrow(/createTorrent.webSeeds: expected an array of at most 50 items/);
    expect(payload({ webSeeds: seeds.slice(1) })).not.toThrow();
  });

  it('bounds the source tag, the comment, and the piece size to the offered ones', () => {
    expect(payload({ source: '' })).not.toThrow();
    expect(payload({ source: 's'.repeat(MAX_CREATE_SOURCE_TAG) })).not.toThrow();
    expect(payload({ source: 's'.repeat(MAX_CREATE_SOURCE_TAG + 1) })).toThrow(/createTorrent.source: expected a source tag of at most 256/);
    expect(payload({ source: 'a\nb' })).toThrow(/source tag without control characters/);
    expect(payload({ source: null })).toThrow(/createTorrent.source/);
    expect(payload({ comment: 'c'.repeat(MAX_CREATE_COMMENT + 1) })).toThrow(/at most 4096/);
    expect(payload({ pieceLength: 3 * 16 * 1024 })).toThrow(/pieceLength/);
    expect(payload({ pieceLength: 128 * 1024 * 1024 })).toThrow(/pieceLength/);
    expect(payload({ format: 'v3' })).toThrow(/format/);
    expect(payload({ extra: true })).toThrow(/createTorrent.extra: unknown field/);
    expect(() => parseCommandPayload('createTorrent', { ...good, startSeeding: undefined })).toThrow(/startSeeding/);
  });

  it('cancel takes a job id, the source picker a kind; results are checked on the client side', () => {
    expect(parseCommandPayload('cancelCreateTorrent', { id: 'b1e4-77' })).toEqual({ id: 'b1e4-77' });
    expect(() => parseCommandPayload('cancelCreateTorrent', { id: '../x' })).toThrow(/creation id/);
    expect(() => parseCommandPayload('chooseCreateSource', { kind: 'both' })).toThrow(/kind/);
    expect(parseCommandResult('createTorrent', { id: 'abc' })).toEqual({ id: 'abc' });
    expect(parseCommandResult('chooseCreateSource', { path: null })).toEqual({ path: null });
    expect(() => parseCommandResult('chooseCreateSource', {})).toThrow(/path/);
  });
});

describe('torrentCreation event', () => {
  const done = {
    type: 'torrentCreation',
    id: 'j1',
    state: 'done',
    torrent: { name: 'album', infoHash: 'a'.repeat(40), infoHashV2: 'b'.repeat(64), pieceCount: 7, pieceLength: 16384, totalBytes: 100_000, data: 'ZGU=', seeding: null, seedError: null, notices: [] },
  };

  it('carries each state with its own fields', () => {
    expect(parseServerEvent({ type: 'torrentCreation', id: 'j1', state: 'hashing', hashedBytes: 5, totalBytes: 10 })).toMatchObject({ state: 'hashing' });
    expect(parseServerEvent(done)).toEqual(done);
    expect(parseServerEvent({ type: 'torrentCreation', id: 'j1', state: 'failed', message: 'Nothing at /x' })).toMatchObject({ state: 'failed' });
    expect(parseServerEvent({ type: 'torrentCreation', id: 'j1', state: 'cancelled' })).toMatchObject({ state: 'cancelled' });
  });

  it('refuses unknown states, fields of another state, and a bad hash', () => {
    expect(() => parseServerEvent({ type: 'torrentCreation', id: 'j1', state: 'paused' })).toThrow(/state/);
    expect(() => parseServerEvent({ type: 'torrentCreation', id: 'j1', state: 'cancelled', message: 'x' })).toThrow(/unknown field/);
    expect(() => parseServerEvent({ ...done, torrent: { ...done.torrent, infoHashV2: 'B'.repeat(64) } })).toThrow(/v2 info-hash/);
    expect(() => parseServerEvent({ ...done, torrent: { ...done.torrent, notices: Array(MAX_CREATE_NOTICES + 1).fill('x') } })).toThrow(/notices/);
    expect(() => parseServerEvent({ ...done, torrent: { ...done.torrent, notices: ['x'.repeat(MAX_CREATE_NOTICE_CHARS + 1)] } })).toThrow(/notices/);
    expect(() => parseServerEvent({ ...done, torrent: { ...done.torrent, notices: [7] } })).toThrow(/notices/);
    expect(() => parseServerEvent({ type: 'torrentCreation', id: 'j1', state: 'hashing', hashedBytes: -1, totalBytes: 10 })).toThrow(/hashedBytes/);
  });
});

describe('trackerTierLines', () => {
  it('one tracker per line, a blank line between tiers (several blank lines are one break), duplicates once', () => {
    expect(trackerTierLines(' http://a/ann \r\nudp://b:1\n\n\n  \nhttp://c/ann\nhttp://a/ann\n\nhttp://a/ann\n  \n')).toEqual([['http://a/ann', 'udp://b:1'], ['http://c/ann']]);
    expect(trackerTierLines('http://a/ann\nhttp://b/ann')).toEqual([['http://a/ann', 'http://b/ann']]);
    expect(trackerTierLines('\n\n')).toEqual([]);
    expect(trackerTierLines('')).toEqual([]);
  });
});

describe('urlLines', () => {
  it('one URL per line: blanks and spaces dropped, duplicates once, order kept', () => {
    expect(urlLines(' http://a/ann \r\n\nudp://b:1\nhttp://a/ann\n  \n')).toEqual(['http://a/ann', 'udp://b:1']);
    expect(urlLines('')).toEqual([]);
  });
});
