import { mkdir, mkdtemp, readdir, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { base64ToBytes, MAX_CREATE_NOTICES, parseServerEvent, type CreateTorrentPayload, type ServerEvent, type TorrentCreationEvent } from '../../../shared/contract/index.js';
import { type BDict, decode, encode, getDict, getString } from '../bencode/index.js';
import { createTorrent, parseTorrent, type CreateTorrentOptions } from '../metainfo/index.js';
import { FakeSession } from './fake-session.js';
import { MAX_RUNNING_CREATIONS, TesseraService, type ServiceOptions } from './service.js';
import { defaultSettings } from './state.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-create-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function setup(extra: Partial<ServiceOptions> = {}) {
  const session = new FakeSession();
  const service = new TesseraService({
    session,
    // The web host's rule: seeding only from inside the download folder, here the test's folder.
    settings: { ...defaultSettings(dir), confirmAdd: false },
    platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
    creationProgressIntervalMs: 0,
    ...extra,
  });
  const events: ServerEvent[] = [];
  // Every event must pass the contract's validator, as the renderer applies it.
  const conn = service.connect((e) => events.push(parseServerEvent(JSON.parse(JSON.stringify(e)))));
  const creation = () => events.filter((e): e is TorrentCreationEvent => e.type === 'torrentCreation');
  return { session, service, conn, events, creation };
}

function payload(sourcePath: string, over: Partial<CreateTorrentPayload> = {}): CreateTorrentPayload {
  return { sourcePath, format: 'hybrid', pieceLength: null, trackerTiers: [], webSeeds: [], source: '', comment: '', private: false, startSeeding: false, ...over };
}

/** Resolves once `check` holds for the events (each event is delivered synchronously by the service). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setImmediate(r));
}

/** A create function the test steps through: it reports progress when told, and stops at once when its signal is aborted, as the real one does. */
function steppedCreate() {
  let release: (() => void) | null = null;
  const calls: CreateTorrentOptions[] = [];
  const create = async (options: CreateTorrentOptions): Promise<Buffer> => {
    calls.push(options);
    for (let run = 1; run <= 3; run++) {
      await new Promise<void>((resolve, reject) => {
        release = resolve;
        options.signal?.addEventListener('abort', () => reject(options.signal?.reason as Error), { once: true });
      });
      options.onProgress?.(run * 100, 300);
    }
    return createTorrent({ ...options, onProgress: undefined });
  };
  return { create, calls, step: () => release?.() };
}

