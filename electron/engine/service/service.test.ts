import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { allFilesRun, applySummaryChange, base64ToBytes, bytesToBase64, decodePieceChanges, encodeFilePriorityChanges, parseServerEvent, PieceState, type ServerEvent, type Settings, type TorrentSummary } from '../../../shared/contract/index.js';
import { FakeSession, type FakeTorrent } from './fake-session.js';
import { TesseraService, type ServicePlatform } from './service.js';
import { defaultSettings, loadSettings, saveSettings } from './state.js';
import { torrentSummary } from './views.js';

const settings: Settings = {
  downloadDir: '/downloads',
  listenPort: 6881,
  maxPeersPerTorrent: 50,
  notifyOnComplete: true,
  downloadLimit: 0,
  uploadLimit: 0,
  encryption: 'allow',
  confirmAdd: false,
};
const webPlatform: ServicePlatform = { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } };
const torrentBytes = (seed: string): string => bytesToBase64(new TextEncoder().encode(`d4:name${seed.length}:${seed}e`));

function setup(options: { platform?: ServicePlatform; pieceCount?: number } = {}) {
  const session = new FakeSession({ spec: { pieceCount: options.pieceCount ?? 64, blocksPerPiece: 4 } });
  const saved: Settings[] = [];
  const service = new TesseraService({
    session,
    settings,
    saveSettings: (s) => {
      saved.push(s);
    },
    platform: options.platform ?? webPlatform,
  });
  const events: ServerEvent[] = [];
  const conn = service.connect((e) => {
    // Every event the service sends must pass the contract's own validator.
    events.push(parseServerEvent(JSON.parse(JSON.stringify(e))));
  });
  return { session, service, conn, events, saved };
}

async function addOne(conn: ReturnType<typeof setup>['conn'], session: FakeSession, seed = 'x'): Promise<FakeTorrent> {
  const reply = await conn.handle('addTorrentFile', { fileName: `${seed}.torrent`, data: torrentBytes(seed) });
  if (!reply.ok) throw new Error(reply.error.message);
  const hash = (reply.result as { infoHash: string }).infoHash;
  const t = session.get(hash);
  if (!t) throw new Error('not added');
  return t;
}

