import { describe, expect, it } from 'vitest';
import { base64ToBytes, parseCommandResult, parseServerEvent, type ServerEvent } from '../../../shared/contract/index.js';
import { FakeSession } from './fake-session.js';
import { TesseraService } from './service.js';
import { defaultSettings } from './state.js';

function setup() {
  const session = new FakeSession();
  const service = new TesseraService({
    session,
    settings: { ...defaultSettings('/downloads'), confirmAdd: false },
    platform: { capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false } },
  });
  const events: ServerEvent[] = [];
  const conn = service.connect((e) => events.push(parseServerEvent(JSON.parse(JSON.stringify(e)))));
  return { session, conn };
}

describe('exportTorrent', () => {
  it("returns the torrent's .torrent bytes as base64 with its name, valid under the contract", async () => {
    const { session, conn } = setup();
    const h = '7'.repeat(40);
    await conn.handle('addMagnet', { uri: `magnet:?xt=urn:btih:${h}&dn=show` });
    const t = session.get(h)!;
    t.exportBytes = Buffer.from('d4:infod6:lengthi3e4:name4:showee');
    const reply = await conn.handle('exportTorrent', { infoHash: h });
    if (!reply.ok) throw new Error(`export failed: ${reply.error.message}`);
    const result = parseCommandResult('exportTorrent', JSON.parse(JSON.stringify(reply.result)));
    expect(result.name).toBe(t.name);
    expect(Buffer.from(base64ToBytes(result.data)).toString()).toBe('d4:infod6:lengthi3e4:name4:showee');
  });

  it("fails with 'not-found' for a magnet without metadata and for an unknown torrent, and refuses a bad info-hash", async () => {
    const { session, conn } = setup();
    const h = '6'.repeat(40);
    await conn.handle('addMagnet', { uri: `magnet:?xt=urn:btih:${h}` });
    session.get(h)!.exportBytes = null;
    expect(await conn.handle('exportTorrent', { infoHash: h })).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringMatching(/metadata/) } });
    expect(await conn.handle('exportTorrent', { infoHash: '5'.repeat(40) })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await conn.handle('exportTorrent', { infoHash: 'nope' })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
  });

  it('cuts a name longer than the contract carries (a magnet dn) instead of failing the reply in the client', async () => {
    const { session, conn } = setup();
    const h = '8'.repeat(40);
    await conn.handle('addMagnet', { uri: `magnet:?xt=urn:btih:${h}&dn=${'n'.repeat(6000)}` });
    session.get(h)!.exportBytes = Buffer.from('d4:infod6:lengthi3e4:name1:nee');
    const reply = await conn.handle('exportTorrent', { infoHash: h });
    expect(parseCommandResult('exportTorrent', reply.ok ? reply.result : null).name).toHaveLength(4096);
  });
});
