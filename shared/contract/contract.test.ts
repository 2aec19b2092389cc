import { describe, expect, it } from 'vitest';
import {
  COMMAND_NAMES,
  ENCRYPTION_MODES,
  MAX_RATE_LIMIT,
  ValidationError,
  allFilesRun,
  applySummaryChange,
  base64ToBytes,
  bytesToBase64,
  commandPayloadValidators,
  createClient,
  parseCommandPayload,
  parseCommandResult,
  parseRequestMessage,
  parseServerEvent,
  summaryChange,
  TesseraError,
  takePageToken,
  webSocketUrl,
  type ClientTransport,
  type TesseraEvent,
  type TorrentSummary,
} from './index.js';

const HASH = 'a'.repeat(40);

const summary: TorrentSummary = {
  infoHash: HASH,
  name: 'x',
  state: 'downloading',
  error: null,
  size: 10,
  totalSize: 10,
  completedBytes: 5,
  progress: 0.5,
  downloadRate: 1,
  uploadRate: 0,
  downloaded: 5,
  uploaded: 0,
  peers: 1,
  seeds: 1,
  eta: 5,
  pieceCount: 1,
  pieceLength: 16384,
  verifiedPieces: 0,
  hashFailures: 0,
  addedAt: 1,
  completedAt: null,
  sequential: false,
  firstLastPiecesFirst: false,
  downloadLimit: 0,
  uploadLimit: 0,
  savePath: '/tmp',
  hasMetadata: true,
};

function rejects(name: Parameters<typeof parseCommandPayload>[0], payload: unknown, pathPart: string): void {
  let error: unknown;
  try {
    parseCommandPayload(name, payload);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).message).toContain(pathPart);
}

