/**
 * Fuzz target: the contract validators, which stand between JSON from the network (the web
 * host's WebSocket, the client's replies) and the engine or the UI. For any JSON value —
 * random, or a valid message with fields replaced, dropped or added — every parser returns
 * or throws ValidationError, nothing else; what a payload validator accepts it returns as
 * a fresh object that validates again. base64ToBytes throws only RangeError and inverts
 * bytesToBase64.
 */
import { fc, test } from '@fast-check/vitest';
import { tally } from '../../scripts/fuzz/tally.js';
import {
  base64ToBytes,
  bytesToBase64,
  COMMAND_NAMES,
  type CommandName,
  parseCommandPayload,
  parseCommandResult,
  parseHostMessage,
  parseRequestMessage,
  parseResponseMessage,
  parseServerEvent,
  ValidationError,
  encodeFilePriorityChanges,
  encodePieceChanges,
} from './index.js';

const HASH = 'ab'.repeat(20);
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Valid messages to mutate: one request per command, a few results, events and responses. */
const seeds: Json[] = [
  { kind: 'request', id: 1, command: 'pause', payload: { infoHash: HASH } },
  { kind: 'request', id: 2, command: 'addMagnet', payload: { uri: `magnet:?xt=urn:btih:${HASH}`, paused: true } },
  { kind: 'request', id: 3, command: 'addTorrentFile', payload: { fileName: 'a.torrent', data: 'ZGU=' } },
  { kind: 'request', id: 4, command: 'setFilePriorities', payload: { infoHash: HASH, priorities: [{ index: 0, priority: 2 }, { index: 3, priority: 0 }] } },
  { kind: 'request', id: 4, command: 'setFilePriorities', payload: { infoHash: HASH, runs: encodeFilePriorityChanges([{ index: 0, priority: 2 }, { index: 3, priority: 0 }, { index: 4, priority: 0 }]) } },
  { kind: 'request', id: 5, command: 'setSettings', payload: { listenPort: 6881, maxPeersPerTorrent: 50, downloadLimit: 0, encryption: 'require' } },
  { kind: 'request', id: 6, command: 'setTorrentLimits', payload: { infoHash: HASH, download: 1024, upload: 0 } },
  { kind: 'request', id: 7, command: 'remove', payload: { infoHash: HASH, deleteData: false } },
  { kind: 'request', id: 8, command: 'openFolder', payload: {} },
  { kind: 'response', id: 1, ok: true, result: null },
  { kind: 'response', id: 2, ok: true, result: { infoHash: HASH, name: 'x', duplicate: false } },
  { kind: 'response', id: 3, ok: false, error: { code: 'not-found', message: 'no such torrent' } },
  { kind: 'event', event: { type: 'torrentRemoved', infoHash: HASH } },
  { kind: 'event', event: { type: 'piecesDelta', infoHash: HASH, seq: 3, changes: encodePieceChanges([[0, 2, 1], [5, 1, 0.5]]), availability: 'AAE=' } },
  { kind: 'event', event: { type: 'piecesSnapshot', infoHash: HASH, seq: 0, pieceCount: 2, states: 'AAI=', inFlight: [[1, 0.25]], availability: 'AQE=' } },
  { kind: 'event', event: { type: 'notice', level: 'error', message: 'bad torrent' } },
  { kind: 'event', event: { type: 'completed', infoHash: HASH, name: 'x' } },
];

type Edit = { at: number; key: number; kind: 'replace' | 'delete' | 'add'; value: Json };
const edit: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(),
  key: fc.nat(),
  kind: fc.constantFrom('replace' as const, 'replace' as const, 'delete' as const, 'add' as const),
  value: fc.oneof(fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, fc.constantFrom<Json>(-1, 1.5, 2 ** 53, '', HASH.toUpperCase(), '__proto__', 'constructor', [], {})),
});

/** Every object or array inside `root` (root first). */
function containers(root: Json): Array<Json[] | { [key: string]: Json }> {
  const out: Array<Json[] | { [key: string]: Json }> = [];
  const todo: Json[] = [root];
  while (todo.length > 0) {
    const v = todo.pop() as Json;
    if (v !== null && typeof v === 'object') {
      out.push(v);
      todo.push(...(Array.isArray(v) ? v : Object.values(v)));
    }
  }
  return out;
}

