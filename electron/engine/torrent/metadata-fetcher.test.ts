import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CloseReason } from '../peer/close-reason.js';
import type { ExtensionHandshake } from '../wire/extension-handshake.js';
import { decodeMetadataMessage, METADATA_PIECE_SIZE } from '../wire/ut-metadata.js';
import { MAX_METADATA_SIZE, MAX_SIZES, MetadataFetcher, TURN_MS, type MetadataPeer } from './metadata-fetcher.js';

const THEIR_UT_METADATA = 7;

/** Deterministic bytes standing in for an info dictionary. */
function infoBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 17) & 0xff;
  return out;
}

/** A connection as the fetcher sees it: records requests, and reports its own close back like a real one. */
class FakePeer implements MetadataPeer {
  readonly requests: number[] = [];
  closedWith: CloseReason | null = null;
  extensions: ExtensionHandshake;
  onClose: ((peer: FakePeer) => void) | null = null;

  constructor(metadataSize: number | null, utMetadata = THEIR_UT_METADATA) {
    this.extensions = { ids: new Map([['ut_metadata', utMetadata]]), client: null, reqq: null, listenPort: null, metadataSize, uploadOnly: false };
  }

  get isOpen(): boolean {
    return this.closedWith === null;
  }

  send(frame: Buffer): void {
    // <len><id=20><ext id><bencoded request>
    expect(frame[4]).toBe(20);
    expect(frame[5]).toBe(THEIR_UT_METADATA);
    const m = decodeMetadataMessage(frame.subarray(6));
    if (typeof m === 'string' || m.type !== 'request') throw new Error(`not a request: ${String(m)}`);
    this.requests.push(m.piece);
  }

  close(reason: CloseReason): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    this.onClose?.(this);
  }

  /** Takes the requests made so far. */
  take(): number[] {
    return this.requests.splice(0);
  }
}

function setup(info: Buffer) {
  const infoHash = createHash('sha1').update(info).digest();
  const results: Buffer[] = [];
  const fetcher = new MetadataFetcher(infoHash, (bytes) => results.push(bytes));
  const join = (peer: FakePeer): FakePeer => {
    peer.onClose = (p) => fetcher.peerGone(p);
    fetcher.peerReady(peer);
    return peer;
  };
  /** The peer answers each request it has with the matching piece of `bytes`. */
  const serve = (peer: FakePeer, bytes: Buffer): void => {
    for (const piece of peer.take()) {
      const data = bytes.subarray(piece * METADATA_PIECE_SIZE, (piece + 1) * METADATA_PIECE_SIZE);
      fetcher.onMessage(peer, { type: 'data', piece, totalSize: bytes.length, data });
    }
  };
  return { fetcher, results, join, serve };
}

