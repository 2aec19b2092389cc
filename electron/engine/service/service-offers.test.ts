import { describe, expect, it } from 'vitest';
import { bytesToBase64, MAX_PENDING_OFFERS, parseCommandResult, parseServerEvent, type AddOffer, type ServerEvent, type Settings } from '../../../shared/contract/index.js';
import { FakeSession } from './fake-session.js';
import { TesseraService } from './service.js';
import { defaultSettings } from './state.js';

const hash = (n: number): string => n.toString(16).padStart(40, '0');
const magnet = (n: number): string => `magnet:?xt=urn:btih:${hash(n)}&dn=film-${n}`;

function setup(overrides: Partial<Settings> = {}) {
  const session = new FakeSession();
  const service = new TesseraService({
    session,
    settings: { ...defaultSettings('/downloads'), ...overrides },
    platform: { capabilities: { transport: 'electron', chooseDownloadDir: true, openFolder: true } },
  });
  const connect = () => {
    const events: ServerEvent[] = [];
    // Every event must pass the contract's validator, as the renderer's client checks it.
    const conn = service.connect((e) => events.push(parseServerEvent(JSON.parse(JSON.stringify(e)))));
    return { conn, events };
  };
  return { session, service, connect };
}

const offersIn = (events: ServerEvent[]): AddOffer[] => events.flatMap((e) => (e.type === 'addOffer' ? [e.offer] : []));