describe('command payload validators', () => {
  it('accept well-formed payloads', () => {
    expect(parseCommandPayload('pause', { infoHash: HASH })).toEqual({ infoHash: HASH });
    expect(parseCommandPayload('addMagnet', { uri: 'magnet:?xt=urn:btih:' + HASH })).toEqual({ uri: 'magnet:?xt=urn:btih:' + HASH });
    expect(parseCommandPayload('addTorrentFile', { fileName: 'a.torrent', data: bytesToBase64(new Uint8Array([100, 101])) })).toEqual({
      fileName: 'a.torrent',
      data: 'ZGU=',
    });
    expect(parseCommandPayload('setFilePriorities', { infoHash: HASH, priorities: [{ index: 0, priority: 0 }] })).toEqual({ infoHash: HASH, priorities: [{ index: 0, priority: 0 }] });
    expect(parseCommandPayload('setFilePriorities', { infoHash: HASH, runs: allFilesRun(750_000, 2) })).toEqual({ infoHash: HASH, runs: allFilesRun(750_000, 2) });
    expect(parseCommandPayload('setSettings', { listenPort: 6881 })).toEqual({ listenPort: 6881 });
    expect(parseCommandPayload('openFolder', {})).toEqual({});
    expect(parseCommandPayload('getSettings', {})).toEqual({});
  });

  it('reject wrong shapes with the path in the message', () => {
    rejects('pause', null, 'pause: expected an object');
    rejects('pause', [], 'expected an object');
    rejects('pause', {}, 'pause.infoHash');
    rejects('pause', { infoHash: 'A'.repeat(40) }, 'info-hash');
    rejects('pause', { infoHash: HASH.slice(1) }, 'info-hash');
    rejects('pause', { infoHash: HASH, extra: 1 }, 'pause.extra: unknown field');
    rejects('remove', { infoHash: HASH }, 'remove.deleteData: expected a boolean');
    rejects('remove', { infoHash: HASH, deleteData: 'yes' }, 'remove.deleteData');
    rejects('addMagnet', { uri: 42 }, 'addMagnet.uri');
    rejects('addMagnet', { uri: '' }, 'addMagnet.uri');
    rejects('addMagnet', { uri: 'm'.repeat(70_000) }, 'at most');
    rejects('addTorrentFile', { fileName: 'a', data: 'not base64!' }, 'base64');
    rejects('addTorrentFile', { fileName: 'a', data: new Uint8Array(2) }, 'addTorrentFile.data');
    rejects('addTorrentFile', { data: 'ZGU=' }, 'addTorrentFile.fileName');
    rejects('setFilePriorities', { infoHash: HASH, priorities: [{ index: -1, priority: 1 }] }, 'priorities[0].index');
    rejects('setFilePriorities', { infoHash: HASH, priorities: [{ index: 0, priority: 3 }] }, 'priorities[0].priority');
    rejects('setFilePriorities', { infoHash: HASH, priorities: [{ index: 1.5, priority: 1 }] }, 'integer');
    rejects('setFilePriorities', { infoHash: HASH, priorities: [{ index: 0, priority: 1 }], runs: allFilesRun(1, 1) }, 'setFilePriorities: has both priorities and runs');
    rejects('setFilePriorities', { infoHash: HASH }, 'setFilePriorities: names no files');
    rejects('setFilePriorities', { infoHash: HASH, runs: 'not base64!' }, 'setFilePriorities.runs: expected a base64 string');
    rejects('setFilePriorities', { infoHash: HASH, runs: 42 }, 'setFilePriorities.runs');
    rejects('setFilePriorities', { infoHash: HASH, runs: bytesToBase64(new Uint8Array([3, 1, 0, 0])) }, 'setFilePriorities.runs: has an unknown priority 3');
    rejects('setFilePriorities', { infoHash: HASH, runs: '' }, 'setFilePriorities.runs: names no file');
    rejects('setFilePriorities', { infoHash: HASH, runs: allFilesRun(1, 1), extra: 1 }, 'setFilePriorities.extra: unknown field');
    rejects('setSequential', { infoHash: HASH, sequential: 1 }, 'sequential');
    rejects('setSettings', { listenPort: 70000 }, 'listenPort');
    rejects('setSettings', { downloadDir: '/etc' }, 'setSettings.downloadDir: unknown field');
    rejects('setSettings', { maxPeersPerTorrent: Number.NaN }, 'maxPeersPerTorrent');
    rejects('getSettings', { a: 1 }, 'unknown field');
  });

  it('accept speed limits, max peers and encryption settings; reject bad ones with a clear message', () => {
    expect(parseCommandPayload('setSettings', { downloadLimit: 512 * 1024, uploadLimit: 0, encryption: 'require', maxPeersPerTorrent: 80 })).toEqual({
      downloadLimit: 512 * 1024,
      uploadLimit: 0,
      encryption: 'require',
      maxPeersPerTorrent: 80,
    });
    for (const mode of ENCRYPTION_MODES) expect(parseCommandPayload('setSettings', { encryption: mode })).toEqual({ encryption: mode });
    expect(parseCommandPayload('setSettings', { uploadLimit: MAX_RATE_LIMIT })).toEqual({ uploadLimit: MAX_RATE_LIMIT });
    rejects('setSettings', { downloadLimit: -1 }, 'setSettings.downloadLimit: expected an integer >= 0');
    rejects('setSettings', { downloadLimit: 1.5 }, 'setSettings.downloadLimit');
    rejects('setSettings', { uploadLimit: Number.POSITIVE_INFINITY }, 'setSettings.uploadLimit');
    rejects('setSettings', { uploadLimit: Number.NaN }, 'setSettings.uploadLimit');
    rejects('setSettings', { uploadLimit: MAX_RATE_LIMIT + 1 }, `<= ${MAX_RATE_LIMIT}`);
    rejects('setSettings', { downloadLimit: '100' }, 'setSettings.downloadLimit');
    rejects('setSettings', { downloadLimit: null }, 'setSettings.downloadLimit');
    rejects('setSettings', { encryption: 'force' }, 'setSettings.encryption: expected one of "allow" | "require" | "disable"');
    rejects('setSettings', { encryption: true }, 'setSettings.encryption');
    // The privacy switches (DHT, PEX, LSD, port mapping): booleans only, absent = on.
    expect(parseCommandPayload('setSettings', { dht: false, pex: true, lsd: false, portMapping: false })).toEqual({ dht: false, pex: true, lsd: false, portMapping: false });
    for (const key of ['dht', 'pex', 'lsd', 'portMapping']) {
      for (const bad of [0, 1, 'false', null]) rejects('setSettings', { [key]: bad }, `setSettings.${key}: expected a boolean`);
    }
    rejects('setSettings', { maxPeersPerTorrent: 0 }, 'setSettings.maxPeersPerTorrent: expected an integer >= 1 <= 10000');
    rejects('setSettings', { maxPeersPerTorrent: 10_001 }, 'setSettings.maxPeersPerTorrent');
    rejects('setSettings', { maxConnections: 0 }, 'setSettings.maxConnections');
    rejects('setSettings', { maxConnections: 65_536 }, 'setSettings.maxConnections');
    rejects('setSettings', { maxConnections: 2.5 }, 'setSettings.maxConnections');
    expect(parseCommandPayload('setSettings', { maxConnections: 1200 })).toEqual({ maxConnections: 1200 });
  });

  it('accept per-torrent limits and the first/last flag; reject bad payloads with the field named', () => {
    expect(parseCommandPayload('setTorrentLimits', { infoHash: HASH, download: 0, upload: 100 * 1024 })).toEqual({ infoHash: HASH, download: 0, upload: 102400 });
    expect(parseCommandPayload('setFirstLastPiecesFirst', { infoHash: HASH, firstLastPiecesFirst: true })).toEqual({ infoHash: HASH, firstLastPiecesFirst: true });
    rejects('setTorrentLimits', { infoHash: HASH, download: 1 }, 'setTorrentLimits.upload: expected an integer >= 0');
    rejects('setTorrentLimits', { infoHash: HASH, upload: 1 }, 'setTorrentLimits.download');
    rejects('setTorrentLimits', { infoHash: HASH, download: -5, upload: 0 }, 'setTorrentLimits.download');
    rejects('setTorrentLimits', { infoHash: HASH, download: 0, upload: 0.25 }, 'setTorrentLimits.upload');
    rejects('setTorrentLimits', { infoHash: HASH, download: MAX_RATE_LIMIT * 2, upload: 0 }, 'setTorrentLimits.download');
    rejects('setTorrentLimits', { infoHash: HASH, download: 0, upload: 0, savePath: '/x' }, 'setTorrentLimits.savePath: unknown field');
    rejects('setTorrentLimits', { download: 0, upload: 0 }, 'setTorrentLimits.infoHash');
    rejects('setFirstLastPiecesFirst', { infoHash: HASH, firstLastPiecesFirst: 'on' }, 'setFirstLastPiecesFirst.firstLastPiecesFirst: expected a boolean');
    rejects('setFirstLastPiecesFirst', { infoHash: HASH }, 'setFirstLastPiecesFirst.firstLastPiecesFirst');
    rejects('setFirstLastPiecesFirst', { infoHash: 'x', firstLastPiecesFirst: true }, 'info-hash');
    expect(parseCommandResult('setTorrentLimits', null)).toBeNull();
    expect(() => parseCommandResult('setFirstLastPiecesFirst', {})).toThrow(ValidationError);
  });

  it('ignore prototype tricks', () => {
    const payload = JSON.parse('{"infoHash":"' + HASH + '","__proto__":{"deleteData":true}}') as unknown;
    rejects('remove', payload, '__proto__');
    class Fake {
      infoHash = HASH;
    }
    rejects('pause', new Fake(), 'expected an object');
  });

  it('has a validator for every command', () => {
    for (const name of COMMAND_NAMES) expect(typeof commandPayloadValidators[name]).toBe('function');
  });
});

