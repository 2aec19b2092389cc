import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encode } from '../bencode/index.js';
import { parseInfoDictionary, parseTorrent, type Metainfo } from '../metainfo/index.js';
import { fileData, hybridTorrent } from '../metainfo/test-torrents.js';
import { rootHeight, verifyHashes } from '../merkle/hash-proofs.js';
import { layerRoot } from '../merkle/merkle.js';
import { decodeHashes, encodeHashRequest, type HashRequest } from '../wire/hash-messages.js';
import type { PeerConnection } from '../peer/peer-connection.js';
import { MAX_HASH_REQUESTS_PER_TICK, V2Hashes } from './v2-hashes.js';

const PIECE = 16384;
// 600 pieces: two runs of 512, the second with uncle hashes; and a small file needing none.
const t = hybridTorrent({ files: [{ path: ['a'], length: 600 * PIECE - 7 }, { path: ['b'], length: 100 }], pieceLength: PIECE, v2Only: true });
const seed = parseTorrent(t.bytes);

function fakePeer(): { sent: Buffer[]; closed: string[]; peer: PeerConnection } {
  const sent: Buffer[] = [];
  const closed: string[] = [];
  const peer = { remote: {}, unsentBytes: 0, sendShare: 128 * 1024 * 1024, send: (f: Buffer) => sent.push(f), close: (r: { detail?: string }) => closed.push(r.detail ?? '') };
  return { sent, closed, peer: peer as unknown as PeerConnection };
}

/** Lets the seed answer every request `from` sent; returns the answers. */
function answer(serving: V2Hashes, from: Buffer[]): Buffer[] {
  const server = fakePeer();
  for (const f of from.splice(0)) if (f[4] === 21) serving.message(server.peer, 21, f.subarray(5));
  return server.sent;
}

