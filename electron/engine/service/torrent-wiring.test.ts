import { describe, expect, it } from 'vitest';
import { FakeTorrent } from './fake-session.js';
import { TorrentWiring } from './torrent-wiring.js';

describe('TorrentWiring', () => {
  it('maps engine events to reactions once per torrent and leaves no listener behind', () => {
    const seen: string[] = [];
    const wiring = new TorrentWiring({
      piecesChanged: () => seen.push('changed'),
      pieceFailed: (_t, i) => seen.push(`failed ${i}`),
      completed: () => seen.push('completed'),
      failed: (_t, m) => seen.push(`error ${m}`),
      metadataArrived: () => seen.push('metadata'),
      filesToChoose: () => seen.push('choose'),
    });
    const t = new FakeTorrent('c'.repeat(40), 'x', 16384, 1, 2, '/tmp', false);
    expect(wiring.attach(t)).toBe(true);
    expect(wiring.attach(t)).toBe(false);
    t.receiveBlock(0, true);
    t.receiveBlock(0, true);
    t.events.emit('filesToChoose');
    t.events.emit('metadata');
    t.events.emit('error', 'disk');
    t.receiveBlock(0);
    t.receiveBlock(0);
    expect(seen).toEqual(['changed', 'changed', 'failed 0', 'choose', 'metadata', 'error disk', 'changed', 'changed', 'changed', 'completed']);
    expect(wiring.detach(t.infoHash)).toBe(true);
    expect(wiring.detach(t.infoHash)).toBe(false);
    expect(t.listenerCount()).toBe(0);
  });
});