describe('results, events and envelopes', () => {
  it('validate results', () => {
    expect(parseCommandResult('addMagnet', { infoHash: HASH, name: 'n', duplicate: false }).name).toBe('n');
    expect(() => parseCommandResult('pause', undefined)).toThrow(ValidationError);
    expect(() => parseCommandResult('getPeers', [{ id: 1 }])).toThrow(/getPeers result\[0\]/);
  });

  it('validate events', () => {
    expect(parseServerEvent({ type: 'torrentAdded', torrent: summary }).type).toBe('torrentAdded');
    expect(
      parseServerEvent({ type: 'piecesDelta', infoHash: HASH, seq: 1, changes: 'AQEAgA==' }).type,
    ).toBe('piecesDelta');
    expect(() => parseServerEvent({ type: 'piecesDelta', infoHash: HASH, seq: 1, changes: [[0, 1, 0.5]] })).toThrow(/changes/);
    expect(() => parseServerEvent({ type: 'piecesDelta', infoHash: HASH, seq: 1, changes: 'not base64!' })).toThrow(/changes/);
    expect(() => parseServerEvent({ type: 'nope' })).toThrow(/event.type/);
    expect(() => parseServerEvent({ type: 'torrentAdded', torrent: { ...summary, progress: 2 } })).toThrow(/torrent.progress/);
    expect(parseServerEvent({ type: 'torrentAdded', torrent: { ...summary, firstLastPiecesFirst: true, uploadLimit: 1024 } }).type).toBe('torrentAdded');
    expect(() => parseServerEvent({ type: 'torrentAdded', torrent: { ...summary, downloadLimit: -1 } })).toThrow(/torrent.downloadLimit/);
    const { firstLastPiecesFirst: _omitted, ...withoutFlag } = summary;
    expect(() => parseServerEvent({ type: 'torrentAdded', torrent: withoutFlag })).toThrow(/torrent.firstLastPiecesFirst/);
    expect(() => parseServerEvent({ type: 'torrentAdded', torrent: { ...summary, state: 'zombie' } })).toThrow(/torrent.state/);
    expect(() => parseServerEvent({ type: 'connection', status: 'open' })).toThrow();
  });

  it('validate request envelopes', () => {
    expect(parseRequestMessage({ kind: 'request', id: 1, command: 'pause', payload: {} }).command).toBe('pause');
    expect(() => parseRequestMessage({ kind: 'request', id: 1, command: 'rm -rf', payload: {} })).toThrow(/unknown command/);
    expect(() => parseRequestMessage({ kind: 'request', id: -1, command: 'pause' })).toThrow(/request.id/);
    expect(() => parseRequestMessage('{"kind":"request"}')).toThrow(/expected an object/);
  });
});