describe('V2Hashes', () => {
  it("fetches a magnet's missing piece layer from a peer that serves them, proven against the root", async () => {
    const magnet = parseInfoDictionary(encode(t.info));
    expect(V2Hashes.missingLayers(magnet)).toBe(true);
    const serving = new V2Hashes({ meta: () => seed, peers: () => [] });
    const leech = fakePeer();
    const fetcher = new V2Hashes({ meta: () => null, peers: () => [leech.peer] });
    const done = fetcher.fetchLayers(magnet);
    expect(leech.sent.map((f) => f[4])).toEqual([21, 21]);
    for (const a of answer(serving, leech.sent)) fetcher.message(leech.peer, a[4]!, a.subarray(5));
    await done;
    expect(leech.closed).toEqual([]);
    expect(magnet.v2!.files[0]!.layer).toEqual(seed.v2!.files[0]!.layer);
    expect(V2Hashes.missingLayers(magnet)).toBe(false);
  });

  it('drops a peer whose hashes do not prove out and asks another; a reject also sends the run elsewhere', async () => {
    const magnet = parseInfoDictionary(encode(t.info));
    const serving = new V2Hashes({ meta: () => seed, peers: () => [] });
    const liar = fakePeer();
    const rejecter = fakePeer();
    const honest = fakePeer();
    const peers = [liar.peer];
    const fetcher = new V2Hashes({ meta: () => null, peers: () => peers });
    let finished = false;
    const done = fetcher.fetchLayers(magnet).then(() => (finished = true));
    const answers = answer(serving, liar.sent);
    const forged = Buffer.from(answers[0]!);
    forged[forged.length - 1]! ^= 1;
    fetcher.message(liar.peer, 22, forged.subarray(5));
    expect(liar.closed[0]).toMatch(/do not prove out/);
    peers.splice(0, 1, rejecter.peer);
    fetcher.peerGone(liar.peer);
    for (const f of rejecter.sent.splice(0)) fetcher.message(rejecter.peer, 23, f.subarray(5));
    expect(finished).toBe(false);
    expect(rejecter.closed).toEqual([]);
    peers.push(honest.peer);
    fetcher.tick();
    for (const a of answer(serving, honest.sent)) fetcher.message(honest.peer, a[4]!, a.subarray(5));
    await done;
    expect(magnet.v2!.files[0]!.layer).toEqual(seed.v2!.files[0]!.layer);
  });

  it('builds the layers of a file of thousands of pieces between turns of the event loop: rejected meanwhile, then served', async () => {
    const pieces = 5000;
    const nodes = Array.from({ length: pieces }, (_, i) => createHash('sha256').update(`piece ${i}`).digest());
    const file = { root: layerRoot(nodes, PIECE), layer: Buffer.concat(nodes), length: pieces * PIECE, pieceCount: pieces, firstPiece: 0 };
    const meta = { pieceLength: PIECE, v2: { files: [file] } } as unknown as Metainfo;
    const serving = new V2Hashes({ meta: () => meta, peers: () => [] });
    const p = fakePeer();
    const r: HashRequest = { root: file.root, baseLayer: 0, index: 4096, length: 512, proofLayers: rootHeight(file.length) - 1 };
    const ask = (): number => {
      serving.tick();
      serving.message(p.peer, 21, encodeHashRequest(r).subarray(5));
      return p.sent.at(-1)![4]!;
    };
    expect(ask()).toBe(23);
    let turns = 0;
    while (ask() !== 22 && turns++ < 1000) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(turns).toBeGreaterThan(0);
    const hashes = decodeHashes(p.sent.at(-1)!.subarray(5));
    if (typeof hashes === 'string') throw new Error(hashes);
    expect(verifyHashes(r, hashes.hashes, file.root)).toBe(true);
    expect(hashes.hashes.subarray(0, 32)).toEqual(nodes[4096]);
  });

  it('a hybrid magnet needs no layers from peers: its SHA-1 hashes check the pieces', () => {
    const hybrid = hybridTorrent({ files: [{ path: ['a'], length: 600 * PIECE - 7 }], pieceLength: PIECE });
    const magnet = parseInfoDictionary(encode(hybrid.info));
    expect(magnet.hybrid).toBe(true);
    expect(magnet.v2!.files[0]!.layer).toBeNull();
    expect(V2Hashes.missingLayers(magnet)).toBe(false);
  });

  it('rejects requests for roots it does not know, runs not aligned to their length, or beyond the per-tick bound (rejects count toward it)', () => {
    const serving = new V2Hashes({ meta: () => seed, peers: () => [] });
    const p = fakePeer();
    const request = (root: Buffer, base: number): Buffer => {
      const b = Buffer.alloc(48);
      root.copy(b);
      b.writeUInt32BE(base, 32);
      b.writeUInt32BE(0, 36);
      b.writeUInt32BE(2, 40);
      b.writeUInt32BE(0, 44);
      return b;
    };
    const root = seed.v2!.files[0]!.root;
    serving.message(p.peer, 21, request(Buffer.alloc(32, 1), 0));
    const misaligned = request(root, 0);
    misaligned.writeUInt32BE(1, 36);
    serving.message(p.peer, 21, misaligned);
    expect(p.sent.map((f) => f[4])).toEqual([23, 23]);
    p.sent.length = 0;
    // The two rejects count toward the tick's 16 as well: 14 more are answered.
    for (let i = 0; i < 20; i++) serving.message(p.peer, 21, request(root, 9));
    expect(p.sent.filter((f) => f[4] === 22)).toHaveLength(14);
    expect(p.sent.filter((f) => f[4] === 23)).toHaveLength(6);
    serving.tick();
    serving.message(p.peer, 21, request(root, 9));
    expect(p.sent.at(-1)![4]).toBe(22);
  });

  describe('block hashes (layer 0), as libtorrent asks for them after a piece failed', () => {
    const BIG = 64 * 1024;
    const LENGTH = 5 * BIG + 1000;
    const v2 = parseTorrent(hybridTorrent({ files: [{ path: ['a'], length: LENGTH }], pieceLength: BIG, v2Only: true }).bytes);
    const data = fileData(LENGTH, 1);
    const root = v2.v2!.files[0]!.root;
    // libtorrent's request for piece 5's blocks: base 0, its first block, 4 blocks, proofs to the root.
    const lastPiece: HashRequest = { root, baseLayer: 0, index: 20, length: 4, proofLayers: rootHeight(LENGTH) - 1 };
    const piece = (i: number, bytes = data): Buffer => Buffer.from(bytes.subarray(i * BIG, (i + 1) * BIG));

    async function ask(readPiece: (i: number) => Promise<Buffer | null>, ...requests: HashRequest[]): Promise<Buffer[]> {
      const serving = new V2Hashes({ meta: () => v2, peers: () => [], readPiece });
      const p = fakePeer();
      // One after another: a peer has one request below the piece layer read at a time.
      for (const r of requests) {
        serving.message(p.peer, 21, encodeHashRequest(r).subarray(5));
        await new Promise((resolve) => setImmediate(resolve));
      }
      return p.sent;
    }

    it('serves a piece\'s block hashes from its data, with proofs that reach the file root', async () => {
      const sent = await ask(async (i) => piece(i), lastPiece, { ...lastPiece, index: 0, length: 8 });
      expect(sent.map((f) => f[4])).toEqual([22, 22]);
      for (const f of sent) {
        const h = decodeHashes(f.subarray(5));
        if (typeof h === 'string') throw new Error(h);
        expect(verifyHashes(h, h.hashes, root)).toBe(true);
      }
    });

    it('rejects what it cannot vouch for (a piece it does not have, data changed on disk) and requests past the queue', async () => {
      expect((await ask(async () => null, lastPiece)).map((f) => f[4])).toEqual([23]);
      const changed = Buffer.from(data);
      changed[5 * BIG + 10]! ^= 1;
      expect((await ask(async (i) => piece(i, changed), lastPiece)).map((f) => f[4])).toEqual([23]);
      // libtorrent sends one request per failed piece, back to back: they wait their turn, up to a bound.
      let release = (): void => undefined;
      const slow = new Promise<void>((resolve) => (release = resolve));
      const serving = new V2Hashes({ meta: () => v2, peers: () => [], readPiece: async (i) => (await slow, piece(i)) });
      const p = fakePeer();
      for (let i = 0; i < 10; i++) serving.message(p.peer, 21, encodeHashRequest({ ...lastPiece, index: 4 * (i % 6) }).subarray(5));
      expect(p.sent.map((f) => f[4])).toEqual([23, 23]);
      release();
      for (let i = 0; i < 20 && p.sent.length < 10; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(p.sent.map((f) => f[4])).toEqual([23, 23, 22, 22, 22, 22, 22, 22, 22, 22]);
    });

    it('hashes at most a bound of data per peer and tick: the rest waits for the next tick', async () => {
      const serving = new V2Hashes({ meta: () => v2, peers: () => [], readPiece: async (i) => piece(i) }, BIG);
      const p = fakePeer();
      for (const index of [0, 4, 8]) serving.message(p.peer, 21, encodeHashRequest({ ...lastPiece, index }).subarray(5));
      const settle = async (): Promise<void> => {
        for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
      };
      await settle();
      expect(p.sent.map((f) => f[4])).toEqual([22]);
      serving.tick();
      await settle();
      expect(p.sent.map((f) => f[4])).toEqual([22, 22]);
      serving.tick();
      await settle();
      expect(p.sent.map((f) => f[4])).toEqual([22, 22, 22]);
    });
  });

  it('closes a peer that sends more than MAX_HASH_REQUESTS_PER_TICK hash requests in a tick, served or not', () => {
    const serving = new V2Hashes({ meta: () => seed, peers: () => [] });
    const file = seed.v2!.files[0]!;
    const request = encodeHashRequest({ root: file.root, baseLayer: 0, index: 0, length: 2, proofLayers: 0 }).subarray(5);
    const p = fakePeer();
    for (let i = 0; i < MAX_HASH_REQUESTS_PER_TICK; i++) serving.message(p.peer, 21, request);
    serving.tick();
    for (let i = 0; i < MAX_HASH_REQUESTS_PER_TICK; i++) serving.message(p.peer, 21, request);
    expect(p.closed).toEqual([]);
    expect(p.sent).toHaveLength(2 * MAX_HASH_REQUESTS_PER_TICK);
    serving.message(p.peer, 21, request);
    expect(p.closed).toEqual([expect.stringMatching(/hash requests in a second/)]);
  });
});