describe('add offers: nothing from outside is added without the user saying so', () => {
  it('a magnet from the OS becomes an offer every UI sees; nothing is added until accepted', async () => {
    const { session, service, connect } = setup();
    const a = connect();
    const b = connect();
    await a.conn.handle('subscribe', {});
    await b.conn.handle('subscribe', {});
    await service.addFromShell({ kind: 'magnet', uri: magnet(1) });
    expect(session.list()).toHaveLength(0);
    const [offer] = offersIn(a.events);
    expect(offer?.preview).toMatchObject({ source: 'magnet', infoHash: hash(1), name: 'film-1', size: null, saveDir: '/downloads', duplicate: false });
    expect(offersIn(b.events).map((o) => o.id)).toEqual([offer?.id]);

    const reply = await a.conn.handle('answerAddOffer', { id: offer?.id, accept: true, paused: true });
    expect(reply).toMatchObject({ ok: true, result: { infoHash: hash(1), duplicate: false } });
    expect(session.get(hash(1))?.stats().state).toBe('paused');
    // The other UI closes its dialog.
    expect(b.events.some((e) => e.type === 'addOfferClosed' && e.id === offer?.id)).toBe(true);
    // Answered once only.
    expect(await b.conn.handle('answerAddOffer', { id: offer?.id, accept: true })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('declining adds nothing; an offer waits for a UI that subscribes later (argv at startup)', async () => {
    const { session, service, connect } = setup();
    await service.addFromShell({ kind: 'torrent', bytes: new TextEncoder().encode('d4:name1:xe'), fileName: 'x.torrent' });
    const late = connect();
    await late.conn.handle('subscribe', {});
    const snapshot = late.events.find((e) => e.type === 'snapshot');
    expect(snapshot?.type === 'snapshot' && snapshot.offers).toHaveLength(1);
    const id = snapshot?.type === 'snapshot' ? snapshot.offers[0]?.id : undefined;
    expect(await late.conn.handle('answerAddOffer', { id, accept: false })).toEqual({ ok: true, result: null });
    expect(session.list()).toHaveLength(0);
  });

  it('with "don\'t ask again" the shell adds at once, as before', async () => {
    const { session, service } = setup({ confirmAdd: false });
    await service.addFromShell({ kind: 'magnet', uri: magnet(2) });
    expect(session.get(hash(2))).toBeDefined();
  });

  it('a page firing magnet links costs a bounded number of offers and adds none', async () => {
    const { session, service, connect } = setup();
    const ui = connect();
    await ui.conn.handle('subscribe', {});
    for (let i = 1; i <= MAX_PENDING_OFFERS * 4; i++) await service.addFromShell({ kind: 'magnet', uri: magnet(i) });
    expect(session.list()).toHaveLength(0);
    const opened = offersIn(ui.events).map((o) => o.id);
    const closed = new Set(ui.events.flatMap((e) => (e.type === 'addOfferClosed' ? [e.id] : [])));
    const open = opened.filter((id) => !closed.has(id));
    expect(open).toHaveLength(MAX_PENDING_OFFERS);
    // The newest are the ones kept.
    const late = connect();
    await late.conn.handle('subscribe', {});
    const snap = late.events[0];
    expect(snap?.type === 'snapshot' && snap.offers.map((o) => o.preview.infoHash).at(-1)).toBe(hash(MAX_PENDING_OFFERS * 4));
    // The same link twice shows one dialog.
    const before = offersIn(ui.events).length;
    await service.addFromShell({ kind: 'magnet', uri: magnet(MAX_PENDING_OFFERS * 4) });
    expect(offersIn(ui.events)).toHaveLength(before);
  });

  it('in-app adds (drop, paste) get an offer in the reply only; bad input is refused as invalid-torrent', async () => {
    const { session, connect } = setup();
    const a = connect();
    const b = connect();
    await a.conn.handle('subscribe', {});
    await b.conn.handle('subscribe', {});
    const reply = await a.conn.handle('offerTorrentFile', { fileName: 'y.torrent', data: bytesToBase64(new TextEncoder().encode('d4:name1:ye')) });
    expect(reply).toMatchObject({ ok: true, result: { preview: { source: 'torrent', fileCount: 1, duplicate: false } } });
    expect(offersIn(b.events)).toHaveLength(0);
    expect(await a.conn.handle('offerMagnet', { uri: 'magnet:?dn=nohash' })).toMatchObject({ ok: false, error: { code: 'invalid-torrent' } });
    expect(await a.conn.handle('offerMagnet', { uri: 'http://example.invalid/' })).toMatchObject({ ok: false, error: { code: 'invalid-torrent' } });
    const id = reply.ok ? (reply.result as AddOffer).id : '';
    expect(await a.conn.handle('answerAddOffer', { id, accept: true })).toMatchObject({ ok: true, result: { duplicate: false } });
    expect(session.list()).toHaveLength(1);
    // Offering it again says it is already there.
    const again = await a.conn.handle('offerTorrentFile', { fileName: 'y.torrent', data: bytesToBase64(new TextEncoder().encode('d4:name1:ye')) });
    expect(again).toMatchObject({ ok: true, result: { preview: { duplicate: true } } });
  });

  it('answerAddOffer validates its payload', async () => {
    const { connect } = setup();
    const { conn } = connect();
    expect(await conn.handle('answerAddOffer', { id: '../../x', accept: true })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    expect(await conn.handle('answerAddOffer', { id: 'abc', accept: 'yes' })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
  });
});

describe('a magnet\'s files are chosen once its metadata arrives', () => {
  const files = [{ path: 'album/a.flac', size: 1000 }, { path: 'album/b.flac', size: 2000 }];

  async function addedWithChoice() {
    const { session, service, connect } = setup();
    const a = connect();
    const b = connect();
    await a.conn.handle('subscribe', {});
    await b.conn.handle('subscribe', {});
    const offered = await a.conn.handle('offerMagnet', { uri: magnet(7) });
    const id = offered.ok ? (offered.result as AddOffer).id : '';
    expect(await a.conn.handle('answerAddOffer', { id, accept: true, chooseFiles: true })).toMatchObject({ ok: true, result: { infoHash: hash(7) } });
    const t = session.get(hash(7))!;
    return { session, service, connect, a, b, t };
  }

  it('accepted with chooseFiles: the engine is told to wait; when the metadata arrives every UI gets the file list; accepting sets the priorities', async () => {
    const { a, b, t } = await addedWithChoice();
    expect(t.chooseFilesFirst).toBe(true);
    expect(offersIn(a.events)).toHaveLength(0); // nothing to choose before the metadata
    t.metadataForChoice(files);
    const [choice] = offersIn(a.events);
    expect(choice).toMatchObject({ fileChoice: true, preview: { source: 'magnet', infoHash: hash(7), size: 3000, fileCount: 2, files, duplicate: false } });
    expect(offersIn(b.events).map((o) => o.id)).toEqual([choice?.id]);
    const reply = await b.conn.handle('answerAddOffer', { id: choice?.id, accept: true, filePriorities: [0, 2] });
    expect(reply).toMatchObject({ ok: true, result: { infoHash: hash(7), duplicate: false } });
    expect(t.priorities).toEqual([0, 2]);
    expect(t.choice).toBeNull();
    expect(a.events.some((e) => e.type === 'addOfferClosed' && e.id === choice?.id)).toBe(true);
    expect(await a.conn.handle('answerAddOffer', { id: choice?.id, accept: true })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('declining the file choice removes the torrent (nothing was written); removing the torrent closes its file choice', async () => {
    const first = await addedWithChoice();
    first.t.metadataForChoice(files);
    const [choice] = offersIn(first.a.events);
    expect(await first.a.conn.handle('answerAddOffer', { id: choice?.id, accept: false })).toEqual({ ok: true, result: null });
    expect(first.session.get(hash(7))).toBeUndefined();

    const second = await addedWithChoice();
    second.t.metadataForChoice(files);
    const [other] = offersIn(second.a.events);
    await second.a.conn.handle('remove', { infoHash: hash(7), deleteData: false });
    expect(second.b.events.some((e) => e.type === 'addOfferClosed' && e.id === other?.id)).toBe(true);
  });

  it('a UI that subscribes later finds the waiting file choice in its snapshot', async () => {
    const { t, connect } = await addedWithChoice();
    t.metadataForChoice(files);
    const late = connect();
    await late.conn.handle('subscribe', {});
    const snap = late.events[0];
    expect(snap?.type === 'snapshot' && snap.offers.map((o) => [o.preview.infoHash, o.fileChoice])).toEqual([[hash(7), true]]);
  });

  it('without chooseFiles, or for a .torrent, the engine is not told to wait', async () => {
    const { session, connect } = setup();
    const { conn } = connect();
    await conn.handle('subscribe', {});
    const m = await conn.handle('offerMagnet', { uri: magnet(8) });
    await conn.handle('answerAddOffer', { id: m.ok ? (m.result as AddOffer).id : '', accept: true });
    expect(session.lastAddOptions?.chooseFilesFirst).toBeUndefined();
    const f = await conn.handle('offerTorrentFile', { fileName: 'z.torrent', data: bytesToBase64(new TextEncoder().encode('d4:name1:ze')) });
    await conn.handle('answerAddOffer', { id: f.ok ? (f.result as AddOffer).id : '', accept: true, chooseFiles: true });
    expect(session.lastAddOptions?.chooseFilesFirst).toBeUndefined();
  });
});

describe('a magnet with a display name longer than the contract carries', () => {
  it('is offered, added and listed with its name cut to fit, so no reply or event is refused by the client', async () => {
    // A magnet may be 64 KiB; its dn alone can be 60,000 characters, the contract's names 4096.
    const uri = `magnet:?xt=urn:btih:${hash(7)}&dn=${'n'.repeat(6000)}`;
    const { service, connect } = setup();
    const a = connect();
    await a.conn.handle('subscribe', {});
    const offered = await a.conn.handle('offerMagnet', { uri });
    expect(offered.ok).toBe(true);
    expect(parseCommandResult('offerMagnet', offered.ok ? offered.result : null).preview.name).toHaveLength(4096);
    await service.addFromShell({ kind: 'magnet', uri });
    expect(offersIn(a.events)).toHaveLength(1);
    const added = await a.conn.handle('addMagnet', { uri, paused: true });
    expect(added.ok).toBe(true);
    expect(parseCommandResult('addMagnet', added.ok ? added.result : null).name).toHaveLength(4096);
    const b = connect();
    await b.conn.handle('subscribe', {});
    const snapshot = b.events.find((e) => e.type === 'snapshot');
    expect(snapshot?.type === 'snapshot' ? snapshot.torrents.map((t) => t.name.length) : []).toEqual([4096]);
  });
});