describe('base64', () => {
  it('round-trips every length and matches the standard encoding', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 255);
      const text = bytesToBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(base64ToBytes(text)).toEqual(bytes);
    }
    const big = new Uint8Array(100_003).map((_, i) => i & 255);
    expect(base64ToBytes(bytesToBase64(big))).toEqual(big);
  });
  it('rejects malformed input', () => {
    expect(() => base64ToBytes('abc')).toThrow(RangeError);
    expect(() => base64ToBytes('ab!=')).toThrow(RangeError);
  });
  it('validates a 15 MiB .torrent payload (the documented limit is 16 MiB) and refuses bad ones of that size', () => {
    const bytes = new Uint8Array(15 * 1024 * 1024 + 1).map((_, i) => (i * 131) & 255);
    const data = bytesToBase64(bytes);
    expect(parseCommandPayload('addTorrentFile', { fileName: 'big.torrent', data }).data.length).toBe(data.length);
    for (const bad of [data.slice(0, -1), `${data.slice(0, 1000)}!${data.slice(1001)}`, `${data.slice(0, -4)}=AAA`, `${data.slice(0, -4)}A===`]) {
      expect(() => parseCommandPayload('addTorrentFile', { fileName: 'big.torrent', data: bad })).toThrow(ValidationError);
    }
    for (const ok of ['', 'AA==', 'AAA=', 'AAAA']) expect(parseCommandPayload('addTorrentFile', { fileName: 'a', data: ok }).data).toBe(ok);
    const over = bytesToBase64(new Uint8Array(16 * 1024 * 1024 + 3));
    expect(() => parseCommandPayload('addTorrentFile', { fileName: 'huge.torrent', data: over })).toThrow(/at most/);
  });
});