describe('TesseraService commands', () => {
  it('subscribe sends a snapshot with settings and capabilities', async () => {
    const { conn, events } = setup();
    expect(await conn.handle('subscribe', {})).toEqual({ ok: true, result: null });
    expect(events[0]).toMatchObject({ type: 'snapshot', torrents: [], settings, capabilities: { transport: 'web' } });
  });

  it('adds a torrent, reports duplicates, and announces it to subscribers', async () => {
    const { conn, events, session } = setup();
    await conn.handle('subscribe', {});
    const first = await conn.handle('addTorrentFile', { fileName: 'a.torrent', data: torrentBytes('a') });
    expect(first).toMatchObject({ ok: true, result: { duplicate: false } });
    const again = await conn.handle('addTorrentFile', { fileName: 'a.torrent', data: torrentBytes('a') });
    expect(again).toMatchObject({ ok: true, result: { duplicate: true } });
    expect(session.list()).toHaveLength(1);
    expect(events.filter((e) => e.type === 'torrentAdded')).toHaveLength(1);
    expect(session.list()[0]?.savePath).toBe('/downloads');
  });

  it('rejects bad payloads with invalid-payload and never throws', async () => {
    const { conn } = setup();
    const bad: Array<[unknown, unknown]> = [
      ['pause', { infoHash: 'nope' }],
      ['pause', null],
      ['remove', { infoHash: 'a'.repeat(40) }],
      ['addTorrentFile', { fileName: 'x', data: '%%%%' }],
      ['addTorrentFile', { fileName: 'x', data: 'QUJD', path: '/etc/passwd' }],
      ['setSettings', { downloadDir: '/etc' }],
      ['setFilePriorities', { infoHash: 'a'.repeat(40), priorities: [{ index: 0, priority: 9 }] }],
      [42, {}],
      ['__proto__', {}],
      ['constructor', {}],
      [undefined, undefined],
    ];
    for (const [command, payload] of bad) {
      const reply = await conn.handle(command, payload);
      expect(reply.ok, `${String(command)} ${JSON.stringify(payload)}`).toBe(false);
      if (!reply.ok) expect(reply.error.code).toBe('invalid-payload');
    }
  });

  it('maps engine input errors and unknown torrents to typed errors', async () => {
    const { conn } = setup();
    const notTorrent = await conn.handle('addTorrentFile', { fileName: 'cat.png', data: bytesToBase64(new Uint8Array([0x89, 0x50])) });
    expect(notTorrent).toMatchObject({ ok: false, error: { code: 'invalid-torrent', message: 'not a bencoded dictionary' } });
    const empty = await conn.handle('addTorrentFile', { fileName: 'empty.torrent', data: '' });
    expect(empty).toMatchObject({ ok: false, error: { code: 'invalid-torrent' } });
    const notMagnet = await conn.handle('addMagnet', { uri: 'http://example.com' });
    expect(notMagnet).toMatchObject({ ok: false, error: { code: 'invalid-torrent' } });
    const missing = await conn.handle('pause', { infoHash: 'b'.repeat(40) });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('answers a command name that is not the contract\'s (a bad IPC or WebSocket payload) with invalid-payload, and carries on', async () => {
    const { conn, session } = setup();
    for (const name of ['frobnicate', '__proto__', 'toString', 'constructor', '', 42, null, undefined, { command: 'pause' }, ['pause'], 'x'.repeat(10_000)]) {
      const reply = await conn.handle(name, {});
      expect(reply).toMatchObject({ ok: false, error: { code: 'invalid-payload', message: expect.stringMatching(/^unknown command/) } });
      expect((reply as { error: { message: string } }).error.message.length).toBeLessThan(120);
    }
    const t = await addOne(conn, session);
    expect(await conn.handle('pause', { infoHash: t.infoHash })).toEqual({ ok: true, result: null });
  });

  it('wraps an engine that throws unexpectedly as internal', async () => {
    const { conn, session } = setup();
    const t = await addOne(conn, session);
    t.pause = () => Promise.reject(new Error('disk on fire\nstack...'));
    expect(await conn.handle('pause', { infoHash: t.infoHash })).toEqual({ ok: false, error: { code: 'internal', message: 'disk on fire' } });
  });

  it('setFilePriorities hands the engine each file once, the last priority named winning', async () => {
    // Each engine call walks the file's pieces: 2,000 entries for one file of a 20,000-piece
    // torrent took 1.8 s, and the contract allows 1,000,000 (a quarter of an hour of a stalled main process).
    const { conn, session } = setup();
    const t = await addOne(conn, session);
    const calls: Array<[number, number]> = [];
    t.setFilePriority = (index, priority) => {
      calls.push([index, priority]);
      t.priorities[index] = priority;
    };
    const priorities = [...Array.from({ length: 99_999 }, (_, i) => ({ index: 0, priority: (i % 2) as 0 | 1 })), { index: 1, priority: 2 as const }];
    expect(await conn.handle('setFilePriorities', { infoHash: t.infoHash, priorities })).toEqual({ ok: true, result: null });
    expect(calls).toEqual([[0, 0], [1, 2]]);
    expect(t.priorities).toEqual([0, 2]);
  });

  it('setFilePriorities takes packed runs ("all files" is one), and refuses bad ones before changing anything', async () => {
    const { conn, session } = setup();
    const t = await addOne(conn, session);
    const h = t.infoHash;
    expect(await conn.handle('setFilePriorities', { infoHash: h, runs: allFilesRun(2, 2) })).toEqual({ ok: true, result: null });
    expect(t.priorities).toEqual([2, 2]);
    expect(await conn.handle('setFilePriorities', { infoHash: h, runs: encodeFilePriorityChanges([{ index: 1, priority: 0 }]) })).toEqual({ ok: true, result: null });
    expect(t.priorities).toEqual([2, 0]);
    expect(await conn.handle('setFilePriorities', { infoHash: h, runs: allFilesRun(3, 1) })).toEqual({
      ok: false,
      error: { code: 'invalid-payload', message: 'setFilePriorities: file index 2 out of range (torrent has 2 files)' },
    });
    expect(await conn.handle('setFilePriorities', { infoHash: h, runs: 'AQEAAA==', priorities: [] })).toMatchObject({ ok: false, error: { code: 'invalid-payload', message: expect.stringContaining('both priorities and runs') } });
    expect(await conn.handle('setFilePriorities', { infoHash: h, runs: bytesToBase64(new Uint8Array([1, 1, 0, 9, 2, 1, 1, 0])) })).toMatchObject({
      ok: false,
      error: { code: 'invalid-payload', message: expect.stringContaining('gives file 1 two priorities') },
    });
    expect(t.priorities).toEqual([2, 0]);
  });

  it('pause/resume/sequential/priorities/remove reach the engine', async () => {
    const { conn, session } = setup();
    const t = await addOne(conn, session);
    const h = t.infoHash;
    expect((await conn.handle('pause', { infoHash: h })).ok).toBe(true);
    expect(t.state).toBe('paused');
    expect((await conn.handle('resume', { infoHash: h })).ok).toBe(true);
    expect(t.state).toBe('downloading');
    expect(await conn.handle('recheck', { infoHash: h })).toEqual({ ok: true, result: null });
    expect(t.rechecks).toBe(1);
    expect((await conn.handle('setSequential', { infoHash: h, sequential: true })).ok).toBe(true);
    expect(t.sequential).toBe(true);
    expect((await conn.handle('setFilePriorities', { infoHash: h, priorities: [{ index: 1, priority: 0 }] })).ok).toBe(true);
    expect(t.priorities).toEqual([1, 0]);
    expect(await conn.handle('setFilePriorities', { infoHash: h, priorities: [{ index: 5, priority: 0 }] })).toMatchObject({
      ok: false,
      error: { code: 'invalid-payload' },
    });
    const files = await conn.handle('getFiles', { infoHash: h });
    expect(files.ok && (files.result as unknown[]).length).toBe(2);
    expect((await conn.handle('getPeers', { infoHash: h })).ok).toBe(true);
    expect((await conn.handle('getTrackers', { infoHash: h })).ok).toBe(true);
    // The fake engine cannot diagnose: a clear 'unsupported', not a crash.
    expect(await conn.handle('getHealth', { infoHash: h })).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    expect(await conn.handle('getInfo', { infoHash: h })).toMatchObject({ ok: true, result: { infoHash: h, savePath: '/downloads' } });
    expect((await conn.handle('remove', { infoHash: h, deleteData: false })).ok).toBe(true);
    expect(session.list()).toHaveLength(0);
    expect(t.listenerCount()).toBe(0);
  });

  it('settings: patch is saved and broadcast; the web transport cannot open dialogs or folders', async () => {
    const { conn, events, saved } = setup();
    await conn.handle('subscribe', {});
    expect(await conn.handle('setSettings', { listenPort: 7000 })).toMatchObject({ ok: true, result: { listenPort: 7000, downloadDir: '/downloads' } });
    expect(saved).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'settings', settings: { listenPort: 7000 } });
    expect(await conn.handle('chooseDownloadDir', {})).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    expect(await conn.handle('openFolder', {})).toEqual({ ok: true, result: { path: '/downloads', opened: false } });
  });

  it('settings: the platform dialog chooses the download dir and openFolder uses the platform', async () => {
    const opened: string[] = [];
    const platform: ServicePlatform = {
      capabilities: { transport: 'electron', chooseDownloadDir: true, openFolder: true },
      chooseDirectory: async () => '/chosen',
      openPath: async (p) => {
        opened.push(p);
      },
    };
    const { conn } = setup({ platform });
    expect(await conn.handle('chooseDownloadDir', {})).toMatchObject({ ok: true, result: { changed: true, settings: { downloadDir: '/chosen' } } });
    expect(await conn.handle('openFolder', {})).toEqual({ ok: true, result: { path: '/chosen', opened: true } });
    expect(opened).toEqual(['/chosen']);
  });
});

