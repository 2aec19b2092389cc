import { describe, expect, it } from 'vitest';
import { bytesToBase64 } from '../../../shared/contract/index.js';
import { addToSession, magnetSource, torrentFileSource } from './add-torrent.js';
import { FakeSession } from './fake-session.js';
import { CommandFailure, toFailure } from './failure.js';

const failure = (f: () => unknown): CommandFailure => {
  try {
    f();
  } catch (err) {
    return toFailure(err);
  }
  throw new Error('did not fail');
};

describe('adding torrents', () => {
  it('decodes .torrent bytes and refuses empty or undecodable ones', () => {
    expect(torrentFileSource({ fileName: 'a.torrent', data: bytesToBase64(new Uint8Array([0x64, 0x65])) })).toEqual({ kind: 'torrent', bytes: new Uint8Array([0x64, 0x65]) });
    expect(failure(() => torrentFileSource({ fileName: 'e.torrent', data: '' }))).toMatchObject({ code: 'invalid-torrent', message: 'e.torrent is empty' });
    expect(failure(() => torrentFileSource({ fileName: 'x', data: '%%%' })).code).toBe('invalid-payload');
  });

  it('accepts only magnet links, trimmed', () => {
    expect(magnetSource({ uri: '  MAGNET:?xt=1 ' })).toEqual({ kind: 'magnet', uri: 'MAGNET:?xt=1' });
    expect(failure(() => magnetSource({ uri: 'http://x' })).code).toBe('invalid-torrent');
  });

  it('recognises duplicates; an invalid torrent is invalid-torrent and is not logged', async () => {
    const session = new FakeSession();
    const logs: string[] = [];
    const options = { savePath: '/s', paused: true, what: 'a.torrent', log: (m: string) => logs.push(m) };
    const source = { kind: 'torrent' as const, bytes: new TextEncoder().encode('d1:ae') };
    const first = await addToSession(session, source, options);
    expect(first.duplicate).toBe(false);
    expect(session.get(first.torrent.infoHash)).toMatchObject({ savePath: '/s', state: 'paused' });
    expect((await addToSession(session, source, options)).duplicate).toBe(true);
    await expect(addToSession(session, { kind: 'torrent', bytes: new Uint8Array([1]) }, options)).rejects.toMatchObject({ code: 'invalid-torrent' });
    expect(logs).toEqual([]);
    session.add = () => Promise.reject(new Error('disk full'));
    await expect(addToSession(session, source, options)).rejects.toMatchObject({ code: 'internal', message: 'disk full' });
    expect(logs).toEqual(['adding a.torrent failed: disk full']);
  });
});
