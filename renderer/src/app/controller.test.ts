import { afterEach, describe, expect, it } from 'vitest';
import { PieceState, allFilesRun, base64ToBytes, bytesToBase64, decodeFilePriorityRuns, encodePieceChanges, parseCommandPayload } from '../../../shared/contract/index.js';
import { FakeTransport } from '../../test/fakeTransport.js';
import { hash, session, summary } from '../../test/fixtures.js';
import { createAppStore } from '../state/store.js';
import { Controller } from './controller.js';

const settings = { downloadDir: '/d', listenPort: 6881, maxPeersPerTorrent: 50, notifyOnComplete: true, downloadLimit: 0, uploadLimit: 0, encryption: 'allow' as const, confirmAdd: false };
const capabilities = { transport: 'web' as const, chooseDownloadDir: false, openFolder: false };
const tick = () => new Promise((r) => setTimeout(r, 0));

let controller: Controller | null = null;
afterEach(() => controller?.stop());

async function setup(torrents = [summary(1), summary(2)]) {
  const t = new FakeTransport();
  const c = new Controller(t.client(), createAppStore(), () => 1000);
  controller = c;
  c.start();
  t.open();
  await tick();
  t.emit({ type: 'snapshot', torrents, session, settings, capabilities, offers: [] });
  return { t, c };
}

function fileOf(name: string, text: string): File {
  return new File([new TextEncoder().encode(text)], name);
}