describe('createClient', () => {
  function fakeTransport(replies: Record<string, unknown>): ClientTransport & { sent: string[]; emit: (raw: unknown) => void; status: (s: 'open' | 'closed') => void } {
    let onEvent: (raw: unknown) => void = () => undefined;
    let onStatus: (s: 'connecting' | 'open' | 'closed') => void = () => undefined;
    const sent: string[] = [];
    return {
      sent,
      invoke: async (command) => {
        sent.push(command);
        return replies[command] ?? { ok: true, result: null };
      },
      listen(e, s) {
        onEvent = e;
        onStatus = s;
      },
      close() {},
      emit: (raw) => onEvent(raw),
      status: (s) => onStatus(s),
    };
  }

  it('maps errors to TesseraError, validates results and events, re-subscribes and re-watches on reconnect', async () => {
    const t = fakeTransport({
      addMagnet: { ok: false, error: { code: 'invalid-torrent', message: 'bad magnet' } },
      getSettings: { ok: true, result: { downloadDir: '/d', listenPort: 1, maxPeersPerTorrent: 50, notifyOnComplete: true, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: true } },
      getPeers: { ok: true, result: [{ nope: 1 }] },
    });
    const client = createClient(t);
    const events: TesseraEvent[] = [];
    client.subscribe((e) => events.push(e));
    t.status('open');
    await Promise.resolve();
    expect(t.sent).toEqual(['subscribe']);

    await expect(client.addMagnet({ uri: 'x' })).rejects.toMatchObject({ code: 'invalid-torrent', message: 'bad magnet' });
    await expect(client.addMagnet({ uri: 'x' })).rejects.toBeInstanceOf(TesseraError);
    expect((await client.getSettings()).downloadDir).toBe('/d');
    await expect(client.getPeers({ infoHash: HASH })).rejects.toMatchObject({ code: 'internal' });

    await client.watchPieces({ infoHash: HASH });
    t.emit({ type: 'torrentRemoved', infoHash: HASH });
    t.emit({ type: 'garbage' });
    expect(events.map((e) => e.type)).toEqual(['connection', 'connection', 'torrentRemoved', 'notice']);

    await client.watchPieces({ infoHash: 'b'.repeat(40) });
    t.sent.length = 0;
    t.status('closed');
    t.status('open');
    await Promise.resolve();
    expect(t.sent).toEqual(['subscribe', 'watchPieces']);
  });
});