function applyEdit(root: Json, edit: Edit): Json {
  // A copy: generated values may be shared constants, and a value inserted into itself would loop.
  const e = { ...edit, value: JSON.parse(JSON.stringify(edit.value)) as Json };
  const all = containers(root);
  const target = all[e.at % Math.max(1, all.length)];
  if (target === undefined) return e.value;
  if (Array.isArray(target)) {
    const i = target.length === 0 ? 0 : e.key % target.length;
    if (e.kind === 'delete') target.splice(i, 1);
    else if (e.kind === 'add') target.splice(i, 0, e.value);
    else target[i] = e.value;
    return root;
  }
  const keys = Object.keys(target);
  if (e.kind === 'add' || keys.length === 0) {
    Object.defineProperty(target, ['x', '__proto__', 'constructor', 'toString', 'kind'][e.key % 5] as string, { value: e.value, enumerable: true, writable: true, configurable: true });
  } else if (e.kind === 'delete') {
    delete target[keys[e.key % keys.length] as string];
  } else {
    target[keys[e.key % keys.length] as string] = e.value;
  }
  return root;
}

const edited = fc
  .tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 3 }))
  .map(([seed, edits]) => edits.reduce(applyEdit, JSON.parse(JSON.stringify(seed)) as Json));
/** What JSON.parse makes of arbitrary JSON text (own "__proto__" keys included). */
const parsedText = fc.json({ maxDepth: 3 }).map((text) => JSON.parse(text) as Json);
const messages = fc.oneof({ weight: 4, arbitrary: edited }, { weight: 1, arbitrary: parsedText }, { weight: 1, arbitrary: fc.constantFrom(...seeds) });

function validationOnly(run: () => unknown): unknown {
  try {
    return run();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
}

const inputs = tally('contract validators');

test.prop([messages, fc.constantFrom(...COMMAND_NAMES)])(
  'every contract parser returns or throws ValidationError, and accepted payloads validate again',
  (message, name: CommandName) => {
    inputs();
    const request = validationOnly(() => parseRequestMessage(message));
    if (!(request instanceof ValidationError)) {
      const r = request as ReturnType<typeof parseRequestMessage>;
      const payload = validationOnly(() => parseCommandPayload(r.command, r.payload));
      if (!(payload instanceof ValidationError)) {
        if (payload === r.payload) throw new Error('accepted payload returned as the same object (not a fresh copy)');
        parseCommandPayload(r.command, JSON.parse(JSON.stringify(payload)) as unknown);
      }
    }
    const host = validationOnly(() => parseHostMessage(message));
    if (!(host instanceof ValidationError)) {
      const h = host as ReturnType<typeof parseHostMessage>;
      if (h.kind === 'event') validationOnly(() => parseServerEvent(h.event));
      else {
        validationOnly(() => parseResponseMessage(message));
        validationOnly(() => parseCommandResult(name, h.result));
      }
    }
    // Anything may arrive where a payload or an event is expected.
    validationOnly(() => parseCommandPayload(name, message));
    validationOnly(() => parseServerEvent(message));
  },
);

const base64Inputs = tally('contract base64');

test.prop([fc.oneof(fc.uint8Array({ maxLength: 40 }).map((b) => bytesToBase64(b)), fc.string({ maxLength: 24 }), fc.base64String({ maxLength: 24 }))])(
  'base64ToBytes throws only RangeError and inverts bytesToBase64',
  (text) => {
    base64Inputs();
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(text);
    } catch (e) {
      if (e instanceof RangeError) return;
      throw e;
    }
    // Canonical input (what bytesToBase64 writes) must come back unchanged.
    const again = bytesToBase64(bytes);
    if (again !== text && /^(?:[A-Za-z0-9+/]{4})*(?:[AQgw]==|[A-Za-z0-9+/][AEIMQUYcgkosw048]=)?$/.test(text)) throw new Error(`${text} → ${again}`);
  },
);