describe('Controller', () => {
  it('sends file priorities as packed runs the contract takes: all 750,000 files of a torrent in one small message', async () => {
    const { t, c } = await setup();
    const n = 750_000;
    const all = Array.from({ length: n }, (_, index) => ({ index, priority: 0 as const }));
    expect(await c.setFilePriorities(hash(1), all)).toBe(true);
    const [payload] = t.commands('setFilePriorities');
    expect(JSON.stringify(payload).length).toBeLessThan(200);
    expect(parseCommandPayload('setFilePriorities', payload)).toEqual({ infoHash: hash(1), runs: allFilesRun(n, 0) });
    // A scattered change: only the files named, each with its own priority.
    expect(await c.setFilePriorities(hash(1), [{ index: 9, priority: 2 }, { index: 3, priority: 0 }, { index: 4, priority: 0 }])).toBe(true);
    const scattered = parseCommandPayload('setFilePriorities', t.commands('setFilePriorities')[1]);
    expect('runs' in scattered && decodeFilePriorityRuns(scattered.runs)).toEqual([{ first: 3, count: 2, priority: 0 }, { first: 9, count: 1, priority: 2 }]);
    // Nothing to change sends nothing.
    expect(await c.setFilePriorities(hash(1), [])).toBe(true);
    expect(t.commands('setFilePriorities')).toHaveLength(2);
  });

  it('subscribes on open and feeds the snapshot into the store', async () => {
    const { t, c } = await setup();
    expect(t.commands('subscribe')).toHaveLength(1);
    expect(c.store.getState().order).toEqual([hash(1), hash(2)]);
    expect(c.store.getState().ready).toBe(true);
  });

  it('watches exactly the selected torrent and feeds its pieces into a field', async () => {
    const { t, c } = await setup();
    c.select(hash(1));
    expect(t.commands('watchPieces')).toEqual([{ infoHash: hash(1) }]);
    t.emit({ type: 'piecesSnapshot', infoHash: hash(1), seq: 0, pieceCount: 3, states: bytesToBase64(Uint8Array.from([2, 0, 0])), inFlight: [], availability: bytesToBase64(Uint8Array.from([1, 1, 1])) });
    t.emit({ type: 'piecesDelta', infoHash: hash(1), seq: 1, changes: encodePieceChanges([[1, PieceState.InFlight, 0.5]]) });
    const f = c.pieces.get(hash(1));
    expect(f?.verified).toBe(1);
    expect(f?.state[1]).toBe(PieceState.InFlight);
    c.select(hash(2));
    expect(t.commands('unwatchPieces')).toEqual([{ infoHash: hash(1) }]);
    expect(c.pieces.get(hash(1))).toBeNull();
    // Late events for the old torrent are ignored.
    t.emit({ type: 'piecesSnapshot', infoHash: hash(1), seq: 0, pieceCount: 3, states: 'AAAA', inFlight: [], availability: 'AAAA' });
    expect(c.pieces.get(hash(1))).toBeNull();
  });

  it('re-watches after a sequence gap', async () => {
    const { t, c } = await setup();
    c.select(hash(1));
    t.emit({ type: 'piecesSnapshot', infoHash: hash(1), seq: 0, pieceCount: 1, states: 'AA==', inFlight: [], availability: 'AA==' });
    t.emit({ type: 'piecesDelta', infoHash: hash(1), seq: 5, changes: encodePieceChanges([]) });
    await tick();
    expect(t.commands('watchPieces')).toHaveLength(2);
  });

  it('removing the selected torrent stops watching it', async () => {
    const { t, c } = await setup();
    c.select(hash(2));
    t.emit({ type: 'torrentRemoved', infoHash: hash(2) });
    expect(c.store.getState().selected).toBeNull();
    c.select(hash(1));
    expect(t.commands('watchPieces').at(-1)).toEqual({ infoHash: hash(1) });
  });

  it('sends dropped .torrent files as base64 bytes and selects the new torrent', async () => {
    const { t, c } = await setup([]);
    t.replies.addTorrentFile = () => ({ ok: true, result: { infoHash: hash(3), name: 'x', duplicate: false } });
    await c.addFiles([fileOf('x.torrent', 'd4:infod4:name1:xee')]);
    const sent = t.commands('addTorrentFile')[0] as { fileName: string; data: string };
    expect(sent.fileName).toBe('x.torrent');
    expect(new TextDecoder().decode(base64ToBytes(sent.data))).toBe('d4:infod4:name1:xee');
    t.emit({ type: 'torrentAdded', torrent: summary(3) });
    expect(c.store.getState().selected).toBe(hash(3));
  });

  it('reports files that are not torrents without sending them', async () => {
    const { t, c } = await setup();
    await c.addFiles([fileOf('notes.txt', 'hello'), new File([], 'empty.torrent')]);
    expect(t.commands('addTorrentFile')).toHaveLength(0);
    const messages = c.store.getState().notices.map((n) => n.message);
    expect(messages).toEqual(['notes.txt is not a .torrent file.', 'empty.torrent is empty.']);
  });

  it('shows the engine\'s error when it rejects a torrent', async () => {
    const { t, c } = await setup();
    t.replies.addTorrentFile = () => ({ ok: false, error: { code: 'invalid-torrent', message: 'bad.torrent: pieces length is not a multiple of 20' } });
    await c.addFiles([fileOf('bad.torrent', 'd1:ai1ee')]);
    expect(c.store.getState().notices.at(-1)).toMatchObject({ level: 'error', message: 'bad.torrent: pieces length is not a multiple of 20' });
  });

  it('adds magnets, rejects garbage with a readable message', async () => {
    const { t, c } = await setup();
    t.replies.addMagnet = () => ({ ok: true, result: { infoHash: hash(1), name: 'torrent 1', duplicate: true } });
    expect(await c.addMagnetText(`magnet:?xt=urn:btih:${hash(1)}`)).toBe(true);
    expect(t.commands('addMagnet')).toEqual([{ uri: `magnet:?xt=urn:btih:${hash(1)}` }]);
    expect(c.store.getState().notices.at(-1)?.message).toMatch(/already in the list/);
    expect(await c.addMagnetText('magnet:?xt=urn:btih:nope')).toBe(false);
    expect(c.store.getState().notices.at(-1)?.message).toMatch(/info-hash is not valid/);
    expect(await c.addMagnetText('just some text')).toBe(false);
    expect(c.store.getState().notices.at(-1)?.message).toBe('Not a magnet link: "just some text"');
    expect(t.commands('addMagnet')).toHaveLength(1);
  });

  it('turns a disconnected command into a notice, not an exception', async () => {
    const { t, c } = await setup();
    t.replies.pause = () => ({ ok: false, error: { code: 'disconnected', message: 'Not connected to Tessera' } });
    await expect(c.pause(hash(1))).resolves.toBeNull();
    expect(c.store.getState().notices.at(-1)?.message).toBe('Not connected to Tessera');
  });

  it('drops "Not connected" notices once the connection is back, and keeps other errors', async () => {
    const { t, c } = await setup();
    t.replies.resume = () => ({ ok: false, error: { code: 'internal', message: 'disk full' } });
    await c.resume(hash(1));
    t.status('closed');
    t.replies.pause = () => ({ ok: false, error: { code: 'disconnected', message: 'Not connected to Tessera' } });
    await c.pause(hash(1));
    expect(c.store.getState().notices.map((n) => n.message)).toEqual(['disk full', 'Not connected to Tessera']);
    t.status('open');
    expect(c.store.getState().notices.map((n) => n.message)).toEqual(['disk full']);
  });

  it('survives invalid events from the engine', async () => {
    const { t, c } = await setup();
    t.emit({ type: 'summaries', torrents: 'nope' } as unknown as Record<string, unknown>);
    expect(c.store.getState().order).toHaveLength(2);
    expect(c.store.getState().notices.at(-1)?.message).toMatch(/Ignored an invalid event/);
  });
});
