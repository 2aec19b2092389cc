import { describe, expect, it } from 'vitest';
import {
  CREATE_PIECE_SIZES,
  MAX_CREATE_COMMENT,
  MAX_CREATE_PATH,
  MAX_CREATE_TRACKERS,
  MAX_TRACKER_URL,
  parseCommandPayload,
  parseCommandResult,
  parseServerEvent,
  trackerLines,
  type CreateTorrentPayload,
} from './index.js';

const good: CreateTorrentPayload = {
  source: '/srv/media/album',
  format: 'hybrid',
  pieceLength: null,
  trackers: ['http://tracker.example/announce', 'udp://tracker.example:6969/announce'],
  comment: 'made here',
  private: false,
  startSeeding: true,
};
const payload = (over: Record<string, unknown>) => () => parseCommandPayload('createTorrent', { ...good, ...over });

describe('createTorrent payload', () => {
  it('accepts a full payload, Windows paths and every offered piece size', () => {
    expect(parseCommandPayload('createTorrent', good)).toEqual(good);
    expect(payload({ source: 'C:\\Users\\u\\film.mkv' })).not.toThrow();
    expect(payload({ source: '\\\\server\\share\\x' })).not.toThrow();
    for (const pieceLength of CREATE_PIECE_SIZES) expect(payload({ pieceLength })).not.toThrow();
    expect(CREATE_PIECE_SIZES[0]).toBe(16 * 1024);
    expect(CREATE_PIECE_SIZES.at(-1)).toBe(64 * 1024 * 1024);
  });

  it('refuses relative, empty, over-long and control-character paths', () => {
    expect(payload({ source: 'album' })).toThrow(/createTorrent.source: expected an absolute path/);
    expect(payload({ source: '../etc' })).toThrow(/absolute path/);
    expect(payload({ source: '' })).toThrow(/at least 1/);
    expect(payload({ source: '/' + 'a'.repeat(MAX_CREATE_PATH) })).toThrow(/at most 4096/);
    expect(payload({ source: '/' + 'a'.repeat(MAX_CREATE_PATH - 1) })).not.toThrow();
    expect(payload({ source: '/srv/a\u0000b' })).toThrow(/control characters/);
    expect(payload({ source: '/srv/a\nb' })).toThrow(/control characters/);
  });

  it('bounds the trackers (count, length, scheme), the comment, and the piece size to the offered ones', () => {
    const many = Array.from({ length: MAX_CREATE_TRACKERS + 1 }, (_, i) => `http://t${i}.example/announce`);
    expect(payload({ trackers: many })).toThrow(/at most 100 items/);
    expect(payload({ trackers: many.slice(1) })).not.toThrow();
    expect(payload({ trackers: [`http://t.example/${'a'.repeat(MAX_TRACKER_URL)}`] })).toThrow(/at most 2048/);
    expect(payload({ trackers: ['ftp://t.example/'] })).toThrow(/createTorrent.trackers\[0\]: expected a tracker URL/);
    expect(payload({ trackers: ['http://t.example/a b'] })).toThrow(/tracker URL/);
    expect(payload({ trackers: ['http:///announce'] })).toThrow(/tracker URL/);
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
    torrent: { name: 'album', infoHash: 'a'.repeat(40), infoHashV2: 'b'.repeat(64), pieceCount: 7, pieceLength: 16384, totalBytes: 100_000, data: 'ZGU=', seeding: null, seedError: null },
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
    expect(() => parseServerEvent({ type: 'torrentCreation', id: 'j1', state: 'hashing', hashedBytes: -1, totalBytes: 10 })).toThrow(/hashedBytes/);
  });
});

describe('trackerLines', () => {
  it('one tracker per line: blanks and spaces dropped, duplicates once, order kept', () => {
    expect(trackerLines(' http://a/ann \r\n\nudp://b:1\nhttp://a/ann\n  \n')).toEqual(['http://a/ann', 'udp://b:1']);
    expect(trackerLines('')).toEqual([]);
  });
});
