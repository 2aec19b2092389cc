/**
 * Fuzz target: BEP 52 hash request / hashes / hash reject from a stranger, as the torrent's
 * V2Hashes sees them (served from a seed's layers, and while fetching a magnet's layers).
 * Nothing throws; every reply is a well-formed hashes or hash reject; replies stay within
 * the per-tick bound; and no layer is ever installed that does not match the real one.
 */
import { fc, test } from '@fast-check/vitest';
import { SECONDARY_RUNS } from '../../../scripts/fuzz/budget.js';
import { tally } from '../../../scripts/fuzz/tally.js';
import { encode } from '../bencode/index.js';
import { parseInfoDictionary, parseTorrent } from '../metainfo/index.js';
import { hybridTorrent } from '../metainfo/test-torrents.js';
import type { PeerConnection } from '../peer/peer-connection.js';
import { V2Hashes } from '../torrent/v2-hashes.js';
import { decodeHashes, decodeHashRequest } from './hash-messages.js';

const PIECE = 16384;
const t = hybridTorrent({ files: [{ path: ['a'], length: 40 * PIECE + 5 }, { path: ['b'], length: 3 * PIECE }], pieceLength: PIECE, v2Only: true });
const seed = parseTorrent(t.bytes);
const roots = seed.v2!.files.map((f) => f.root);

interface FakePeer {
  sent: Buffer[];
  closed: string | null;
}

function fakePeer(): { fake: FakePeer; peer: PeerConnection } {
  const fake: FakePeer = { sent: [], closed: null };
  const peer = {
    remote: {},
    unsentBytes: 0,
    send: (frame: Buffer) => fake.sent.push(frame),
    close: (reason: { detail?: string }) => {
      fake.closed = reason.detail ?? 'closed';
    },
  };
  return { fake, peer: peer as unknown as PeerConnection };
}

const header = fc.record({
  root: fc.oneof(fc.constantFrom(...roots), fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b))),
  baseLayer: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constant(0xffffffff)),
  index: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.constant(0x7fffffff)),
  length: fc.oneof(fc.constantFrom(1, 2, 4, 8, 16, 32, 64, 8192), fc.integer({ min: 0, max: 0xffffffff })),
  proofLayers: fc.integer({ min: 0, max: 10 }),
});
const message = fc.tuple(
  fc.constantFrom(21, 22, 23),
  header,
  fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 80 })),
  fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })),
).map(([id, h, hashCount, junk]) => {
  const body = Buffer.alloc(48 + (id === 22 ? hashCount * 32 : 0) + (junk === 1 ? 1 : 0));
  h.root.copy(body, 0);
  body.writeUInt32BE(h.baseLayer, 32);
  body.writeUInt32BE(h.index, 36);
  body.writeUInt32BE(h.length >>> 0, 40);
  body.writeUInt32BE(h.proofLayers, 44);
  for (let i = 48; i < body.length; i++) body[i] = (i * 131 + hashCount) & 0xff;
  return { id, payload: body };
});

const seen = tally('BEP 52 hash messages (V2Hashes)');
test.prop([fc.array(message, { maxLength: 40 })], { numRuns: SECONDARY_RUNS })(
  'V2Hashes answers or drops every stranger message within bounds, and installs only proven layers',
  (messages) => {
    seen();
    const magnet = parseInfoDictionary(encode(t.info));
    const serving = new V2Hashes({ meta: () => seed, peers: () => [] });
    const { fake, peer } = fakePeer();
    const fetcher = new V2Hashes({ meta: () => null, peers: () => [peer] });
    let installed = false;
    void fetcher.fetchLayers(magnet).then(() => {
      installed = true;
    });
    for (const { id, payload } of messages) {
      // Lengths the frame reader would refuse never reach V2Hashes.
      if ((id !== 22 && payload.length !== 48) || (payload.length - 48) % 32 !== 0) continue;
      serving.message(peer, id, payload);
      fetcher.message(peer, id, payload);
    }
    let answered = 0;
    for (const frame of fake.sent) {
      const id = frame[4];
      const body = frame.subarray(5);
      if (frame.readUInt32BE(0) !== frame.length - 4) throw new Error('bad frame length');
      if (id === 22) {
        answered++;
        if (typeof decodeHashes(body) === 'string') throw new Error('malformed hashes sent');
      } else if (typeof decodeHashRequest(body) === 'string') throw new Error(`malformed message ${id} sent`);
    }
    if (answered > 16) throw new Error(`${answered} hash requests answered in one tick`);
    for (const f of magnet.v2!.files) {
      const real = seed.v2!.files.find((s) => s.root.equals(f.root))!;
      if (f.layer !== null && !f.layer.equals(real.layer!)) throw new Error('an unproven layer was installed');
    }
    if (installed && magnet.v2!.files.some((f) => f.pieceCount > 1 && f.layer === null)) throw new Error('done with layers missing');
  },
);