describe('MetadataFetcher', () => {
  it('fetches every piece from an honest peer, at most four requests in flight, and hands over bytes that hash right', () => {
    const info = infoBytes(5 * METADATA_PIECE_SIZE + 100, 1);
    const { fetcher, results, join, serve } = setup(info);
    const seed = join(new FakePeer(info.length));
    expect(seed.requests).toEqual([0, 1, 2, 3]);
    expect(fetcher.progress()).toEqual([0, info.length]);
    while (results.length === 0 && seed.requests.length > 0) serve(seed, info);
    expect(results).toHaveLength(1);
    expect(results[0]!.equals(info)).toBe(true);
    expect(seed.closedWith).toBeNull();
  });

  it('an honest seed still delivers after a peer that lied about the size sent junk and left (issue 10)', () => {
    const info = infoBytes(2 * METADATA_PIECE_SIZE + 10, 2);
    const { fetcher, results, join, serve } = setup(info);
    // The liar comes first and claims another size; its copy fails the hash.
    const liar = join(new FakePeer(3 * METADATA_PIECE_SIZE));
    const seed = join(new FakePeer(info.length));
    expect(fetcher.sizes().sort()).toEqual([info.length, 3 * METADATA_PIECE_SIZE].sort());
    expect(seed.requests.length).toBeGreaterThan(0); // fetched side by side, not after the liar
    serve(liar, infoBytes(3 * METADATA_PIECE_SIZE, 9));
    expect(liar.closedWith?.kind).toBe('bad-metadata');
    expect(fetcher.sizes()).toEqual([info.length]);
    serve(seed, info);
    expect(results).toHaveLength(1);
    expect(results[0]!.equals(info)).toBe(true);
  });

  it('a size offered by a peer that left is forgotten; a later peer with another size is fetched from', () => {
    const info = infoBytes(METADATA_PIECE_SIZE + 1, 3);
    const { fetcher, results, join, serve } = setup(info);
    const liar = join(new FakePeer(999_999));
    fetcher.peerGone(liar);
    expect(fetcher.sizes()).toEqual([]);
    const seed = join(new FakePeer(info.length));
    serve(seed, info);
    expect(results).toHaveLength(1);
  });

  it('junk of the right size drops every contributor and starts that size over with the peers left', () => {
    const info = infoBytes(2 * METADATA_PIECE_SIZE, 4);
    const { fetcher, results, join, serve } = setup(info);
    const liar = join(new FakePeer(info.length));
    const bystander = join(new FakePeer(info.length)); // gets nothing to fetch: the liar took both pieces
    expect(liar.requests).toEqual([0, 1]);
    expect(bystander.requests).toEqual([]);
    serve(liar, infoBytes(info.length, 5));
    expect(liar.closedWith?.kind).toBe('bad-metadata');
    expect(results).toHaveLength(0);
    expect(fetcher.sizes()).toEqual([info.length]);
    expect(bystander.requests).toEqual([0, 1]);
    serve(bystander, info);
    expect(results).toHaveLength(1);
    expect(bystander.closedWith).toBeNull();
  });

  it('a copy several peers sent that fails the hash closes none of them: one peer at a time from then on, so the liar alone is dropped', () => {
    const info = infoBytes(6 * METADATA_PIECE_SIZE, 10);
    const junk = infoBytes(info.length, 11);
    const { results, join, serve } = setup(info);
    const liar = join(new FakePeer(info.length));
    const seeds = [join(new FakePeer(info.length)), join(new FakePeer(info.length))];
    expect(liar.requests).toEqual([0, 1, 2, 3]);
    expect(seeds[0]!.requests).toEqual([4, 5]);
    serve(seeds[0]!, info);
    serve(liar, junk); // completes the mixed copy, which fails the hash
    expect(results).toHaveLength(0);
    expect([liar, ...seeds].map((p) => p.closedWith)).toEqual([null, null, null]);
    // The liar came first: the whole next copy is its own, and nobody else is asked meanwhile.
    expect(liar.requests).toEqual([0, 1, 2, 3]);
    expect(seeds.map((p) => p.requests)).toEqual([[], []]);
    while (liar.requests.length > 0) serve(liar, junk);
    expect(liar.closedWith?.kind).toBe('bad-metadata');
    expect(seeds[0]!.requests).toEqual([0, 1, 2, 3]);
    expect(seeds[1]!.requests).toEqual([]);
    while (results.length === 0 && seeds[0]!.requests.length > 0) serve(seeds[0]!, info);
    expect(results).toHaveLength(1);
    expect(results[0]!.equals(info)).toBe(true);
    expect(seeds.map((p) => p.closedWith)).toEqual([null, null]);
  });

  describe('a source that never answers', () => {
    afterEach(() => vi.useRealTimers());

    it('three of them with sizes of their own give their room to a waiting peer once their requests time out', () => {
      vi.useFakeTimers({ now: 1_000_000 });
      const info = infoBytes(METADATA_PIECE_SIZE, 16);
      const { fetcher, results, join, serve } = setup(info);
      const silent = Array.from({ length: MAX_SIZES }, (_, i) => join(new FakePeer(info.length + 1 + i)));
      const seed = join(new FakePeer(info.length));
      expect(seed.requests).toEqual([]);
      vi.advanceTimersByTime(10_001);
      fetcher.tick();
      expect(fetcher.sizes()).toContain(info.length);
      serve(seed, info);
      expect(results).toHaveLength(1);
      expect(silent.map((p) => p.closedWith)).toEqual([null, null, null]);
    });

    it('gets no piece again while another source answers: its requests time out and go to the others', () => {
      vi.useFakeTimers({ now: 1_000_000 });
      const info = infoBytes(6 * METADATA_PIECE_SIZE, 14);
      const { fetcher, results, join, serve } = setup(info);
      const silent = join(new FakePeer(info.length)); // came first: asked for four pieces, answers none
      const seed = join(new FakePeer(info.length));
      expect(silent.take()).toEqual([0, 1, 2, 3]);
      serve(seed, info);
      expect(results).toHaveLength(0);
      vi.advanceTimersByTime(10_001);
      fetcher.tick();
      expect(silent.take()).toEqual([]);
      while (results.length === 0 && seed.requests.length > 0) serve(seed, info);
      expect(results).toHaveLength(1);
      expect(results[0]!.equals(info)).toBe(true);
    });

    it('is asked again once it is the only source left, and counts as answering once it sends a piece', () => {
      vi.useFakeTimers({ now: 1_000_000 });
      const info = infoBytes(2 * METADATA_PIECE_SIZE, 15);
      const { fetcher, results, join, serve } = setup(info);
      const slow = join(new FakePeer(info.length));
      const other = join(new FakePeer(info.length));
      expect(slow.take()).toEqual([0, 1]);
      vi.advanceTimersByTime(10_001);
      fetcher.tick();
      expect(other.take()).toEqual([0, 1]);
      fetcher.peerGone(other);
      expect(slow.requests).toEqual([0, 1]);
      serve(slow, info);
      expect(results).toHaveLength(1);
    });
  });

  describe('one peer at a time', () => {
    afterEach(() => vi.useRealTimers());

    it('a peer that stalls or leaves passes its turn, and its copy with it; a late answer from it does not mix in', () => {
      vi.useFakeTimers({ now: 1_000_000 });
      const info = infoBytes(3 * METADATA_PIECE_SIZE, 12);
      const { fetcher, results, join, serve } = setup(info);
      const a = join(new FakePeer(info.length));
      const b = join(new FakePeer(info.length));
      const c = join(new FakePeer(info.length));
      serve(a, infoBytes(info.length, 13)); // a alone sent a bad copy: a liar
      expect(a.closedWith?.kind).toBe('bad-metadata');
      expect(b.take()).toEqual([0, 1, 2]);
      // Make the next copies one peer at a time: a mixed copy that fails.
      fetcher.onMessage(b, { type: 'data', piece: 0, totalSize: info.length, data: info.subarray(0, METADATA_PIECE_SIZE) });
      fetcher.peerGone(b);
      expect(c.take()).toEqual([1, 2]);
      const d = join(new FakePeer(info.length));
      serve(d, info); // nothing asked of d: the slots are c's
      expect(results).toHaveLength(0);
      fetcher.onMessage(c, { type: 'data', piece: 1, totalSize: info.length, data: Buffer.alloc(METADATA_PIECE_SIZE) });
      fetcher.onMessage(c, { type: 'data', piece: 2, totalSize: info.length, data: info.subarray(2 * METADATA_PIECE_SIZE) });
      expect(results).toHaveLength(0);
      expect([c.closedWith, d.closedWith]).toEqual([null, null]);
      // Now one at a time: c (first in line) owns the copy and stalls.
      expect(c.take()).toEqual([0, 1, 2]);
      expect(d.take()).toEqual([]);
      fetcher.onMessage(c, { type: 'data', piece: 0, totalSize: info.length, data: info.subarray(0, METADATA_PIECE_SIZE) });
      vi.advanceTimersByTime(10_001);
      fetcher.tick();
      expect(d.take()).toEqual([0, 1, 2]); // c's piece 0 went with its turn
      fetcher.onMessage(c, { type: 'data', piece: 1, totalSize: info.length, data: Buffer.alloc(METADATA_PIECE_SIZE) }); // late, ignored
      fetcher.onMessage(d, { type: 'data', piece: 0, totalSize: info.length, data: info.subarray(0, METADATA_PIECE_SIZE) });
      fetcher.peerGone(d); // leaves with a partial copy: c's turn again, from scratch
      expect(c.take()).toEqual([0, 1, 2]);
      for (const piece of [0, 1, 2]) fetcher.onMessage(c, { type: 'data', piece, totalSize: info.length, data: info.subarray(piece * METADATA_PIECE_SIZE, (piece + 1) * METADATA_PIECE_SIZE) });
      expect(results).toHaveLength(1);
      expect(results[0]!.equals(info)).toBe(true);
      expect(c.closedWith).toBeNull();
    });

    /** Each request answered just before it would time out, with `bytes`; the fetcher ticks each second, as the torrent does. */
    const answerLate = (fetcher: MetadataFetcher, serve: (peer: FakePeer, bytes: Buffer) => void, peer: FakePeer, bytes: Buffer): void => {
      for (let s = 0; s < 9; s++) {
        vi.advanceTimersByTime(1000);
        fetcher.tick();
      }
      vi.advanceTimersByTime(900);
      serve(peer, bytes);
      fetcher.tick();
    };

    it('a peer answering each request just in time keeps its turn no longer than TURN_MS: the honest peer behind it is asked, and delivers', () => {
      vi.useFakeTimers({ now: 1_000_000 });
      const pieces = 40; // ten rounds of four requests: 99 s at 9.9 s a round
      const info = infoBytes(pieces * METADATA_PIECE_SIZE, 20);
      const junk = infoBytes(info.length, 21);
      const { fetcher, results, join, serve } = setup(info);
      const liar = join(new FakePeer(info.length));
      const seed = join(new FakePeer(info.length));
      // A mixed copy fails the hash: one peer at a time from then on, the liar first.
      while (seed.requests.length > 0) serve(seed, info);
      serve(liar, junk);
      expect(results).toHaveLength(0);
      expect(liar.requests).toEqual([0, 1, 2, 3]);
      const started = Date.now();
      let rounds = 0;
      while (seed.requests.length === 0 && liar.closedWith === null) {
        answerLate(fetcher, serve, liar, junk);
        rounds++;
      }
      expect(liar.closedWith).toBeNull(); // its copy was not finished: the turn ended first
      expect(rounds).toBeLessThan(pieces / 4);
      expect(Date.now() - started).toBeLessThanOrEqual(TURN_MS + 10_000);
      while (results.length === 0 && seed.requests.length > 0) serve(seed, info);
      expect(results).toHaveLength(1);
      expect(results[0]!.equals(info)).toBe(true);
    });

    it('a slow honest peer alone still gets the copy: each turn it loses, its next one is twice as long', () => {
      vi.useFakeTimers({ now: 1_000_000 });
      const info = infoBytes(40 * METADATA_PIECE_SIZE, 22);
      const { fetcher, results, join, serve } = setup(info);
      const first = join(new FakePeer(info.length));
      const slow = join(new FakePeer(info.length));
      // One peer at a time: a mixed copy with junk from `first`, which then leaves.
      while (slow.requests.length > 0) serve(slow, info);
      serve(first, infoBytes(info.length, 23));
      expect(results).toHaveLength(0);
      first.close({ kind: 'remote-closed' });
      expect(slow.requests).toEqual([0, 1, 2, 3]);
      let rounds = 0;
      while (results.length === 0 && rounds < 100) {
        answerLate(fetcher, serve, slow, info);
        rounds++;
      }
      expect(results).toHaveLength(1);
      expect(results[0]!.equals(info)).toBe(true);
      expect(slow.closedWith).toBeNull();
    });

  });

  it('a reject moves the piece to another source of the same size', () => {
    const info = infoBytes(METADATA_PIECE_SIZE, 6);
    const { results, join, serve, fetcher } = setup(info);
    const shy = join(new FakePeer(info.length));
    const seed = join(new FakePeer(info.length));
    expect(shy.take()).toEqual([0]);
    fetcher.onMessage(shy, { type: 'reject', piece: 0 });
    expect(seed.requests).toEqual([0]);
    serve(seed, info);
    expect(results).toHaveLength(1);
    expect(shy.closedWith).toBeNull();
  });

  it('refuses sizes over the cap and keeps at most MAX_SIZES sizes, offering a waiting peer room when one goes', () => {
    const info = infoBytes(METADATA_PIECE_SIZE, 7);
    const { fetcher, join } = setup(info);
    const huge = join(new FakePeer(MAX_METADATA_SIZE + 1));
    expect(huge.closedWith?.kind).toBe('bad-metadata');
    const liars = Array.from({ length: MAX_SIZES }, (_, i) => join(new FakePeer(100 + i)));
    const late = join(new FakePeer(info.length));
    expect(fetcher.sizes()).toHaveLength(MAX_SIZES);
    expect(late.requests).toEqual([]);
    fetcher.peerGone(liars[0]!);
    expect(fetcher.sizes()).toContain(info.length);
    expect(late.requests).toEqual([0]);
  });

  it('data with a size other than the one the peer advertised is malformed', () => {
    const info = infoBytes(METADATA_PIECE_SIZE, 8);
    const { fetcher, join } = setup(info);
    const peer = join(new FakePeer(info.length));
    fetcher.onMessage(peer, { type: 'data', piece: 0, totalSize: info.length + 1, data: info });
    expect(peer.closedWith?.kind).toBe('bad-metadata');
    expect(fetcher.sizes()).toEqual([]);
  });

  it('peers without ut_metadata or without a size are not sources', () => {
    const info = infoBytes(METADATA_PIECE_SIZE, 9);
    const { fetcher, join } = setup(info);
    join(new FakePeer(null));
    join(new FakePeer(info.length, 0));
    expect(fetcher.sizes()).toEqual([]);
  });
});
