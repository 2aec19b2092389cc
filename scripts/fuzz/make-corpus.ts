/**
 * Writes the constructed part of the fuzz seed corpora (scripts/fuzz/corpus/<target>/
 * constructed-*) with the engine's own encoders plus hand-made edge cases. The captured-*
 * files come from real peers and trackers (capture_real.py). Run once by hand:
 *
 *     npx tsx scripts/fuzz/make-corpus.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from '../../electron/engine/bencode/index.js';
import { encodeError, encodeQuery, encodeResponse } from '../../electron/engine/dht/krpc.js';
import {
  encodeAnnounceResponse,
  encodeConnectResponse,
  encodeErrorResponse,
  encodeScrapeResponse,
} from '../../electron/engine/tracker/udp-codec.js';
import { encodeCompactPeers4, encodeCompactPeers6 } from '../../electron/engine/tracker/compact.js';
import * as msg from '../../electron/engine/wire/encode.js';
import { encodeExtensionHandshake } from '../../electron/engine/wire/extension-handshake.js';
import { encodeHandshake } from '../../electron/engine/wire/handshake.js';
import { encodeMetadataData, encodeMetadataReject, encodeMetadataRequest } from '../../electron/engine/wire/ut-metadata.js';
import { encodePex } from '../../electron/engine/wire/ut-pex.js';

const root = fileURLToPath(new URL('./corpus/', import.meta.url));
const hash = Buffer.from('0123456789abcdef0123456789abcdef01234567', 'hex');
const id = Buffer.from('-TS0001-abcdefghijkl', 'latin1');

function write(folder: string, name: string, data: Uint8Array): void {
  fs.mkdirSync(path.join(root, folder), { recursive: true });
  fs.writeFileSync(path.join(root, folder, `constructed-${name}`), data);
}

const frame = (id: number, payload: Uint8Array = Buffer.alloc(0)): Buffer => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + 1, 0);
  head[4] = id;
  return Buffer.concat([head, payload]);
};

// Peer wire: a stream of every message, and a few single frames at their limits.
write('handshake', 'ours', encodeHandshake(hash, id));
write(
  'wire',
  'every-message',
  Buffer.concat([
    msg.keepAlive(), msg.choke(), msg.unchoke(), msg.interested(), msg.notInterested(), msg.have(3),
    frame(5, Buffer.from([0xff, 0x80])), msg.requestBatch([[1, 0, 16384], [1, 16384, 16384]]), msg.cancel(1, 0, 16384),
    Buffer.concat([msg.pieceHeader(1, 0, 8), Buffer.from('blockdat')]), frame(9, Buffer.from([0x1a, 0xe1])), frame(0x0d, Buffer.from([0, 0, 0, 2])),
    frame(0x0e), frame(0x0f), msg.rejectRequest(1, 0, 16384), frame(0x11, Buffer.from([0, 0, 0, 4])),
    frame(20, Buffer.concat([Buffer.from([0]), encodeExtensionHandshake({ listenPort: 6881, client: 'Tessera 0.1', reqq: 500, metadataSize: 30000 })])),
    frame(20, Buffer.concat([Buffer.from([2]), encodeMetadataRequest(0)])), frame(99, Buffer.from('unknown id')),
  ]),
);
write('wire', 'frame-too-long', Buffer.from([0x00, 0x10, 0x00, 0x01, 0x05]));
write('wire', 'short-piece', Buffer.from([0, 0, 0, 5, 7, 0, 0, 0, 1]));
write('wire', 'empty-piece', Buffer.concat([msg.pieceHeader(0, 0, 0)]));

// BEP 10 / 9 / 11 payloads (what follows the extended-message id byte).
write('ext-handshake', 'ours', encodeExtensionHandshake({ listenPort: 6881, client: 'Tessera 0.1', reqq: 500, metadataSize: 30000, uploadOnly: true }));
write('ext-handshake', 'odd-types', encode({ m: { ut_metadata: 'x', ut_pex: -1, lt_donthave: 300, '\xff': 7 }, p: 70000, reqq: -5, metadata_size: 2n ** 62n, v: 12, upload_only: 2 }));
write('ut-metadata', 'request', encodeMetadataRequest(0));
write('ut-metadata', 'reject', encodeMetadataReject(7));
write('ut-metadata', 'data', encodeMetadataData(1, 16384 + 5, Buffer.from('tail!')));
write('ut-metadata', 'huge-piece', encode({ msg_type: 1, piece: 2n ** 40n, total_size: 2n ** 62n }));
write(
  'pex',
  'ours',
  encodePex(
    [{ host: '10.0.0.1', port: 6881, flags: 0x12 }, { host: '2001:db8::1', port: 51413, flags: 0x02 }],
    [{ host: '192.168.1.9', port: 1 }, { host: '::1', port: 65535 }],
  ),
);
write('pex', 'ragged', encode({ added: Buffer.alloc(13, 1), 'added.f': Buffer.alloc(1), added6: Buffer.alloc(17, 2), dropped: 5 }));

// Trackers.
write(
  'http-tracker',
  'announce-mixed',
  encode({
    interval: 1800, 'min interval': 60, complete: 3, incomplete: 2, 'tracker id': 'abc', 'warning message': 'be nice',
    peers: encodeCompactPeers4([{ host: '127.0.0.1', port: 6881 }, { host: '10.1.2.3', port: 80 }]),
    peers6: encodeCompactPeers6([{ host: '::1', port: 6881 }]),
  }),
);
write('http-tracker', 'announce-dict-peers', encode({ interval: 900, peers: [{ ip: 'tracker.example', port: 1 }, { ip: '[::1]', port: 2, 'peer id': id }, { ip: 'not a host', port: 3 }, 5] }));
write('http-tracker', 'failure', encode({ 'failure reason': 'unregistered torrent' }));
write('http-tracker', 'scrape', encode({ files: new Map([[hash.toString('latin1'), { complete: 1, downloaded: 2, incomplete: 3 }], ['short', { complete: 9 }]]) }));
write('http-tracker', 'trailing-newline', Buffer.concat([encode({ interval: 5, peers: Buffer.alloc(0) }), Buffer.from('\n')]));
write('udp-tracker', 'connect', encodeConnectResponse(0x01020304, 0x1122334455667788n));
write('udp-tracker', 'announce-v4', encodeAnnounceResponse(9, { interval: 1800, leechers: 1, seeders: 2, peers: [{ host: '127.0.0.1', port: 6881 }, { host: '10.0.0.2', port: 0 }] }));
write('udp-tracker', 'announce-v6', encodeAnnounceResponse(9, { interval: 1800, leechers: 1, seeders: 2, peers: [{ host: '::ffff:10.0.0.1', port: 6881 }, { host: 'fe80::1', port: 1 }] }, 6));
write('udp-tracker', 'scrape', encodeScrapeResponse(7, [{ complete: 1, downloaded: 2, incomplete: 3 }, { complete: 0, downloaded: 0, incomplete: 0 }]));
write('udp-tracker', 'error', encodeErrorResponse(7, 'torrent not registered \u00e9'));

// KRPC.
const t = Buffer.from('tx');
write('krpc', 'query-ping', encodeQuery(t, id, { method: 'ping' }, true));
write('krpc', 'query-find-node', encodeQuery(t, id, { method: 'find_node', target: hash, want: ['n4', 'n6'] }));
write('krpc', 'query-announce-peer', encodeQuery(t, id, { method: 'announce_peer', infoHash: hash, port: 6881, token: Buffer.from('tok'), impliedPort: true }));
write(
  'krpc',
  'response-nodes',
  encodeResponse(
    t,
    {
      id,
      nodes: [{ id: hash, host: '127.0.0.1', port: 6881 }],
      nodes6: [{ id: hash, host: '::1', port: 6881 }],
      values: [{ host: '10.0.0.1', port: 1 }, { host: '::1', port: 2 }],
      token: Buffer.from('token'),
    },
    { host: '192.0.2.1', port: 4000 },
  ),
);
write('krpc', 'error', encodeError(t, 203, 'Protocol Error'));
