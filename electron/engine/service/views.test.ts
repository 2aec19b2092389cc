import { describe, expect, it } from 'vitest';
import { MAX_RATE_LIMIT, torrentInfoView as validInfo, fileView as validFile, peerView as validPeer, torrentSummary as validSummary, trackerView as validTracker } from '../../../shared/contract/index.js';
import { FakeSession, FakeTorrent } from './fake-session.js';
import { fileView, infoView, limitsView, peerView, sessionSummary, torrentSummary, trackerView } from './views.js';

const torrent = (): FakeTorrent => new FakeTorrent('b'.repeat(40), 'name', 1000, 10, 4, '/data', false);

describe('views', () => {
  it('summarizes a torrent: progress, and an ETA only while downloading with a rate', () => {
    const t = torrent();
    t.status.fill(2, 0, 4);
    t.downloadRate = 600;
    const s = validSummary(torrentSummary(t), 'summary');
    expect(s).toMatchObject({ size: 10_000, completedBytes: 4000, progress: 0.4, eta: 10, downloadLimit: 0, hasMetadata: true });
    t.state = 'paused';
    expect(torrentSummary(t).eta).toBeNull();
  });

  it('shows size, progress, remaining and ETA over the wanted part (as qBittorrent), the whole torrent as totalSize', () => {
    const t = torrent();
    t.status.fill(2, 0, 5);
    t.downloadRate = 1000;
    const real = t.stats.bind(t);
    // Half the torrent skipped, its wanted half done: 100% and no ETA, though 50% of the whole is there.
    t.stats = () => ({ ...real(), state: 'seeding', completedBytes: 5000, wantedSize: 5000, wantedCompletedBytes: 5000 });
    expect(validSummary(torrentSummary(t), 'summary')).toMatchObject({ size: 5000, totalSize: 10_000, completedBytes: 5000, progress: 1, eta: null });
    // Still downloading the wanted part: remaining and ETA count wanted bytes only.
    t.stats = () => ({ ...real(), completedBytes: 5000, wantedSize: 8000, wantedCompletedBytes: 4000 });
    expect(torrentSummary(t)).toMatchObject({ size: 8000, totalSize: 10_000, completedBytes: 4000, progress: 0.5, eta: 4 });
  });

  it('clamps limits to whole bytes per second within the contract range', () => {
    expect(limitsView({ download: 1500.7, upload: -3 })).toEqual({ downloadLimit: 1500, uploadLimit: 0 });
    expect(limitsView({ download: Number.NaN, upload: 2 * MAX_RATE_LIMIT })).toEqual({ downloadLimit: 0, uploadLimit: MAX_RATE_LIMIT });
  });

  it('sums the session: rates, peers, port and the global limits', async () => {
    const session = new FakeSession({ port: 7000 });
    const a = (await session.add({ kind: 'torrent', bytes: new TextEncoder().encode('d1:ae') })) as FakeTorrent;
    const b = (await session.add({ kind: 'torrent', bytes: new TextEncoder().encode('d1:be') })) as FakeTorrent;
    a.downloadRate = 10;
    b.downloadRate = 5;
    session.setRateLimits({ upload: 4096 });
    expect(sessionSummary(session)).toEqual({ downloadRate: 15, uploadRate: 0, peers: 0, listenPort: 7000, downloadLimit: 0, uploadLimit: 4096 });
  });

  it('makes rows the contract validators accept from out-of-range engine numbers', () => {
    expect(validPeer(peerView({ id: 'p', address: '[::1]:1', client: 'x', incoming: true, flags: 'I', downloadRate: -1, uploadRate: 2, downloaded: 1.5, uploaded: -4, progress: 1.2 }), 'peer')).toMatchObject({
      downloadRate: 0,
      downloaded: 1,
      uploaded: 0,
      progress: 1,
    });
    expect(validFile(fileView({ index: 0, path: 'a', size: 0, completedBytes: 0, priority: 1, pad: false }), 'file').progress).toBe(1);
    expect(validFile(fileView({ index: 1, path: 'b', size: 10, completedBytes: 12, priority: 0, pad: false }), 'file')).toMatchObject({ completedBytes: 10, progress: 1 });
    const tracker = { url: 'udp://t:1', tier: 0, status: 'working' as const, message: null, lastAnnounce: 1000.9, peers: 1, seeders: null, leechers: 2 };
    expect(validTracker(trackerView({ ...tracker, nextAnnounce: -5 }), 'tracker')).toMatchObject({ lastAnnounce: 1000, nextAnnounce: null });
    expect(trackerView({ ...tracker, nextAnnounce: 2000.5 }).nextAnnounce).toBe(2000);
  });

  it('gives the info view the save path from the stats', () => {
    expect(infoView(torrent())).toMatchObject({ infoHash: 'b'.repeat(40), pieceCount: 10, savePath: '/data' });
  });

  it('keeps one hostile torrent from invalidating the whole list: out-of-range names, times, limits and categories are fitted', () => {
    // A magnet's dn may be 60,000 characters; a hand-edited resume record may say anything.
    const t = torrent();
    const real = t.stats.bind(t);
    t.stats = () => ({
      ...real(),
      name: 'n'.repeat(6000),
      error: 'e'.repeat(70_000),
      savePath: '/' + 'p'.repeat(20_000),
      addedAt: -5,
      completedAt: 2 ** 60,
      category: 'a/b',
      seedingLimits: { ratio: 99_999_999, minutes: 5e12 },
    });
    const s = validSummary(torrentSummary(t), 'summary');
    expect(s.name).toHaveLength(4096);
    expect(s).toMatchObject({ addedAt: 0, category: null, ratioLimit: 9998, seedingTimeLimit: 1_000_000_000 });
    t.stats = () => ({ ...real(), addedAt: Number.NaN, completedAt: -1, seedingLimits: { ratio: Number.NaN, minutes: -7.5 } });
    expect(validSummary(torrentSummary(t), 'summary')).toMatchObject({ addedAt: 0, completedAt: null, ratioLimit: -2, seedingTimeLimit: -2 });
    const info = t.info.bind(t);
    t.info = () => ({ ...info(), name: 'n'.repeat(6000), comment: 'c'.repeat(70_000), creationDate: 1.5 });
    expect(validInfo(infoView(t), 'info').name).toHaveLength(4096);
  });

  it('fits the texts of tracker, peer and file rows (a magnet tr= of 10,000 characters broke the Trackers tab)', () => {
    const tracker = { url: 'http://t.example/' + 'a'.repeat(10_000), tier: 0, status: 'error' as const, message: 'm'.repeat(70_000), lastAnnounce: null, peers: 0, seeders: null, leechers: null };
    expect(validTracker(trackerView(tracker), 'tracker').url).toHaveLength(8192);
    const peer = { id: 'i'.repeat(300), address: 'a'.repeat(300), client: 'c'.repeat(2000), incoming: false, flags: 'D', downloadRate: 0, uploadRate: 0, downloaded: 0, uploaded: 0, progress: 0 };
    expect(validPeer(peerView(peer), 'peer').client).toHaveLength(1024);
    expect(validFile(fileView({ index: 0, path: 'p'.repeat(20_000), size: 1, completedBytes: 0, priority: 1, pad: false }), 'file').path).toHaveLength(16 * 1024);
  });
});