describe('createTorrent command', () => {
  it('reads back a .torrent of many files with turns of the event loop: tabs and peers are served meanwhile', async () => {
    // 20,000 files: the read-back takes many chunks.
    const files = Array.from({ length: 20_000 }, (_, i) => ({ length: 1, path: [`file-${i}.txt`] }));
    const made = encode({ info: { files, name: 'many', 'piece length': 16384, pieces: Buffer.alloc(40) } });
    let turned = false;
    let turnedBeforeDone: boolean | null = null;
    const { service } = setup({
      createTorrent: () => {
        setImmediate(() => (turned = true));
        return Promise.resolve(made);
      },
    });
    const ended: TorrentCreationEvent[] = [];
    // Seen the moment the job sends its outcome: had the event loop turned since the .torrent was made?
    const conn = service.connect((e) => {
      if (e.type !== 'torrentCreation' || e.state === 'hashing') return;
      turnedBeforeDone ??= turned;
      ended.push(e);
    });
    const source = join(dir, 'src');
    await mkdir(source);
    await writeFile(join(source, 'a.txt'), 'a');
    expect((await conn.handle('createTorrent', payload(source))).ok).toBe(true);
    await until(() => ended.length > 0);
    expect(ended[0]).toMatchObject({ state: 'done', torrent: { name: 'many' } });
    expect(turnedBeforeDone).toBe(true);
  });

  it('hashes a folder with progress, then sends the .torrent (all options applied) and starts seeding it from the folder above', async () => {
    const src = join(dir, 'album');
    await mkdir(src);
    await writeFile(join(src, 'a.flac'), Buffer.alloc(70_000, 1));
    await writeFile(join(src, 'b.flac'), Buffer.alloc(30_000, 2));
    const { conn, session, creation } = setup();
    const reply = await conn.handle(
      'createTorrent',
      payload(src, {
        format: 'v1',
        pieceLength: 16 * 1024,
        trackerTiers: [['http://t.example/announce', 'http://t2.example/announce'], ['udp://u.example:80']],
        webSeeds: ['https://m.example/files/', 'http://m2.example/'],
        source: 'RED',
        comment: 'mine',
        private: true,
        startSeeding: true,
      }),
    );
    if (!reply.ok) throw new Error(reply.error.message);
    const { id } = reply.result as { id: string };
    await until(() => creation().some((e) => e.state !== 'hashing'));
    const events = creation();
    expect(events.every((e) => e.id === id)).toBe(true);
    expect(events.filter((e) => e.state === 'hashing').at(-1)).toMatchObject({ hashedBytes: 100_000, totalBytes: 100_000 });
    const done = events.at(-1);
    if (done?.state !== 'done') throw new Error(`expected done, got ${JSON.stringify(done)}`);
    const meta = parseTorrent(Buffer.from(base64ToBytes(done.torrent.data)));
    expect(meta.name).toBe('album');
    expect(meta.private).toBe(true);
    expect(meta.pieceLength).toBe(16 * 1024);
    expect(meta.announce).toEqual([['http://t.example/announce', 'http://t2.example/announce'], ['udp://u.example:80']]);
    expect(meta.urlList).toEqual(['https://m.example/files/', 'http://m2.example/']);
    expect(getString(getDict(decode(Buffer.from(base64ToBytes(done.torrent.data))) as BDict, 'info')!, 'source')).toBe('RED');
    expect(meta.infoHashV2).toBeNull();
    expect(done.torrent).toMatchObject({ name: 'album', infoHash: meta.infoHashHex, pieceCount: 7, pieceLength: 16 * 1024, totalBytes: 100_000, seedError: null, notices: [] });
    const seeded = session.get(done.torrent.seeding!.infoHash);
    expect(seeded?.stats().savePath).toBe(dir);
    // Nothing written beside the data: the .torrent went back to the UI.
    expect((await readdir(dir)).sort()).toEqual(['album']);
  });

  it('reports what the user should know about the torrent made: a link left out, a web seed given its final slash', async () => {
    const src = join(dir, 'album');
    await mkdir(src);
    await writeFile(join(src, 'a.flac'), Buffer.alloc(20_000, 1));
    await symlink(join(dir, 'nowhere'), join(src, 'gone.flac'));
    const { conn, creation } = setup();
    await conn.handle('createTorrent', payload(src, { webSeeds: ['https://m.example/pub'] }));
    await until(() => creation().some((e) => e.state !== 'hashing'));
    const done = creation().at(-1);
    if (done?.state !== 'done') throw new Error(`expected done, got ${JSON.stringify(done)}`);
    expect(done.torrent.notices).toHaveLength(2);
    expect(done.torrent.notices.join('\n')).toMatch(/gone\.flac.*points nowhere/);
    expect(done.torrent.notices.join('\n')).toContain('https://m.example/pub/');
  });

  it('keeps the first notices and counts the rest, so a folder of dangling links cannot fill the reply', async () => {
    const src = join(dir, 'links');
    await mkdir(src);
    await writeFile(join(src, 'real.bin'), Buffer.alloc(1000, 1));
    for (let i = 0; i < 40; i++) await symlink(join(dir, `nowhere-${i}`), join(src, `gone-${i}`));
    const { conn, creation } = setup();
    await conn.handle('createTorrent', payload(src));
    await until(() => creation().some((e) => e.state !== 'hashing'));
    const done = creation().at(-1);
    if (done?.state !== 'done') throw new Error(`expected done, got ${JSON.stringify(done)}`);
    expect(done.torrent.notices).toHaveLength(MAX_CREATE_NOTICES);
    expect(done.torrent.notices.at(-1)).toBe(`and ${40 - (MAX_CREATE_NOTICES - 1)} more notices (see the log)`);
  });

  it('makes a hybrid by default, not added when seeding was not asked', async () => {
    await writeFile(join(dir, 'one.bin'), Buffer.alloc(40_000, 7));
    const { conn, session, creation } = setup();
    await conn.handle('createTorrent', payload(join(dir, 'one.bin')));
    await until(() => creation().some((e) => e.state === 'done'));
    const done = creation().at(-1);
    if (done?.state !== 'done') throw new Error('not done');
    expect(done.torrent.infoHashV2).toMatch(/^[0-9a-f]{64}$/);
    expect(done.torrent.seeding).toBeNull();
    expect(session.list()).toHaveLength(0);
  });

  it('Cancel aborts the job at once: a cancelled event, no .torrent, nothing added', async () => {
    await writeFile(join(dir, 'big.bin'), Buffer.alloc(50_000, 3));
    const stepped = steppedCreate();
    const { conn, session, creation } = setup({ createTorrent: stepped.create });
    const reply = await conn.handle('createTorrent', payload(join(dir, 'big.bin'), { startSeeding: true }));
    const { id } = (reply as { ok: true; result: { id: string } }).result;
    await until(() => stepped.calls.length === 1);
    stepped.step();
    await until(() => creation().length === 1);
    expect(creation()[0]).toMatchObject({ state: 'hashing', hashedBytes: 100, totalBytes: 300 });
    expect(stepped.calls[0]!.signal?.aborted).toBe(false);
    expect(await conn.handle('cancelCreateTorrent', { id })).toEqual({ ok: true, result: null });
    expect(stepped.calls[0]!.signal?.aborted).toBe(true);
    // No further run is waited for.
    await until(() => creation().length === 2);
    expect(creation()[1]).toEqual({ type: 'torrentCreation', id, state: 'cancelled' });
    stepped.step();
    await new Promise((r) => setImmediate(r));
    expect(creation()).toHaveLength(2);
    expect(session.list()).toHaveLength(0);
    // A new job may start once the old one ended.
    expect(await conn.handle('createTorrent', payload(join(dir, 'big.bin')))).toMatchObject({ ok: true });
  });

  it('Cancel once the hashing is complete does not apply: the add for seeding completes and the job reports done with the torrent', async () => {
    await writeFile(join(dir, 'made.bin'), Buffer.alloc(50_000, 4));
    const { conn, session, creation } = setup();
    // Hold the add for seeding, so that Cancel comes while the made torrent is being added.
    let adding: (() => void) | null = null;
    const add = session.add.bind(session);
    session.add = async (...args: Parameters<FakeSession['add']>) => {
      await new Promise<void>((resolve) => (adding = resolve));
      return add(...args);
    };
    const reply = await conn.handle('createTorrent', payload(join(dir, 'made.bin'), { startSeeding: true }));
    const { id } = (reply as { ok: true; result: { id: string } }).result;
    await until(() => adding !== null);
    expect(await conn.handle('cancelCreateTorrent', { id })).toEqual({ ok: true, result: null });
    adding!();
    await until(() => creation().some((e) => e.state !== 'hashing'));
    const last = creation().at(-1);
    if (last?.state !== 'done') throw new Error(`expected done, got ${JSON.stringify(last)}`);
    expect(last.torrent.seeding).toMatchObject({ duplicate: false });
    expect(last.torrent.seedError).toBeNull();
    expect(session.list()).toHaveLength(1);
    expect(session.get(last.torrent.seeding!.infoHash)?.stats().savePath).toBe(dir);
  });

  it("with the engine's own createTorrent, a cancel before the hashing stops it before any run of pieces", async () => {
    // 80 MiB (sparse, so quick to make and read): five 16 MiB jobs for at most 4 v2 hashing threads.
    const big = join(dir, 'big.bin');
    await writeFile(big, '');
    await truncate(big, 80 * 1024 * 1024);
    const runs: number[] = [];
    const { conn, creation } = setup({ createTorrent: (o) => createTorrent({ ...o, onProgress: (h, t) => (runs.push(h), o.onProgress?.(h, t)) }) });
    const reply = await conn.handle('createTorrent', payload(big));
    const { id } = (reply as { ok: true; result: { id: string } }).result;
    // No I/O has happened yet: the job is still looking at the path.
    await conn.handle('cancelCreateTorrent', { id });
    await until(() => creation().length > 0);
    expect(creation()).toEqual([{ type: 'torrentCreation', id, state: 'cancelled' }]);
    // Aborted before the hashing began: not one run was hashed (onProgress's throw stopped only after the first).
    expect(runs).toEqual([]);
  });

  it('fails clearly for a missing path, an empty folder and empty files; refuses a relative path and a second job', async () => {
    const { conn, creation } = setup();
    const failure = async (source: string): Promise<string> => {
      const before = creation().length;
      const r = await conn.handle('createTorrent', payload(source));
      if (!r.ok) throw new Error(r.error.message);
      await until(() => creation().length > before && creation().at(-1)!.state !== 'hashing');
      const last = creation().at(-1)!;
      return last.state === 'failed' ? last.message : `not failed: ${last.state}`;
    };
    expect(await failure(join(dir, 'nope'))).toMatch(/^Nothing at .*nope: no such file or folder/);
    await mkdir(join(dir, 'empty'));
    expect(await failure(join(dir, 'empty'))).toMatch(/contains no files/);
    await mkdir(join(dir, 'zeros'));
    await writeFile(join(dir, 'zeros', 'z'), '');
    expect(await failure(join(dir, 'zeros'))).toMatch(/every file is empty/);

    expect(await conn.handle('createTorrent', payload('relative/path'))).toMatchObject({ ok: false, error: { code: 'invalid-payload', message: expect.stringMatching(/absolute path/) } });

    const stepped = steppedCreate();
    const busy = setup({ createTorrent: stepped.create });
    await writeFile(join(dir, 'f'), 'x');
    expect(await busy.conn.handle('createTorrent', payload(join(dir, 'f')))).toMatchObject({ ok: true });
    expect(await busy.conn.handle('createTorrent', payload(join(dir, 'f')))).toMatchObject({ ok: false, error: { code: 'unsupported', message: expect.stringMatching(/already being created/) } });
  });

  it(`runs at most ${MAX_RUNNING_CREATIONS} jobs across connections, and a closed connection's job is cancelled`, async () => {
    await writeFile(join(dir, 'f'), 'x');
    const stepped = steppedCreate();
    const { service, conn } = setup({ createTorrent: stepped.create });
    const others = Array.from({ length: MAX_RUNNING_CREATIONS }, () => service.connect(() => undefined));
    expect(await conn.handle('createTorrent', payload(join(dir, 'f')))).toMatchObject({ ok: true });
    for (const o of others.slice(1)) expect(await o.handle('createTorrent', payload(join(dir, 'f')))).toMatchObject({ ok: true });
    expect(await others[0]!.handle('createTorrent', payload(join(dir, 'f')))).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    conn.close();
    // The closed connection's job is no longer counted: another may start.
    expect(await others[0]!.handle('createTorrent', payload(join(dir, 'f')))).toMatchObject({ ok: true });
  });

  it('on the web host, Start seeding from outside the download folder fails before hashing; the desktop app seeds from anywhere', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'tessera-outside-'));
    try {
      await writeFile(join(outside, 'f.bin'), Buffer.alloc(20_000, 4));
      const hashed: string[] = [];
      const create = (o: CreateTorrentOptions) => (hashed.push(o.sourcePath), createTorrent(o));
      const web = setup({ createTorrent: create });
      await web.conn.handle('createTorrent', payload(join(outside, 'f.bin'), { startSeeding: true }));
      await until(() => web.creation().length > 0);
      expect(web.creation()[0]).toMatchObject({ state: 'failed', message: expect.stringMatching(/^Start seeding works here only for files inside the download folder/) });
      expect(hashed).toEqual([]);
      // Only the .torrent: fine from anywhere.
      await web.conn.handle('createTorrent', payload(join(outside, 'f.bin')));
      await until(() => web.creation().length > 1 && web.creation().at(-1)!.state !== 'hashing');
      expect(web.creation().at(-1)).toMatchObject({ state: 'done' });

      const desktop = setup({ platform: { capabilities: { transport: 'electron', chooseDownloadDir: true, openFolder: true }, seedCreatedAnywhere: true } });
      await desktop.conn.handle('createTorrent', payload(join(outside, 'f.bin'), { startSeeding: true }));
      await until(() => desktop.creation().some((e) => e.state !== 'hashing'));
      const done = desktop.creation().at(-1);
      if (done?.state !== 'done') throw new Error(`not done: ${JSON.stringify(done)}`);
      expect(desktop.session.get(done.torrent.seeding!.infoHash)?.stats().savePath).toBe(outside);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it("chooseCreateSource is main's dialog: unsupported on the web host, the chosen path on the desktop", async () => {
    expect(await setup().conn.handle('chooseCreateSource', { kind: 'folder' })).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    const asked: string[] = [];
    const desktop = setup({
      platform: {
        capabilities: { transport: 'electron', chooseDownloadDir: true, openFolder: true },
        chooseSourcePath: async (kind) => {
          asked.push(kind);
          return kind === 'file' ? '/home/u/film.mkv' : null;
        },
      },
    });
    expect(await desktop.conn.handle('chooseCreateSource', { kind: 'file' })).toEqual({ ok: true, result: { path: '/home/u/film.mkv' } });
    expect(await desktop.conn.handle('chooseCreateSource', { kind: 'folder' })).toEqual({ ok: true, result: { path: null } });
    expect(asked).toEqual(['file', 'folder']);
  });
});
