import { describe, expect, it } from 'vitest';
import { fileData } from '../metainfo/test-torrents.js';
import { decodeHashes, decodeHashRequest, encodeHashes, encodeHashReject, encodeHashRequest, type HashRequest } from '../wire/hash-messages.js';
import { answerRequest, layersAbovePieces, layersAbovePiecesAsync, levelNode, pieceLayerHeight, requestProblem, rootHeight, uncleCount, verifyHashes } from './hash-proofs.js';
import { fileTree } from './merkle.js';

const PIECE = 32768;
// 37 pieces: the piece layer is padded to 64 entries.
const data = fileData(36 * PIECE + 1000, 7);
const tree = fileTree(data, PIECE);
const layer = Buffer.concat(tree.layer);
const levels = layersAbovePieces(layer, data.length, PIECE);
const pl = pieceLayerHeight(PIECE);
const top = rootHeight(data.length);

function request(index: number, length: number, proofLayers = top - pl - 1, baseLayer = pl): HashRequest {
  return { root: tree.root, baseLayer, index, length, proofLayers };
}

describe('BEP 52 hash proofs', () => {
  it('the layers above the pieces end in the file root', () => {
    expect(levels[0]).toHaveLength(64 * 32);
    expect(levels[levels.length - 1]).toEqual(tree.root);
    expect(top - pl).toBe(6);
    expect(levelNode(levels, 0, 36)).toEqual(layer.subarray(36 * 32));
    expect(levelNode(levels, 0, 64)).toBeNull();
  });

  it('built a few pairs at a time, the event loop turns in between and the layers are the same', async () => {
    let turns = 0;
    const tick = (): void => {
      turns++;
      if (!done) setImmediate(tick);
    };
    let done = false;
    setImmediate(tick);
    const built = await layersAbovePiecesAsync(layer, data.length, PIECE, 4);
    done = true;
    expect(built).toEqual(levels);
    // 19 + 10 + 5 + 3 + 2 + 1 pairs hashed (padding is copied, not hashed): 40 pairs, 10 turns of 4.
    expect(turns).toBeGreaterThanOrEqual(8);
  });

  it.each([
    [0, 64],
    [0, 8],
    [32, 8],
    [56, 8],
    [2, 2],
  ])('a run of %i+%i piece hashes with uncles up to the root proves out; tampered, it does not', (index, length) => {
    const r = request(index, length);
    expect(requestProblem(r, data.length)).toBeNull();
    const hashes = answerRequest(r, levels, PIECE);
    expect(hashes.length).toBe((length + uncleCount(r)) * 32);
    expect(hashes.subarray(0, Math.min(length, 37 - index) * 32)).toEqual(layer.subarray(index * 32, Math.min(index + length, 37) * 32));
    expect(verifyHashes(r, hashes, tree.root)).toBe(true);
    for (const at of [0, hashes.length - 1]) {
      const bad = Buffer.from(hashes);
      bad[at]! ^= 1;
      expect(verifyHashes(r, bad, tree.root)).toBe(false);
    }
    expect(verifyHashes(r, hashes.subarray(32), tree.root)).toBe(false);
  });

  it('refuses requests that are not valid for the tree (as libtorrent validates them)', () => {
    expect(requestProblem(request(0, 3), data.length)).toMatch(/power of two/);
    expect(requestProblem(request(0, 16384), data.length)).toMatch(/power of two from 1 to 8192/);
    expect(requestProblem(request(4, 8), data.length)).toMatch(/index/);
    expect(requestProblem(request(64, 8), data.length)).toMatch(/index/);
    expect(requestProblem(request(0, 8, 6), data.length)).toMatch(/proof layers/);
    expect(requestProblem(request(0, 8, 0, top), data.length)).toMatch(/no such layer/);
    // Below the piece layer is valid (answered from the data), down to single blocks.
    expect(requestProblem(request(0, 2, top - 1, 0), data.length)).toBeNull();
    expect(requestProblem(request(5, 1, 0, 0), data.length)).toBeNull();
    expect(requestProblem(request(0, 2, top, 0), data.length)).toMatch(/proof layers/);
  });

  it('validates requests in trees of 2^31 leaves and more (no 32-bit wrap of the layer size)', () => {
    const huge = 2 ** 33 * 16384; // 2^33 blocks: leaves at height 0, root at 33
    const r: HashRequest = { root: tree.root, baseLayer: 0, index: 2 ** 31, length: 8192, proofLayers: 10 };
    expect(requestProblem(r, huge)).toBeNull();
    expect(requestProblem({ ...r, index: 2 ** 32 - 8192 }, huge)).toBeNull();
    expect(requestProblem({ ...r, baseLayer: 2 }, huge)).toMatch(/index/); // that layer has 2^31 nodes
  });

  it('codec: request, reject and hashes round-trip; malformed payloads are refused with a reason', () => {
    const r = request(8, 8);
    expect(decodeHashRequest(encodeHashRequest(r).subarray(5))).toEqual(r);
    expect(encodeHashRequest(r)[4]).toBe(21);
    expect(encodeHashReject(r)[4]).toBe(23);
    const hashes = answerRequest(r, levels, PIECE);
    const frame = encodeHashes({ ...r, hashes });
    expect(frame[4]).toBe(22);
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    expect(decodeHashes(frame.subarray(5))).toEqual({ ...r, hashes });
    expect(decodeHashRequest(Buffer.alloc(47))).toMatch(/malformed/);
    expect(decodeHashes(Buffer.alloc(48 + 33))).toMatch(/32-byte/);
    expect(decodeHashes(Buffer.alloc(48 + 32 * 9000))).toMatch(/hashes in one message/);
  });
});