describe('createClient subscriptions', () => {
  it('sends subscribe once; later listeners get the mirrored current snapshot', async () => {
    const sent: string[] = [];
    let push: (raw: unknown) => void = () => undefined;
    const client = createClient({
      invoke: async (command) => {
        sent.push(command);
        return { ok: true, result: null };
      },
      listen(onEvent, onStatus) {
        push = onEvent;
        onStatus('open');
      },
      close() {},
    });
    const first: TesseraEvent[] = [];
    client.subscribe((e) => first.push(e));
    expect(first).toEqual([{ type: 'connection', status: 'open' }]);
    const settings = { downloadDir: '/d', listenPort: 1, maxPeersPerTorrent: 5, notifyOnComplete: true, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: true };
    const session = { downloadRate: 0, uploadRate: 0, peers: 0, listenPort: 1, downloadLimit: 0, uploadLimit: 0 };
    push({ type: 'snapshot', torrents: [], session, settings, capabilities: { transport: 'web', chooseDownloadDir: false, openFolder: false }, offers: [] });
    push({ type: 'torrentAdded', torrent: summary });
    push({ type: 'summaries', torrents: [{ ...summary, progress: 0.75, completedBytes: 7 }], session: { ...session, peers: 3 } });
    push({ type: 'settings', settings: { ...settings, listenPort: 2 } });
    push({ type: 'summaryChanges', torrents: [{ infoHash: HASH, downloadRate: 42 }] });

    const second: TesseraEvent[] = [];
    client.subscribe((e) => second.push(e));
    expect(sent).toEqual(['subscribe']);
    expect(first.filter((e) => e.type === 'snapshot')).toHaveLength(1);
    expect(second[0]).toEqual({ type: 'connection', status: 'open' });
    expect(second[1]).toMatchObject({ type: 'snapshot', torrents: [{ progress: 0.75, downloadRate: 42 }], session: { peers: 3 }, settings: { listenPort: 2 } });
    push({ type: 'torrentRemoved', infoHash: HASH });
    const third: TesseraEvent[] = [];
    client.subscribe((e) => third.push(e));
    expect(third[1]).toMatchObject({ type: 'snapshot', torrents: [] });
  });
});

describe('takePageToken', () => {
  function fakePage(href: string) {
    const store = new Map<string, string>();
    const g = {
      location: { href },
      sessionStorage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) },
      history: { replaceState: (_d: unknown, _u: string, url?: string) => void (g.location.href = new URL(url ?? '', g.location.href).href) },
    };
    return g;
  }
  it('keeps the token in sessionStorage, drops it from the address bar, and finds it again after a reload', () => {
    const g = fakePage('http://127.0.0.1:8780/?token=abc&x=1#h');
    expect(takePageToken(g)).toBe('abc');
    expect(g.location.href).toBe('http://127.0.0.1:8780/?x=1#h');
    expect(takePageToken(g)).toBe('abc');
    expect(takePageToken(fakePage('http://127.0.0.1:8780/'))).toBeNull();
  });
});

describe('summary changes', () => {
  it('carry only the fields that differ, and applying them gives the new row', () => {
    const next = { ...summary, downloadRate: 9, eta: null, progress: 0.75 };
    const change = summaryChange(summary, next);
    expect(change).toEqual({ infoHash: HASH, downloadRate: 9, eta: null, progress: 0.75 });
    if (!change) throw new Error('no change');
    expect(applySummaryChange(summary, change)).toEqual(next);
    expect(summaryChange(summary, { ...summary })).toBeNull();
  });

  it('are validated like summaries: any field may be left out, none may be wrong or unknown', () => {
    const ok = parseServerEvent({ type: 'summaryChanges', torrents: [{ infoHash: HASH, progress: 1, error: null }] });
    expect(ok).toEqual({ type: 'summaryChanges', torrents: [{ infoHash: HASH, progress: 1, error: null }] });
    const bad = [
      { type: 'summaryChanges', torrents: [{ progress: 1 }] },
      { type: 'summaryChanges', torrents: [{ infoHash: HASH, progress: 2 }] },
      { type: 'summaryChanges', torrents: [{ infoHash: HASH, nope: 1 }] },
      { type: 'summaryChanges', torrents: [], session: { peers: 1 } },
      { type: 'summaryChanges' },
    ];
    for (const event of bad) expect(() => parseServerEvent(event), JSON.stringify(event)).toThrow(ValidationError);
  });
});

describe('webSocketUrl', () => {
  it('carries the token and switches scheme', () => {
    expect(webSocketUrl('http://127.0.0.1:8080/?token=abc#x')).toBe('ws://127.0.0.1:8080/ws?token=abc');
    expect(webSocketUrl('https://h/some/page')).toBe('wss://h/ws');
  });
});