describe('TesseraService speed limits, peers and encryption', () => {
  it('setSettings reaches the session at once: limits in bytes/s, max peers, encryption', async () => {
    const { conn, session, events, saved } = setup();
    await conn.handle('subscribe', {});
    const reply = await conn.handle('setSettings', { downloadLimit: 500 * 1024, uploadLimit: 64 * 1024, maxPeersPerTorrent: 12, encryption: 'require' });
    expect(reply).toMatchObject({ ok: true, result: { downloadLimit: 512000, uploadLimit: 65536, maxPeersPerTorrent: 12, encryption: 'require' } });
    expect(session.rateLimits()).toEqual({ download: 512000, upload: 65536 });
    expect(session.maxPeersPerTorrent).toBe(12);
    expect(session.encryption).toBe('require');
    expect(saved.at(-1)).toMatchObject({ downloadLimit: 512000, uploadLimit: 65536, maxPeersPerTorrent: 12, encryption: 'require' });
    expect(events.at(-1)).toMatchObject({ type: 'settings', settings: { downloadLimit: 512000, encryption: 'require' } });

    // Back to unlimited; only the field sent changes.
    expect((await conn.handle('setSettings', { downloadLimit: 0 })).ok).toBe(true);
    expect(session.rateLimits()).toEqual({ download: 0, upload: 65536 });
    expect(session.encryption).toBe('require');
  });

  it('the session summary shows the limits in effect in the engine', async () => {
    vi.useFakeTimers();
    try {
      const { conn, session, events } = setup();
      await conn.handle('subscribe', {});
      expect(events[0]).toMatchObject({ type: 'snapshot', session: { downloadLimit: 0, uploadLimit: 0 } });
      session.setRateLimits({ download: 2048 }); // changed behind the service's back: the summary follows the engine
      vi.advanceTimersByTime(300);
      expect(events.filter((e) => e.type === 'summaryChanges').at(-1)).toMatchObject({ session: { downloadLimit: 2048, uploadLimit: 0 } });
    } finally {
      vi.useRealTimers();
    }
  });

  it('applies the stored settings to the session when it starts', () => {
    const session = new FakeSession();
    new TesseraService({
      session,
      settings: { ...settings, downloadLimit: 1024 * 1024, uploadLimit: 10 * 1024, maxPeersPerTorrent: 7, encryption: 'disable' },
      platform: webPlatform,
    });
    expect(session.rateLimits()).toEqual({ download: 1048576, upload: 10240 });
    expect(session.maxPeersPerTorrent).toBe(7);
    expect(session.encryption).toBe('disable');
  });

  it('settings survive a restart through settings.json and reach the new session', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-service-'));
    try {
      const defaults = defaultSettings('/downloads');
      const first = new TesseraService({
        session: new FakeSession(),
        settings: await loadSettings(dir, defaults),
        saveSettings: (s) => saveSettings(dir, s),
        platform: webPlatform,
      });
      const conn = first.connect(() => undefined);
      expect((await conn.handle('setSettings', { downloadLimit: 300 * 1024, uploadLimit: 20 * 1024, encryption: 'require', maxPeersPerTorrent: 33 })).ok).toBe(true);
      await first.close();

      const again = new FakeSession();
      const second = new TesseraService({ session: again, settings: await loadSettings(dir, defaults), platform: webPlatform });
      expect(second.getSettings()).toMatchObject({ downloadLimit: 307200, uploadLimit: 20480, encryption: 'require', maxPeersPerTorrent: 33 });
      expect(again.rateLimits()).toEqual({ download: 307200, upload: 20480 });
      expect(again.encryption).toBe('require');
      expect(again.maxPeersPerTorrent).toBe(33);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('bad settings are refused before anything changes', async () => {
    const { conn, session, saved } = setup();
    for (const payload of [{ downloadLimit: -1 }, { uploadLimit: 2.5 }, { downloadLimit: '10' }, { encryption: 'maybe' }, { maxPeersPerTorrent: 0 }]) {
      expect(await conn.handle('setSettings', payload)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
    expect(saved).toEqual([]);
    expect(session.rateLimits()).toEqual({ download: 0, upload: 0 });
  });

  it('per-torrent limits and first/last pieces first reach the torrent and show in its summary', async () => {
    const { conn, session, events } = setup();
    await conn.handle('subscribe', {});
    const t = await addOne(conn, session);
    const h = t.infoHash;
    expect(events.find((e) => e.type === 'torrentAdded')).toMatchObject({ torrent: { firstLastPiecesFirst: false, downloadLimit: 0, uploadLimit: 0 } });

    expect(await conn.handle('setTorrentLimits', { infoHash: h, download: 100 * 1024, upload: 0 })).toEqual({ ok: true, result: null });
    expect(t.rateLimits()).toEqual({ download: 102400, upload: 0 });
    expect(await conn.handle('setFirstLastPiecesFirst', { infoHash: h, firstLastPiecesFirst: true })).toEqual({ ok: true, result: null });
    expect(t.firstLastPiecesFirst).toBe(true);

    events.length = 0;
    await conn.handle('subscribe', {});
    expect(events[0]).toMatchObject({ type: 'snapshot', torrents: [{ infoHash: h, firstLastPiecesFirst: true, downloadLimit: 102400, uploadLimit: 0 }] });

    expect((await conn.handle('setFirstLastPiecesFirst', { infoHash: h, firstLastPiecesFirst: false })).ok).toBe(true);
    expect(t.firstLastPiecesFirst).toBe(false);
    expect((await conn.handle('setSequential', { infoHash: h, sequential: true })).ok).toBe(true);
    events.length = 0;
    await conn.handle('subscribe', {});
    expect(events[0]).toMatchObject({ type: 'snapshot', torrents: [{ firstLastPiecesFirst: false, sequential: true }] });
  });

  it('per-torrent commands: bad payloads and unknown torrents', async () => {
    const { conn, session } = setup();
    const t = await addOne(conn, session);
    const h = t.infoHash;
    const bad: Array<[string, unknown]> = [
      ['setTorrentLimits', { infoHash: h, download: -1, upload: 0 }],
      ['setTorrentLimits', { infoHash: h, download: 1 }],
      ['setTorrentLimits', { infoHash: h, download: 0, upload: Number.NaN }],
      ['setTorrentLimits', { infoHash: h, download: 0, upload: 0, extra: 1 }],
      ['setFirstLastPiecesFirst', { infoHash: h, firstLastPiecesFirst: 1 }],
      ['setFirstLastPiecesFirst', { infoHash: h }],
    ];
    for (const [command, payload] of bad) {
      expect(await conn.handle(command, payload), JSON.stringify(payload)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
    expect(t.rateLimits()).toEqual({ download: 0, upload: 0 });
    const other = 'c'.repeat(40);
    expect(await conn.handle('setTorrentLimits', { infoHash: other, download: 1, upload: 1 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await conn.handle('setFirstLastPiecesFirst', { infoHash: other, firstLastPiecesFirst: true })).toMatchObject({ ok: false, error: { code: 'not-found' } });

  });

  it('a removed and re-added torrent starts with first/last off again (as in the engine)', async () => {
    const { conn, session, service } = setup();
    const t = await addOne(conn, session);
    await conn.handle('setFirstLastPiecesFirst', { infoHash: t.infoHash, firstLastPiecesFirst: true });
    await conn.handle('remove', { infoHash: t.infoHash, deleteData: false });
    await addOne(conn, session);
    const events: ServerEvent[] = [];
    const probe = service.connect((e) => events.push(e));
    await probe.handle('subscribe', {});
    expect(events[0]).toMatchObject({ type: 'snapshot', torrents: [{ infoHash: t.infoHash, firstLastPiecesFirst: false }] });
  });
});

describe('TesseraService events', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('10k block events in a burst produce a bounded number of piece deltas that add up to the engine state', async () => {
    const { conn, events, session } = setup({ pieceCount: 3000 });
    await conn.handle('subscribe', {});
    const t = await addOne(conn, session);
    await conn.handle('watchPieces', { infoHash: t.infoHash });
    const snapshot = events.find((e) => e.type === 'piecesSnapshot');
    expect(snapshot).toMatchObject({ seq: 0, pieceCount: 3000 });

    // 10 000 blocks within one second: 2500 pieces complete, some fail once.
    for (let k = 0; k < 10_000; k++) {
      const piece = Math.floor(k / 4);
      t.receiveBlock(piece, piece % 97 === 3 && k % 4 === 3);
      if (k % 1000 === 999) vi.advanceTimersByTime(100);
    }
    vi.advanceTimersByTime(2000);

    const deltas = events.filter((e) => e.type === 'piecesDelta');
    // ~1 s of activity + flush of the failed pieces' next state: at most a handful.
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.length).toBeLessThanOrEqual(8);
    expect(deltas.map((d) => d.seq)).toEqual(deltas.map((_, i) => i + 1));

    // Replaying snapshot + deltas gives the engine's state.
    if (snapshot?.type !== 'piecesSnapshot') throw new Error('no snapshot');
    const states = base64ToBytes(snapshot.states);
    let sawFailed = 0;
    for (const d of deltas) {
      if (d.type !== 'piecesDelta') continue;
      for (const [i, s] of decodePieceChanges(d.changes)) {
        states[i] = s;
        if (s === PieceState.Failed) sawFailed++;
      }
    }
    expect(states).toEqual(t.pieceStatus());
    expect(sawFailed).toBe(Math.ceil(2500 / 97));
  });

  it('summaries are rate limited and only sent when something changed', async () => {
    const { conn, events, session } = setup();
    await conn.handle('subscribe', {});
    const t = await addOne(conn, session);
    for (let ms = 0; ms < 1000; ms += 5) {
      t.receiveBlock(Math.floor(ms / 20) % 64);
      vi.advanceTimersByTime(5);
    }
    const summaries = events.filter((e) => e.type === 'summaryChanges');
    expect(summaries.length).toBeGreaterThan(0);
    expect(summaries.length).toBeLessThanOrEqual(4);
    const before = events.length;
    vi.advanceTimersByTime(2000); // nothing changes
    expect(events.filter((e, i) => i >= before && e.type === 'summaryChanges').length).toBeLessThanOrEqual(1);
  });

  it('summary changes replayed on the snapshot give every subscriber the engine\'s rows', async () => {
    const { conn, events, session, service } = setup();
    await conn.handle('subscribe', {});
    const a = await addOne(conn, session, 'a');
    await addOne(conn, session, 'b');
    const late: ServerEvent[] = [];
    const replay = (list: readonly ServerEvent[]): Map<string, TorrentSummary> => {
      const rows = new Map<string, TorrentSummary>();
      for (const e of list) {
        if (e.type === 'snapshot') {
          rows.clear();
          for (const t of e.torrents) rows.set(t.infoHash, t);
        } else if (e.type === 'torrentAdded') rows.set(e.torrent.infoHash, e.torrent);
        else if (e.type === 'summaryChanges') {
          for (const c of e.torrents) {
            const row = rows.get(c.infoHash);
            if (row) rows.set(c.infoHash, applySummaryChange(row, c));
          }
        }
      }
      return rows;
    };
    for (let ms = 0; ms < 2000; ms += 10) {
      if (ms < 1500) a.receiveBlock(Math.floor(ms / 40) % 64);
      a.downloadRate = ms < 1500 ? 1000 + ms : 0;
      if (ms === 700) await service.connect((e) => late.push(e)).handle('subscribe', {}); // joins midway
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(500);
    const truth = new Map(session.list().map((t) => [t.infoHash, torrentSummary(t)]));
    expect(replay(events)).toEqual(truth);
    expect(replay(late)).toEqual(truth);
    expect(events.some((e) => e.type === 'summaryChanges' && e.torrents.some((c) => 'name' in c))).toBe(false); // only what changed travels
  });

  it('1,000 torrents with one downloading cost each UI under 10 KB/s of summaries', async () => {
    const { conn, session, service } = setup({ pieceCount: 4096 });
    for (let i = 0; i < 1000; i++) await session.add({ kind: 'torrent', bytes: new TextEncoder().encode(`d4:name${String(i).length + 1}:t${i}e`) });
    expect(session.list()).toHaveLength(1000);
    let bytes = 0;
    const ui = service.connect((e) => {
      bytes += JSON.stringify(e).length;
    });
    await ui.handle('subscribe', {});
    const snapshotBytes = bytes;
    bytes = 0;
    const t = session.list()[500];
    if (!t) throw new Error('no torrent');
    const seconds = 10;
    for (let ms = 0; ms < seconds * 1000; ms += 5) {
      t.receiveBlock(Math.floor(ms / 20) % 4096);
      t.downloadRate = 4_000_000 + (ms % 1000);
      vi.advanceTimersByTime(5);
    }
    const perSecond = bytes / seconds;
    expect(snapshotBytes).toBeGreaterThan(400_000); // the whole list, once
    expect(perSecond).toBeGreaterThan(0);
    expect(perSecond).toBeLessThanOrEqual(10 * 1024);
    conn.close();
  });

  it('completion and errors are notified; the platform hook runs', async () => {
    const completed: string[] = [];
    const { conn, events, session } = setup({
      platform: { ...webPlatform, onCompleted: (s) => completed.push(s.name) },
      pieceCount: 2,
    });
    await conn.handle('subscribe', {});
    const t = await addOne(conn, session);
    for (let k = 0; k < 8; k++) t.receiveBlock(Math.floor(k / 4));
    t.events.emit('error', 'disk full\nat ...');
    expect(events.filter((e) => e.type === 'completed')).toHaveLength(1);
    expect(events.find((e) => e.type === 'torrentError')).toMatchObject({ message: 'disk full' });
    expect(completed).toEqual([t.name]);
  });

  it('availability changes reach watchers at most about once a second', async () => {
    const { conn, events, session } = setup({ pieceCount: 10 });
    await conn.handle('subscribe', {});
    const t = await addOne(conn, session);
    await conn.handle('watchPieces', { infoHash: t.infoHash });
    for (let i = 0; i < 40; i++) {
      t.avail[i % 10] = i;
      vi.advanceTimersByTime(100);
    }
    t.avail.fill(300); // clamped to 255 on the wire
    vi.advanceTimersByTime(1500);
    const withAvail = events.filter((e) => e.type === 'piecesDelta' && e.availability !== undefined);
    expect(withAvail.length).toBeGreaterThanOrEqual(2);
    expect(withAvail.length).toBeLessThanOrEqual(7);
    const last = withAvail.at(-1);
    if (last?.type !== 'piecesDelta' || !last.availability) throw new Error('no availability');
    expect([...base64ToBytes(last.availability)].every((v) => v === 255)).toBe(true);
  });

  it('unwatch, remove and disconnect stop piece events', async () => {
    const { conn, events, session, service } = setup();
    await conn.handle('subscribe', {});
    const t = await addOne(conn, session);
    await conn.handle('watchPieces', { infoHash: t.infoHash });
    await conn.handle('unwatchPieces', { infoHash: t.infoHash });
    t.receiveBlock(0);
    vi.advanceTimersByTime(1000);
    expect(events.filter((e) => e.type === 'piecesDelta')).toHaveLength(0);

    await conn.handle('watchPieces', { infoHash: t.infoHash });
    conn.close();
    t.receiveBlock(1);
    vi.advanceTimersByTime(1000);
    expect(events.filter((e) => e.type === 'piecesDelta')).toHaveLength(0);
    expect(await conn.handle('getSettings', {})).toMatchObject({ ok: false });
    await service.close();
    expect(t.listenerCount()).toBe(0);
  });

  it('a listener that throws does not break the service', async () => {
    const session = new FakeSession();
    const service = new TesseraService({ session, settings, platform: webPlatform });
    const conn = service.connect(() => {
      throw new Error('socket gone');
    });
    expect(await conn.handle('subscribe', {})).toEqual({ ok: true, result: null });
    expect((await conn.handle('addTorrentFile', { fileName: 'a', data: torrentBytes('a') })).ok).toBe(true);
  });
});
