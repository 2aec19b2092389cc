import { describe, expect, it } from 'vitest';
import { bytesToBase64, type CreatedTorrent, type TorrentCreationEvent } from '../../../shared/contract/index.js';
import { ClosedCreations, MAX_CLOSED_CREATIONS } from './closedCreations.js';

const BYTES = new TextEncoder().encode('d4:infod6:lengthi1e4:name5:albumee');
const created: CreatedTorrent = {
  name: 'album', infoHash: 'a'.repeat(40), infoHashV2: null, pieceCount: 1, pieceLength: 16384, totalBytes: 1,
  data: bytesToBase64(BYTES), seeding: { infoHash: 'a'.repeat(40), name: 'album', duplicate: false }, seedError: null, notices: [],
};
const done = (id: string, torrent: CreatedTorrent = created): TorrentCreationEvent => ({ type: 'torrentCreation', id, state: 'done', torrent });

function setup() {
  const saved: Array<{ bytes: Uint8Array; fileName: string }> = [];
  const notices: Array<[string, string]> = [];
  const closed = new ClosedCreations({ save: (bytes, fileName) => saved.push({ bytes, fileName }), notify: (level, message) => notices.push([level, message]) });
  return { closed, saved, notices };
}

describe('ClosedCreations: a Create torrent job whose dialog closed', () => {
  it('ending done after all (its hashing was complete, the torrent added): offers its .torrent and says so', () => {
    const { closed, saved, notices } = setup();
    closed.follow('job1');
    closed.onEvent({ type: 'torrentCreation', id: 'job1', state: 'hashing', hashedBytes: 1, totalBytes: 1 });
    expect(saved).toEqual([]);
    closed.onEvent(done('job1'));
    expect(saved.map((s) => s.fileName)).toEqual(['album.torrent']);
    expect(saved[0]!.bytes).toEqual(BYTES);
    expect(notices).toEqual([['info', expect.stringMatching(/^Created album and added it for seeding .*album\.torrent was offered for saving/)]]);
    // Once: the job is over.
    closed.onEvent(done('job1'));
    expect(saved).toHaveLength(1);
  });

  it('says when the add for seeding failed; a duplicate is not "added"', () => {
    const { closed, notices } = setup();
    closed.follow('a');
    closed.onEvent(done('a', { ...created, seeding: null, seedError: 'no space' }));
    closed.follow('b');
    closed.onEvent(done('b', { ...created, seeding: { infoHash: 'a'.repeat(40), name: 'album', duplicate: true } }));
    expect(notices).toEqual([
      ['info', expect.stringMatching(/^Created album \(/)],
      ['error', 'album was not added for seeding: no space'],
      ['info', expect.stringMatching(/^Created album \(/)],
    ]);
  });

  it('cancelled in time ends quietly; a failure is told; jobs not followed are none of its business', () => {
    const { closed, saved, notices } = setup();
    closed.follow('a');
    closed.follow('b');
    closed.onEvent({ type: 'torrentCreation', id: 'a', state: 'cancelled' });
    closed.onEvent({ type: 'torrentCreation', id: 'b', state: 'failed', message: 'The .torrent would be 20.0 MiB' });
    closed.onEvent(done('other'));
    expect(saved).toEqual([]);
    expect(notices).toEqual([['error', 'Create torrent failed: The .torrent would be 20.0 MiB']]);
  });

  it('a save that throws becomes a notice pointing at Export', () => {
    const notices: string[] = [];
    const closed = new ClosedCreations({ save: () => { throw new Error('blocked'); }, notify: (_l, m) => notices.push(m) });
    closed.follow('a');
    closed.onEvent(done('a'));
    expect(notices).toEqual([expect.stringMatching(/could not offer album\.torrent for saving \(blocked\): use Export/)]);
  });

  it('follows a bounded number of jobs, and none once the connection closed (the engine stopped them)', () => {
    const { closed, saved } = setup();
    for (let i = 0; i < MAX_CLOSED_CREATIONS + 5; i++) closed.follow(`j${i}`);
    closed.onEvent(done(`j${MAX_CLOSED_CREATIONS}`));
    expect(saved).toEqual([]);
    closed.clear();
    closed.onEvent(done('j0'));
    expect(saved).toEqual([]);
  });
});
