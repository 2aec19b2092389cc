import { describe, expect, it } from 'vitest';
import { encode } from '../bencode/index.js';
import { parseInfoDictionary, parseTorrent } from '../metainfo/index.js';
import { hybridTorrent } from '../metainfo/test-torrents.js';
import type { PeerConnection } from '../peer/peer-connection.js';
import { V2Hashes } from './v2-hashes.js';

const PIECE = 16384;
// 600 pieces: two runs of 512, the second with uncle hashes; and a small file needing none.
const t = hybridTorrent({ files: [{ path: ['a'], length: 600 * PIECE - 7 }, { path: ['b'], length: 100 }], pieceLength: PIECE, v2Only: true });
const seed = parseTorrent(t.bytes);

function fakePeer(): { sent: Buffer[]; closed: string[]; peer: PeerConnection } {
  const sent: Buffer[] = [];
  const closed: string[] = [];
  const peer = { remote: {}, unsentBytes: 0, send: (f: Buffer) => sent.push(f), close: (r: { detail?: string }) => closed.push(r.detail ?? '') };
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

  it('a hybrid magnet needs no layers from peers: its SHA-1 hashes check the pieces', () => {
    const hybrid = hybridTorrent({ files: [{ path: ['a'], length: 600 * PIECE - 7 }], pieceLength: PIECE });
    const magnet = parseInfoDictionary(encode(hybrid.info));
    expect(magnet.hybrid).toBe(true);
    expect(magnet.v2!.files[0]!.layer).toBeNull();
    expect(V2Hashes.missingLayers(magnet)).toBe(false);
  });

  it('rejects requests for roots it does not know, runs not aligned to their length, or beyond the per-tick bound', () => {
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
    for (let i = 0; i < 20; i++) serving.message(p.peer, 21, request(root, 9));
    expect(p.sent.filter((f) => f[4] === 22)).toHaveLength(16);
    expect(p.sent.filter((f) => f[4] === 23)).toHaveLength(4);
    serving.tick();
    serving.message(p.peer, 21, request(root, 9));
    expect(p.sent.at(-1)![4]).toBe(22);
  });
});
