import { describe, expect, it } from 'vitest';
import { mulberry32 as prng } from '../../../e2e/support/test-utils.js';
import { Bitfield } from '../util/bitfield.js';
import { BLOCK_SIZE } from '../wire/message-ids.js';
import { OwnedPieces } from './owned-pieces.js';
import { type BlockPick, PiecePicker, type PickerPeer } from './piece-picker.js';

/** A peer as the picker sees it: which pieces it has and which blocks it has been asked for. */
class FakePeer implements PickerPeer {
  readonly owned = new OwnedPieces();
  readonly asked = new Set<number>();

  constructor(private readonly pieces: ReadonlySet<number> | 'all') {}

  has(index: number): boolean {
    return this.pieces === 'all' || this.pieces.has(index);
  }

  addRequestKeysTo(keys: Set<number>): void {
    for (const key of this.asked) keys.add(key);
  }

  get outstandingRequests(): number {
    return this.asked.size;
  }

  /** Picks like the torrent does and records the requests as sent. */
  pick(picker: PiecePicker, max: number): BlockPick[] {
    const out: BlockPick[] = [];
    picker.pick(this, max, out);
    for (const p of out) this.asked.add(p.piece.index * 32768 + p.block);
    return out;
  }
}

const all = (): FakePeer => new FakePeer('all');
const having = (...indexes: number[]): FakePeer => new FakePeer(new Set(indexes));

/** Deterministic "random" that returns the given values in turn (then repeats the last). */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}

function pieces(picks: readonly BlockPick[]): number[] {
  return [...new Set(picks.map((p) => p.piece.index))];
}

function keys(picks: readonly BlockPick[]): string[] {
  return picks.map((p) => `${p.piece.index}/${p.block}`);
}

/** A picker whose random phase is over (4 pieces verified): rarest-first applies. */
function pastRandomPhase(pieceCount: number, random: () => number = () => 0): PiecePicker {
  const picker = new PiecePicker(pieceCount + 4, BLOCK_SIZE, BLOCK_SIZE, random);
  for (let i = pieceCount; i < pieceCount + 4; i++) picker.markHave(i);
  return picker;
}

/** Completes a piece as if every block arrived and the hash matched. */
function complete(picker: PiecePicker, index: number): void {
  expect(picker.markHave(index)).toBe(true);
}

describe('PiecePicker: geometry', () => {
  it("uses the walkthrough file's true last-piece length (1,799,542 bytes in 16 KiB pieces)", () => {
    const total = 1_799_542;
    const pieceCount = Math.ceil(total / BLOCK_SIZE);
    const last = total - (pieceCount - 1) * BLOCK_SIZE;
    expect(pieceCount).toBe(110);
    expect(last).toBe(13_686);
    const picker = new PiecePicker(pieceCount, BLOCK_SIZE, last, () => 0);
    expect(picker.pieceSize(0)).toBe(16384);
    expect(picker.pieceSize(108)).toBe(16384);
    expect(picker.pieceSize(109)).toBe(13_686);
    const picks = having(109).pick(picker, 10);
    expect(picks).toHaveLength(1);
    expect(picks[0]).toMatchObject({ block: 0, begin: 0, length: 13_686 });
    expect(picks[0]!.piece.length).toBe(13_686);
    expect(picks[0]!.piece.buffer!.length).toBe(13_686);
  });

  it('splits a large last piece into full blocks and one short block', () => {
    // 256 KiB pieces, last piece 40,000 bytes: 16384 + 16384 + 7232.
    const picker = new PiecePicker(3, 256 * 1024, 40_000, () => 0);
    const picks = having(2).pick(picker, 10);
    expect(picks.map((p) => [p.block, p.begin, p.length])).toEqual([
      [0, 0, 16384],
      [1, 16384, 16384],
      [2, 32768, 7232],
    ]);
    expect(picks.reduce((n, p) => n + p.length, 0)).toBe(40_000);
  });

  it('gives a regular piece pieceLength / 16 KiB full blocks', () => {
    const picker = new PiecePicker(2, 64 * 1024, 1, () => 0);
    const picks = having(0).pick(picker, 100);
    expect(picks.map((p) => p.length)).toEqual([16384, 16384, 16384, 16384]);
    expect(picks.map((p) => p.begin)).toEqual([0, 16384, 32768, 49152]);
  });

  it('handles a torrent of one piece shorter than a block', () => {
    const picker = new PiecePicker(1, BLOCK_SIZE, 5, () => 0);
    const picks = all().pick(picker, 4);
    expect(picks.map((p) => [p.piece.index, p.block, p.length])).toEqual([[0, 0, 5]]);
    complete(picker, 0);
    expect(picker.finished).toBe(true);
  });
});

describe('PiecePicker: rarest first', () => {
  it('picks the piece with the lowest availability', () => {
    const picker = pastRandomPhase(6);
    for (let i = 0; i < 6; i++) for (let k = 0; k < 3; k++) picker.peerHas(i);
    picker.peerLost(4); // piece 4 is now the rarest (2)
    expect(pieces(all().pick(picker, 1))).toEqual([4]);
  });

  it('orders new pieces by availability across picks', () => {
    const picker = pastRandomPhase(4);
    const avail = [3, 1, 4, 2];
    avail.forEach((n, i) => {
      for (let k = 0; k < n; k++) picker.peerHas(i);
    });
    const peer = all();
    const order: number[] = [];
    for (let i = 0; i < 4; i++) {
      const picks = peer.pick(picker, 1);
      order.push(picks[0]!.piece.index);
      complete(picker, picks[0]!.piece.index);
    }
    expect(order).toEqual([1, 3, 0, 2]);
  });

  it('tracks availability from bitfields added and removed', () => {
    const picker = pastRandomPhase(8);
    const a = new Bitfield(12, Uint8Array.from([0b11111110, 0]));
    const b = new Bitfield(12, Uint8Array.from([0b01111111, 0]));
    picker.peerBitfield(a, 1);
    picker.peerBitfield(b, 1);
    expect(picker.availability(0)).toBe(1);
    expect(picker.availability(1)).toBe(2);
    expect(picker.availability(7)).toBe(1);
    // Pieces 0 and 7 are the rarest; random 0 starts at the front of that bucket.
    const first = pieces(all().pick(picker, 1))[0];
    expect([0, 7]).toContain(first);
    picker.peerBitfield(a, -1);
    expect(picker.availability(1)).toBe(1);
    expect(picker.availability(0)).toBe(0);
  });

  it('never lets availability go below zero', () => {
    const picker = pastRandomPhase(2);
    picker.peerLost(0);
    picker.peerLost(0);
    expect(picker.availability(0)).toBe(0);
    picker.peerHas(0);
    expect(picker.availability(0)).toBe(1);
  });

  it('counts seeds apart: they add to every piece without changing the order', () => {
    const picker = pastRandomPhase(3);
    picker.peerHas(0);
    picker.peerHas(0);
    picker.peerHas(2);
    picker.seedJoined();
    picker.seedJoined();
    expect([0, 1, 2].map((i) => picker.availability(i))).toEqual([4, 2, 3]);
    expect(pieces(all().pick(picker, 1))).toEqual([1]);
    picker.seedLeft();
    expect([0, 1, 2].map((i) => picker.availability(i))).toEqual([3, 1, 2]);
  });

  it('breaks ties at random (the injected random chooses the start inside the bucket)', () => {
    const seen = new Set<number>();
    for (const r of [0, 0.2, 0.4, 0.6, 0.8, 0.99]) {
      const picker = pastRandomPhase(5, () => r);
      seen.add(pieces(all().pick(picker, 1))[0]!);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('is deterministic for a given random sequence', () => {
    const run = (): number[] => {
      const picker = pastRandomPhase(16, sequence(0.3, 0.7, 0.1, 0.9, 0.5));
      const peer = all();
      return [0, 1, 2, 3, 4].map(() => peer.pick(picker, 1)[0]!.piece.index);
    };
    expect(run()).toEqual(run());
  });

  it('skips pieces the peer lacks inside the rarest bucket and moves to the next bucket', () => {
    const picker = pastRandomPhase(6);
    for (const i of [3, 4, 5]) picker.peerHas(i); // 0,1,2 rarest (0), 3,4,5 at 1
    expect(pieces(having(1, 4).pick(picker, 1))).toEqual([1]);
    expect(pieces(having(4, 5).pick(picker, 1))).toEqual([4]);
  });

  it('keeps rarity up to date for pieces that change availability while in flight', () => {
    const picker = pastRandomPhase(3);
    picker.peerHas(1);
    picker.peerHas(2);
    const peer = all();
    expect(pieces(peer.pick(picker, 1))).toEqual([0]); // piece 0 in flight now (1 block)
    for (let k = 0; k < 5; k++) picker.peerHas(0);
    picker.pieceFailed(0); // back among free pieces, at availability 5
    expect(pieces(all().pick(picker, 1))).toEqual([1]);
    expect(pieces(all().pick(picker, 1))).toEqual([2]);
    expect(pieces(all().pick(picker, 1))).toEqual([0]);
  });
});

describe('PiecePicker: the first pieces', () => {
  it('picks at random, whatever the availability, while fewer than 4 pieces are verified', () => {
    // Availability i % 5: a most-common-first or rarest-first picker would not start at 7.
    const picker = new PiecePicker(10, BLOCK_SIZE, BLOCK_SIZE, () => 0.75);
    for (let i = 0; i < 10; i++) for (let k = 0; k < i % 5; k++) picker.peerHas(i);
    const peer = all();
    expect(pieces(peer.pick(picker, 1))).toEqual([7]);
    // The run goes on from there over pieces of any availability, wrapping to the start.
    expect(pieces(peer.pick(picker, 2))).toEqual([8, 9]);
    expect(pieces(peer.pick(picker, 1))).toEqual([0]);
  });

  it('does not copy its neighbours: a newcomer starts apart from the pieces they already hold', () => {
    // Pieces 0-31 are held by two peers, 32-63 by nobody but the seed: a most-common-first
    // start would always land in 0-31; a random one lands in 32-63 half of the time.
    const starts = new Set<number>();
    for (const r of [0.1, 0.3, 0.6, 0.9]) {
      const picker = new PiecePicker(64, BLOCK_SIZE, BLOCK_SIZE, () => r);
      picker.seedJoined();
      for (let i = 0; i < 32; i++) for (let k = 0; k < 2; k++) picker.peerHas(i);
      starts.add(pieces(all().pick(picker, 1))[0]!);
    }
    expect([...starts].filter((i) => i >= 32).length).toBeGreaterThanOrEqual(2);
    expect([...starts].filter((i) => i < 32).length).toBeGreaterThanOrEqual(1);
  });

  it('switches to rarest first once 4 pieces are verified', () => {
    const picker = new PiecePicker(10, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    for (let i = 0; i < 10; i++) for (let k = 0; k <= i; k++) picker.peerHas(i); // availability i+1
    const peer = all();
    const order: number[] = [];
    for (let n = 0; n < 6; n++) {
      const index = peer.pick(picker, 1)[0]!.piece.index;
      order.push(index);
      complete(picker, index);
    }
    // Random phase from 0 (a run: 0, 1, 2, 3), then the rarest left (4), and its successor 5.
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    const later = new PiecePicker(10, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    for (let i = 0; i < 10; i++) for (let k = 0; k < 10 - i; k++) later.peerHas(i); // availability 10-i
    for (const i of [0, 1, 2, 3]) complete(later, i);
    expect(pieces(all().pick(later, 1))).toEqual([9]);
  });

  it('uses random starts in the random phase', () => {
    const seen = new Set<number>();
    for (const r of [0, 0.3, 0.6, 0.9]) {
      const picker = new PiecePicker(4, BLOCK_SIZE, BLOCK_SIZE, () => r);
      seen.add(all().pick(picker, 1)[0]!.piece.index);
    }
    expect(seen.size).toBe(4);
  });
});

describe('PiecePicker: which blocks go to which peer', () => {
  it('never picks a piece the peer lacks', () => {
    const picker = pastRandomPhase(20);
    const peer = having(3, 17);
    const picks = peer.pick(picker, 100);
    expect(pieces(picks).sort((a, b) => a - b)).toEqual([3, 17]);
    expect(peer.pick(picker, 100)).toEqual([]);
    // Another peer's in-flight pieces that this one lacks are not offered either.
    const other = having(5);
    expect(pieces(other.pick(picker, 100))).toEqual([5]);
  });

  it('gives nothing to a peer that has nothing', () => {
    const picker = new PiecePicker(5, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    expect(having().pick(picker, 10)).toEqual([]);
    expect(picker.inFlight.size).toBe(0);
  });

  it('respects max (including zero)', () => {
    const picker = new PiecePicker(5, 4 * BLOCK_SIZE, 4 * BLOCK_SIZE, () => 0);
    expect(all().pick(picker, 0)).toEqual([]);
    expect(all().pick(picker, 3)).toHaveLength(3);
    expect(all().pick(picker, 6)).toHaveLength(6);
  });

  it('keeps a peer on the pieces it was handed first (owned-piece affinity)', () => {
    const picker = new PiecePicker(4, 4 * BLOCK_SIZE, 4 * BLOCK_SIZE, () => 0);
    const a = all();
    const first = a.pick(picker, 2);
    expect(pieces(first)).toHaveLength(1);
    const index = first[0]!.piece.index;
    expect([...a.owned].map((p) => p.index)).toEqual([index]);
    expect(first[0]!.piece.owner).toBe(a);
    const second = a.pick(picker, 2);
    expect(pieces(second)).toEqual([index]);
    expect(second.map((p) => p.block)).toEqual([2, 3]);
  });

  it('starts a new piece for a second peer rather than sharing while free pieces remain', () => {
    const picker = new PiecePicker(4, 4 * BLOCK_SIZE, 4 * BLOCK_SIZE, () => 0);
    const a = all();
    const b = all();
    const pa = pieces(a.pick(picker, 1));
    const pb = pieces(b.pick(picker, 1));
    expect(pa).toHaveLength(1);
    expect(pb).toHaveLength(1);
    expect(pb[0]).not.toBe(pa[0]);
  });

  it("shares another peer's free blocks once no new piece is left for this peer", () => {
    // Piece 2 stays free (neither peer has it), so this is not endgame yet.
    const picker = new PiecePicker(3, 4 * BLOCK_SIZE, 4 * BLOCK_SIZE, () => 0);
    const a = having(0);
    const b = having(0, 1);
    expect(keys(a.pick(picker, 1))).toEqual(['0/0']);
    const picks = b.pick(picker, 7);
    // Piece 1 whole (new piece), then the free blocks of piece 0 — not block 0/0.
    expect(keys(picks)).toEqual(['1/0', '1/1', '1/2', '1/3', '0/1', '0/2', '0/3']);
    expect(b.owned.size).toBe(1);
    // With room to spare, b has nothing new left: it duplicates a's outstanding block (its own endgame).
    expect(keys(b.pick(picker, 10))).toEqual(['0/0']);
  });

  it('does not hand out blocks of a piece being verified', () => {
    const picker = new PiecePicker(1, 2 * BLOCK_SIZE, 2 * BLOCK_SIZE, () => 0);
    const a = all();
    const picks = a.pick(picker, 1);
    picks[0]!.piece.verifying = true;
    expect(a.pick(picker, 5)).toEqual([]);
    expect(all().pick(picker, 5)).toEqual([]);
  });

  it('spreads one large max over several new pieces', () => {
    const picker = new PiecePicker(10, 2 * BLOCK_SIZE, 2 * BLOCK_SIZE, () => 0);
    const a = all();
    const picks = a.pick(picker, 7);
    expect(picks).toHaveLength(7);
    expect(pieces(picks)).toHaveLength(4);
    expect(a.owned.size).toBe(4);
    expect(new Set(keys(picks)).size).toBe(7);
  });
});

describe('PiecePicker: wanted pieces', () => {
  it('never picks a skipped piece', () => {
    const picker = new PiecePicker(6, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    for (const i of [0, 2, 4]) picker.setWanted(i, false);
    const peer = all();
    const picks = peer.pick(picker, 100);
    expect(pieces(picks).sort()).toEqual([1, 3, 5]);
    expect(peer.pick(picker, 100)).toEqual([]);
    expect(all().pick(picker, 100).filter((p) => [0, 2, 4].includes(p.piece.index))).toEqual([]);
  });

  it('makes a piece pickable again when it is wanted again', () => {
    const picker = new PiecePicker(2, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    picker.setWanted(1, false);
    expect(pieces(having(1).pick(picker, 5))).toEqual([]);
    picker.setWanted(1, true);
    expect(pieces(having(1).pick(picker, 5))).toEqual([1]);
  });

  it('is finished when every wanted piece is had, ignoring skipped ones', () => {
    const picker = new PiecePicker(4, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    expect(picker.finished).toBe(false);
    picker.setWanted(3, false);
    picker.setWanted(3, false); // idempotent
    for (const i of [0, 1]) complete(picker, i);
    expect(picker.finished).toBe(false);
    complete(picker, 2);
    expect(picker.finished).toBe(true);
    picker.setWanted(3, true);
    expect(picker.finished).toBe(false);
    complete(picker, 3);
    expect(picker.finished).toBe(true);
  });

  it('counts a skipped piece that was already had correctly when it is wanted again', () => {
    const picker = new PiecePicker(2, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    complete(picker, 0);
    picker.setWanted(0, false);
    picker.setWanted(0, true);
    complete(picker, 1);
    expect(picker.finished).toBe(true);
  });

  it('counts a piece had while skipped (shared with a wanted file) without breaking finished', () => {
    const picker = new PiecePicker(2, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    picker.setWanted(0, false);
    expect(picker.markHave(0)).toBe(true);
    expect(picker.finished).toBe(false);
    complete(picker, 1);
    expect(picker.finished).toBe(true);
    picker.setWanted(0, true);
    expect(picker.finished).toBe(true);
  });

  it('unmarkHave makes a verified piece wanted and pickable again (also in sequential mode)', () => {
    const picker = new PiecePicker(3, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    picker.sequential = true;
    for (const i of [0, 1, 2]) complete(picker, i);
    expect(picker.finished).toBe(true);
    expect(having(0).pick(picker, 5)).toEqual([]);
    expect(picker.unmarkHave(0)).toBe(true);
    expect(picker.unmarkHave(0)).toBe(false);
    expect(picker.have.count).toBe(2);
    expect(picker.finished).toBe(false);
    expect(pieces(having(0, 1, 2).pick(picker, 5))).toEqual([0]);
    complete(picker, 0);
    expect(picker.finished).toBe(true);
  });

  it('unmarkHave of a skipped piece keeps the torrent finished', () => {
    const picker = new PiecePicker(2, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    picker.setWanted(0, false);
    complete(picker, 0);
    complete(picker, 1);
    expect(picker.unmarkHave(0)).toBe(true);
    expect(picker.finished).toBe(true);
    expect(all().pick(picker, 5)).toEqual([]);
  });

  it('markHave of a piece already had returns false and changes nothing', () => {
    const picker = new PiecePicker(2, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    complete(picker, 0);
    expect(picker.markHave(0)).toBe(false);
    expect(picker.have.count).toBe(1);
    expect(picker.finished).toBe(false);
  });

  it('a torrent with every piece skipped is finished', () => {
    const picker = new PiecePicker(2, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    picker.setWanted(0, false);
    picker.setWanted(1, false);
    expect(picker.finished).toBe(true);
    expect(all().pick(picker, 10)).toEqual([]);
  });

  it('stops requesting a piece that is skipped while in flight', () => {
    const picker = new PiecePicker(2, 4 * BLOCK_SIZE, 4 * BLOCK_SIZE, () => 0);
    const a = having(0);
    expect(pieces(a.pick(picker, 1))).toEqual([0]);
    picker.setWanted(0, false);
    // DESIGN §2: "skip = never requested" — also for the rest of a piece already started.
    expect(keys(a.pick(picker, 10))).toEqual([]);
    expect(keys(having(0).pick(picker, 10))).toEqual([]);
    // Wanted again: the same download resumes where it stopped.
    picker.setWanted(0, true);
    expect(keys(a.pick(picker, 10))).toEqual(['0/1', '0/2', '0/3']);
  });

  it('does not duplicate blocks of a piece skipped while in flight (endgame)', () => {
    const picker = new PiecePicker(1, 2 * BLOCK_SIZE, 2 * BLOCK_SIZE, () => 0);
    expect(all().pick(picker, 10)).toHaveLength(2);
    picker.setWanted(0, false);
    expect(all().pick(picker, 10)).toEqual([]);
  });

  it('peerIsInteresting: only pieces we lack and want count', () => {
    const picker = new PiecePicker(4, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    complete(picker, 0);
    picker.setWanted(1, false);
    expect(picker.peerIsInteresting(having(0, 1), false)).toBe(false);
    expect(picker.peerIsInteresting(having(0, 2), false)).toBe(true);
    expect(picker.peerIsInteresting(having(), true)).toBe(true);
    picker.setWanted(2, false);
    picker.setWanted(3, false);
    expect(picker.finished).toBe(true);
    expect(picker.peerIsInteresting(all(), true)).toBe(false);
  });
});

describe('PiecePicker: sequential mode', () => {
  it('picks pieces in index order, regardless of rarity', () => {
    const picker = new PiecePicker(6, BLOCK_SIZE, BLOCK_SIZE, () => 0.99);
    for (let k = 0; k < 5; k++) picker.peerHas(0);
    picker.peerHas(5);
    picker.sequential = true;
    expect(picker.sequential).toBe(true);
    const peer = all();
    expect(peer.pick(picker, 6).map((p) => p.piece.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('skips pieces we have, pieces in flight, skipped pieces and pieces the peer lacks', () => {
    const picker = new PiecePicker(8, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    picker.sequential = true;
    complete(picker, 0);
    complete(picker, 2);
    picker.setWanted(4, false);
    expect(having(1).pick(picker, 1).map((p) => p.piece.index)).toEqual([1]);
    expect(having(1, 3, 4, 5, 6, 7).pick(picker, 2).map((p) => p.piece.index)).toEqual([3, 5]);
    expect(having(6, 7).pick(picker, 5).map((p) => p.piece.index)).toEqual([6, 7]);
  });

  it('goes back to a failed earlier piece', () => {
    const picker = new PiecePicker(4, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    picker.sequential = true;
    const peer = all();
    expect(peer.pick(picker, 2).map((p) => p.piece.index)).toEqual([0, 1]);
    complete(picker, 1);
    picker.pieceFailed(0);
    expect(all().pick(picker, 1).map((p) => p.piece.index)).toEqual([0]);
  });

  it('turning it off goes back to rarest first', () => {
    const picker = pastRandomPhase(4);
    picker.peerHas(0);
    picker.peerHas(1);
    picker.peerHas(2);
    picker.sequential = true;
    picker.sequential = false;
    expect(pieces(all().pick(picker, 1))).toEqual([3]);
  });
});

describe('PiecePicker: endgame', () => {
  it('duplicates outstanding blocks once no free piece is left, at most twice per block', () => {
    const picker = new PiecePicker(2, 2 * BLOCK_SIZE, 2 * BLOCK_SIZE, () => 0);
    const a = all();
    const b = all();
    const c = all();
    expect(a.pick(picker, 10)).toHaveLength(4);
    const dup = b.pick(picker, 10);
    expect(keys(dup).sort()).toEqual(['0/0', '0/1', '1/0', '1/1']);
    for (const p of dup) expect(p.piece.requestsOf(p.block)).toBe(2);
    expect(c.pick(picker, 10)).toEqual([]);
  });

  it('never sends the same block twice to the same peer', () => {
    const picker = new PiecePicker(1, 3 * BLOCK_SIZE, 3 * BLOCK_SIZE, () => 0);
    const a = all();
    expect(a.pick(picker, 10)).toHaveLength(3);
    expect(a.pick(picker, 10)).toEqual([]);
  });

  it('skips the walks over the pieces in flight when every outstanding request is this peer\'s own', () => {
    // One seeder, every block asked of it: each block that arrives must not walk all pieces in
    // flight twice (free blocks, then duplicates) to find nothing.
    const picker = new PiecePicker(3, 2 * BLOCK_SIZE, 2 * BLOCK_SIZE, () => 0);
    const a = all();
    expect(a.pick(picker, 10)).toHaveLength(6);
    let asked = 0;
    const addRequestKeysTo = a.addRequestKeysTo.bind(a);
    a.addRequestKeysTo = (keys): void => {
      asked++;
      addRequestKeysTo(keys);
    };
    expect(a.pick(picker, 10)).toEqual([]);
    expect(asked).toBe(0);
    // Another peer's request to duplicate: the walk runs again.
    const b = having(2);
    picker.inFlight.get(2)!.release(0);
    a.asked.delete(2 * 32768);
    expect(keys(b.pick(picker, 1))).toEqual(['2/0']);
    expect(keys(a.pick(picker, 10))).toEqual(['2/0']);
    expect(asked).toBeGreaterThan(0);
  });

  it('never picks the same block twice within one pick call', () => {
    const picker = new PiecePicker(1, 3 * BLOCK_SIZE, 3 * BLOCK_SIZE, () => 0);
    const a = all();
    expect(keys(a.pick(picker, 1))).toEqual(['0/0']);
    const b = all();
    const picks = b.pick(picker, 10);
    // Free blocks 1 and 2 first, then the duplicate of 0; never 1 or 2 a second time.
    expect(keys(picks)).toEqual(['0/1', '0/2', '0/0']);
    expect(picks[0]!.piece.requestsOf(1)).toBe(1);
    expect(picks[0]!.piece.requestsOf(2)).toBe(1);
    expect(picks[0]!.piece.requestsOf(0)).toBe(2);
  });

  it('never picks the same block twice within one call even when the peer owns the piece', () => {
    const picker = new PiecePicker(2, 2 * BLOCK_SIZE, 2 * BLOCK_SIZE, () => 0);
    const a = all();
    const b = all();
    expect(keys(a.pick(picker, 1))).toEqual(['0/0']);
    expect(keys(b.pick(picker, 1))).toEqual(['1/0']);
    const picks = a.pick(picker, 10);
    expect(new Set(keys(picks)).size).toBe(picks.length);
    expect(keys(picks).sort()).toEqual(['0/1', '1/0', '1/1']);
  });

  it('does not duplicate blocks that already arrived or pieces being verified', () => {
    const picker = new PiecePicker(2, 2 * BLOCK_SIZE, 2 * BLOCK_SIZE, () => 0);
    const a = all();
    const picks = a.pick(picker, 10);
    const piece0 = picks.find((p) => p.piece.index === 0)!.piece;
    const piece1 = picks.find((p) => p.piece.index === 1)!.piece;
    expect(piece0.markArrived(0)).toBe(true);
    piece1.markArrived(0);
    piece1.markArrived(1);
    piece1.verifying = true;
    expect(keys(all().pick(picker, 10))).toEqual(['0/1']);
  });

  it('does not duplicate blocks of pieces the peer lacks', () => {
    const picker = new PiecePicker(2, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    all().pick(picker, 10);
    expect(keys(having(1).pick(picker, 10))).toEqual(['1/0']);
  });

  it('starts per peer once that peer has nothing new, even while a piece nobody has stays free', () => {
    // Waiting for every piece to be requested would stall the swarm on a piece no peer has.
    const picker = new PiecePicker(2, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    having(0).pick(picker, 10);
    const second = having(0).pick(picker, 10);
    expect(keys(second)).toEqual(['0/0']);
    expect(second[0]!.piece.requestsOf(0)).toBe(2);
    // A third peer finds the block already at its duplicate cap.
    expect(having(0).pick(picker, 10)).toEqual([]);
  });

  it('a duplicate arriving second is reported as already arrived', () => {
    const picker = new PiecePicker(1, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    const a = all();
    const b = all();
    const [pa] = a.pick(picker, 1);
    const [pb] = b.pick(picker, 1);
    expect(pb!.piece).toBe(pa!.piece);
    expect(pa!.piece.requestsOf(0)).toBe(2);
    expect(pa!.piece.markArrived(0)).toBe(true);
    expect(pa!.piece.requestsOf(0)).toBe(1);
    expect(pa!.piece.markArrived(0)).toBe(false);
    expect(pa!.piece.requestsOf(0)).toBe(0);
    expect(pa!.piece.complete).toBe(true);
  });
});

describe('PiecePicker: outcomes', () => {
  it('pieceFailed makes the piece pickable again with fresh state', () => {
    const picker = new PiecePicker(1, 2 * BLOCK_SIZE, 2 * BLOCK_SIZE, () => 0);
    const a = all();
    const picks = a.pick(picker, 2);
    const old = picks[0]!.piece;
    old.markArrived(0);
    old.markArrived(1);
    picker.pieceFailed(0);
    expect(picker.inFlight.has(0)).toBe(false);
    expect(a.owned.size).toBe(0);
    const again = all().pick(picker, 2);
    expect(keys(again)).toEqual(['0/0', '0/1']);
    expect(again[0]!.piece).not.toBe(old);
    expect(again[0]!.piece.received).toBe(0);
  });

  it('pieceFailed for a piece not in flight is harmless', () => {
    const picker = new PiecePicker(2, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    picker.pieceFailed(1);
    picker.pieceFailed(1);
    expect(keys(all().pick(picker, 5)).sort()).toEqual(['0/0', '1/0']);
  });

  it('markHave drops the piece from flight and from its owner', () => {
    const picker = new PiecePicker(2, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    const a = all();
    const index = a.pick(picker, 1)[0]!.piece.index;
    complete(picker, index);
    expect(picker.inFlight.has(index)).toBe(false);
    expect(a.owned.size).toBe(0);
    expect(pieces(all().pick(picker, 5))).toEqual([1 - index]);
  });

  it('markHave of a free piece takes it out of the free buckets', () => {
    const picker = new PiecePicker(3, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    complete(picker, 1);
    expect(pieces(all().pick(picker, 5)).sort()).toEqual([0, 2]);
  });

  it('release makes a block pickable again', () => {
    const picker = new PiecePicker(1, 4 * BLOCK_SIZE, 4 * BLOCK_SIZE, () => 0);
    const a = all();
    const picks = a.pick(picker, 4);
    const piece = picks[0]!.piece;
    piece.release(1);
    a.asked.delete(1);
    expect(piece.firstFree).toBe(1);
    expect(keys(a.pick(picker, 4))).toEqual(['0/1']);
  });

  it('disown turns a peer’s pieces into shared work', () => {
    const picker = new PiecePicker(1, 4 * BLOCK_SIZE, 4 * BLOCK_SIZE, () => 0);
    const a = all();
    const picks = a.pick(picker, 2);
    for (const p of picks) p.piece.release(p.block);
    picker.disown(a);
    expect(a.owned.size).toBe(0);
    expect(picks[0]!.piece.owner).toBeNull();
    expect(keys(all().pick(picker, 4))).toEqual(['0/0', '0/1', '0/2', '0/3']);
  });

  it('abandonIfUntouched returns an untouched piece to the free pieces and its buffer to the pool', () => {
    const picker = new PiecePicker(2, 2 * BLOCK_SIZE, 2 * BLOCK_SIZE, () => 0);
    const a = all();
    const picks = a.pick(picker, 2);
    const piece = picks[0]!.piece;
    for (const p of picks) p.piece.release(p.block);
    picker.abandonIfUntouched(piece);
    expect(picker.inFlight.has(piece.index)).toBe(false);
    expect(a.owned.size).toBe(0);
    expect(piece.owner).toBeNull();
    const again = all().pick(picker, 4);
    expect(pieces(again).sort()).toEqual([0, 1]);
    // The pooled buffer is reused for the next piece of that size.
    expect(again.some((p) => p.piece.buffer === piece.buffer)).toBe(true);
  });

  it('abandonIfUntouched keeps pieces with data, outstanding requests or under verification', () => {
    const picker = new PiecePicker(3, 2 * BLOCK_SIZE, 2 * BLOCK_SIZE, () => 0);
    const a = all();
    const picks = a.pick(picker, 6);
    const [p0, p1, p2] = pieces(picks).map((i) => picker.inFlight.get(i)!);
    // p0: a request still out.
    p0!.release(0);
    picker.abandonIfUntouched(p0!);
    // p1: a block arrived.
    p1!.markArrived(0);
    p1!.release(1);
    picker.abandonIfUntouched(p1!);
    // p2: verifying.
    p2!.release(0);
    p2!.release(1);
    p2!.verifying = true;
    picker.abandonIfUntouched(p2!);
    expect(picker.inFlight.size).toBe(3);
  });
});

describe('PiecePicker: randomized consistency', () => {
  class ModelPeer extends FakePeer {
    readonly sent = new Map<number, BlockPick>();
    constructor(readonly set: Set<number>) {
      super(set);
    }
  }

  it('keeps its invariants under random peers, picks, arrivals, failures and skips', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const rnd = prng(seed);
      const n = 1 + Math.floor(rnd() * 24);
      const picker = new PiecePicker(n, 2 * BLOCK_SIZE, 1 + Math.floor(rnd() * 2 * BLOCK_SIZE), prng(seed + 1000));
      const peers = Array.from({ length: 4 }, () => new ModelPeer(new Set()));
      const sentBy = (index: number): ModelPeer[] => peers.filter((p) => [...p.sent.values()].some((s) => s.piece.index === index));
      const forget = (index: number): void => {
        for (const p of peers) {
          for (const [k, s] of p.sent) {
            if (s.piece.index !== index) continue;
            p.sent.delete(k);
            p.asked.delete(k);
          }
        }
      };
      const fail = (what: string): never => {
        throw new Error(`seed ${seed}: ${what}`);
      };
      /** Blocks `peer` may still be asked for: free ones, or (endgame) ones requested once, not of it. */
      const pickableFor = (peer: ModelPeer): string[] => {
        const found: string[] = [];
        for (const piece of picker.inFlight.values()) {
          if (piece.verifying || !peer.has(piece.index) || !picker.isWanted(piece.index)) continue;
          for (let b = 0; b < piece.blockCount; b++) {
            if (!piece.hasArrived(b) && piece.requestsOf(b) < 2 && !peer.asked.has(piece.index * 32768 + b)) found.push(`${piece.index}/${b}`);
          }
        }
        return found;
      };
      /** Requested and free blocks over the pieces in flight, counted afresh. */
      const countBlocksInFlight = (): { requested: number; free: number } => {
        let requested = 0;
        let free = 0;
        for (const piece of picker.inFlight.values()) {
          for (let b = 0; b < piece.blockCount; b++) {
            requested += piece.requestsOf(b);
            if (piece.requestsOf(b) === 0 && !piece.hasArrived(b)) free++;
          }
        }
        return { requested, free };
      };

      for (let step = 0; step < 150; step++) {
        const peer = peers[Math.floor(rnd() * peers.length)]!;
        const op = rnd();
        if (op < 0.25) {
          const index = Math.floor(rnd() * n);
          if (!peer.set.has(index)) {
            peer.set.add(index);
            picker.peerHas(index);
          }
        } else if (op < 0.6) {
          const out: BlockPick[] = [];
          const max = 1 + Math.floor(rnd() * 6);
          picker.pick(peer, max, out);
          const seen = new Set<number>();
          for (const p of out) {
            const key = p.piece.index * 32768 + p.block;
            if (picker.have.has(p.piece.index)) fail(`picked piece ${p.piece.index} which we have`);
            if (!picker.isWanted(p.piece.index)) fail(`picked skipped piece ${p.piece.index}`);
            if (!peer.has(p.piece.index)) fail(`picked piece ${p.piece.index} the peer lacks`);
            if (picker.inFlight.get(p.piece.index) !== p.piece) fail(`piece ${p.piece.index} is not the one in flight`);
            if (peer.asked.has(key) || seen.has(key)) fail(`block ${p.piece.index}/${p.block} twice to one peer`);
            if (p.piece.hasArrived(p.block)) fail(`block ${p.piece.index}/${p.block} already arrived`);
            if (p.piece.requestsOf(p.block) > 2) fail(`block ${p.piece.index}/${p.block} requested ${p.piece.requestsOf(p.block)} times`);
            if (p.begin !== p.block * BLOCK_SIZE || p.length !== p.piece.blockLength(p.block)) fail('bad block geometry');
            seen.add(key);
            peer.asked.add(key);
            peer.sent.set(key, p);
          }
          // Short of `max` only when nothing is left for this peer, not even an endgame duplicate
          // (whatever walks pick skipped as fruitless).
          if (out.length < max) {
            const left = pickableFor(peer);
            if (left.length > 0) fail(`picked ${out.length} of ${max} while ${left.join(', ')} could be picked`);
          }
        } else if (op < 0.85) {
          const entries = [...peer.sent.entries()];
          if (entries.length === 0) continue;
          const [key, s] = entries[Math.floor(rnd() * entries.length)]!;
          peer.sent.delete(key);
          peer.asked.delete(key);
          if (rnd() < 0.2) {
            s.piece.release(s.block);
            continue;
          }
          s.piece.markArrived(s.block);
          if (s.piece.complete && !s.piece.verifying) {
            s.piece.verifying = true;
            const index = s.piece.index;
            // Like the torrent: cancel the other peers' requests for the piece, then verify.
            for (const other of sentBy(index)) {
              for (const o of other.sent.values()) if (o.piece === s.piece) o.piece.release(o.block);
            }
            forget(index);
            if (rnd() < 0.2) picker.pieceFailed(index);
            else picker.markHave(index);
          }
        } else if (op < 0.92) {
          const index = Math.floor(rnd() * n);
          picker.setWanted(index, !picker.isWanted(index));
        } else {
          // The peer leaves; like the torrent, pieces left with no request and no data go back.
          for (const s of peer.sent.values()) s.piece.release(s.block);
          for (const s of peer.sent.values()) picker.abandonIfUntouched(s.piece);
          peer.sent.clear();
          peer.asked.clear();
          for (const i of peer.set) picker.peerLost(i);
          peer.set.clear();
          picker.disown(peer);
        }
        const tally = countBlocksInFlight();
        if (tally.requested !== picker.blocksInFlight.requested || tally.free !== picker.blocksInFlight.free) {
          fail(`blocks in flight counted ${JSON.stringify(picker.blocksInFlight)}, are ${JSON.stringify(tally)}`);
        }
      }

      // Drain with a seed: every wanted piece must still be reachable (nothing lost from the buckets).
      for (const p of peers) {
        for (const s of p.sent.values()) s.piece.release(s.block);
        p.sent.clear();
        p.asked.clear();
        picker.disown(p);
      }
      const seedPeer = new ModelPeer(new Set());
      const seedAll = { has: (): boolean => true, owned: seedPeer.owned, addRequestKeysTo: (keys: Set<number>): void => seedPeer.addRequestKeysTo(keys), outstandingRequests: 0 };
      picker.seedJoined();
      for (let round = 0; round < 200 && !picker.finished; round++) {
        const out: BlockPick[] = [];
        picker.pick(seedAll, 16, out);
        if (out.length === 0) fail(`stuck with ${n - picker.have.count} pieces missing`);
        for (const p of out) {
          p.piece.markArrived(p.block);
          if (p.piece.complete) picker.markHave(p.piece.index);
        }
      }
      if (!picker.finished) fail('never finished');
      for (let i = 0; i < n; i++) if (picker.isWanted(i) && !picker.have.has(i)) fail(`wanted piece ${i} missing`);
      // Only pieces skipped while in flight may stay in flight (never requested again).
      for (const index of picker.inFlight.keys()) if (picker.isWanted(index)) fail(`wanted piece ${index} still in flight`);
    }
  });
});

describe('PiecePicker: runs of adjacent pieces', () => {
  it('hands a peer the piece after its last new one, while that is among the rarest', () => {
    // "Random" start in the middle: then the same peer keeps going from there.
    const picker = pastRandomPhase(16, () => 0.5);
    const peer = all();
    const first = pieces(peer.pick(picker, 1))[0]!;
    expect(pieces(peer.pick(picker, 3))).toEqual([first + 1, first + 2, first + 3]);
  });

  it('leaves the run for a rarer piece, and jumps over pieces already taken', () => {
    const picker = pastRandomPhase(16, () => 0);
    const seed = all();
    picker.seedJoined();
    const first = pieces(seed.pick(picker, 1))[0]!;
    // The next piece becomes common (another peer has it): a rarer one is preferred over it.
    picker.peerHas(first + 1);
    const second = pieces(seed.pick(picker, 1))[0]!;
    expect(second).not.toBe(first + 1);
    expect(picker.availability(second)).toBe(1);
  });

  it('steps over pieces other peers took instead of restarting at random', () => {
    const picker = pastRandomPhase(64, () => 0.25);
    const a = all();
    const first = pieces(a.pick(picker, 1))[0]!;
    const b = having(first + 1, first + 2, first + 3);
    expect(pieces(b.pick(picker, 3))).toEqual([first + 1, first + 2, first + 3]);
    expect(pieces(a.pick(picker, 2))).toEqual([first + 4, first + 5]);
  });

  it('keeps one run through the random phase: a whole first pipeline is adjacent pieces', () => {
    // A fast peer asks for 500 pieces before any is verified (16 KiB pieces, an 8 MiB pipeline).
    const picker = new PiecePicker(4096, BLOCK_SIZE, BLOCK_SIZE, () => 0.5);
    picker.seedJoined();
    const picked = pieces(all().pick(picker, 500));
    expect(picked).toHaveLength(500);
    for (let i = 1; i < picked.length; i++) expect(picked[i]).toBe(picked[0]! + i);
  });

  it('ends a run where another peer already has the next free piece (it fetches this run ahead of us)', () => {
    // A libtorrent leecher walking the same run from the same start (both fetched the seeder's
    // allowed-fast pieces first) would otherwise stay one piece ahead to the end, and neither
    // would ever have a piece the other lacks.
    const picker = pastRandomPhase(64, () => 0.25);
    picker.seedJoined();
    const a = all();
    const first = pieces(a.pick(picker, 1))[0]!;
    picker.peerHas(first + 1);
    picker.peerHas(first + 2);
    const next = pieces(a.pick(picker, 1))[0]!;
    expect(next).not.toBe(first + 1);
    expect(next).not.toBe(first + 2);
    expect(picker.availability(next)).toBe(1);
    // Not the piece past the leader either: the new run starts at a random rarest piece.
    expect(next).not.toBe(first + 3);
  });

  it('never follows onto a piece another peer took', () => {
    const picker = pastRandomPhase(16, () => 0.5);
    const a = all();
    const first = pieces(a.pick(picker, 1))[0]!;
    expect(first + 1).toBeLessThan(16);
    const b = having(first + 1);
    expect(pieces(b.pick(picker, 1))).toEqual([first + 1]);
    const next = pieces(a.pick(picker, 1))[0]!;
    expect([first, first + 1]).not.toContain(next);
    expect(next).toBeLessThan(16);
  });
});

describe('PiecePicker memory budget for pieces in flight', () => {
  const pieceLength = 4 * BLOCK_SIZE;
  /** 100 pieces of 4 blocks; the budget holds 2 pieces' buffers. */
  const budgeted = (): PiecePicker => new PiecePicker(100, pieceLength, pieceLength, () => 0, 2 * pieceLength);

  it('gives a peer that already works on a piece no new one past the budget, and no endgame duplicates', () => {
    const picker = budgeted();
    const a = all();
    const b = all();
    expect(pieces(a.pick(picker, 8))).toHaveLength(2);
    // b owns nothing: it may start one piece even though the budget is spent...
    const first = b.pick(picker, 4);
    expect(pieces(first)).toHaveLength(1);
    expect(picker.inFlight.size).toBe(3);
    // ...but no second one, and it is not handed duplicates of a's blocks either.
    expect(b.pick(picker, 4)).toEqual([]);
    expect(picker.inFlight.size).toBe(3);
  });

  it('lets peers start pieces again once verified ones free the budget', () => {
    const picker = budgeted();
    const a = all();
    const started = pieces(a.pick(picker, 8));
    expect(a.pick(picker, 4)).toEqual([]);
    complete(picker, started[0]!);
    const next = a.pick(picker, 4);
    expect(pieces(next)).toHaveLength(1);
    expect(started).not.toContain(next[0]!.piece.index);
  });

  it('still hands out free blocks of pieces already in flight when over the budget', () => {
    const picker = budgeted();
    const a = all();
    const b = all();
    const fromA = a.pick(picker, 6); // two pieces started, the second one half requested
    const halfDone = fromA[5]!.piece.index;
    expect(pieces(b.pick(picker, 4))).toHaveLength(1); // b starts its own piece (it had none), all of it
    expect(keys(b.pick(picker, 4))).toEqual([`${halfDone}/2`, `${halfDone}/3`]);
    expect(picker.inFlight.size).toBe(3);
  });

  it('with pieces larger than half the budget, a peer that owns none helps with pieces in flight before starting one', () => {
    // 3 pieces of 64 blocks (1 MiB) against a 1.5 MiB budget: each piece's buffer is most of it.
    const huge = 64 * BLOCK_SIZE;
    const picker = new PiecePicker(3, huge, huge, () => 0, huge + huge / 2);
    const a = all();
    const b = all();
    const c = all();
    expect(pieces(a.pick(picker, 40))).toHaveLength(1);
    expect(pieces(a.pick(picker, 40))).toHaveLength(2); // a's own piece is done asking; the budget is not spent yet
    // Over the budget: b takes the free blocks of a's second piece instead of a third buffer...
    const helped = b.pick(picker, 100);
    expect(helped).toHaveLength(2 * 64 - 80);
    expect(picker.inFlight.size).toBe(2);
    // ...and c, with nothing left to help with, may start one (the download never stalls).
    expect(pieces(c.pick(picker, 8))).toHaveLength(1);
    expect(picker.inFlight.size).toBe(3);
  });
});

describe('PiecePicker: memory of the free pieces\' bookkeeping', () => {
  const n = 4096;
  /** Every piece but one (`missing`): a peer nearly complete, counted piece by piece (not a seed). */
  function nearlyAll(missing: number): Bitfield {
    const bits = new Bitfield(n);
    for (let i = 0; i < n; i++) if (i !== missing) bits.set(i);
    return bits;
  }

  it('stays about 8 bytes per free piece however many nearly complete peers move the pieces up and down', () => {
    const picker = pastRandomPhase(n - 4);
    const peers = Array.from({ length: 40 }, (_, k) => nearlyAll(k));
    // Each peer moves every piece one bucket up: a bucket that never shrank kept room for all of
    // them after they had moved on (40 × 4 bytes per piece here, 41 MiB for 262,144 pieces).
    for (const bits of peers) picker.peerBitfield(bits, 1);
    expect(picker.freeListBytes / n).toBeLessThan(16);
    for (const bits of peers) picker.peerBitfield(bits, -1);
    expect(picker.freeListBytes / n).toBeLessThan(16);
    // Rarest first still holds: with peers 1–39 back, pieces 1–39 are the ones one of them lacks.
    for (const bits of peers.slice(1)) picker.peerBitfield(bits, 1);
    const [first] = pieces(all().pick(picker, 1));
    expect(first).toBeGreaterThanOrEqual(1);
    expect(first).toBeLessThanOrEqual(39);
  });

  it('keeps almost nothing once no piece is free: a complete torrent holds no 4 bytes per piece for it', () => {
    const picker = new PiecePicker(n, BLOCK_SIZE, BLOCK_SIZE);
    expect(picker.freeListBytes).toBe(8 * n);
    for (let i = 0; i < n; i++) picker.markHave(i);
    expect(picker.finished).toBe(true);
    expect(picker.freeListBytes).toBeLessThanOrEqual(64);
    // A piece found missing after all is free again and picked.
    picker.unmarkHave(7);
    expect(picker.freeListBytes).toBeGreaterThanOrEqual(4 * n);
    expect(pieces(all().pick(picker, 1))).toEqual([7]);
  });

  it('drops the in-flight index once the last piece is had, not while pieces are still to come', () => {
    const picker = new PiecePicker(4, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    const peer = all();
    const [a] = pieces(peer.pick(picker, 1));
    picker.markHave(a!); // nothing in flight, three pieces still free: the index stays
    expect(picker.inFlight.indexBytes).toBe(16);
    const rest = pieces(peer.pick(picker, 3));
    for (const i of rest) picker.markHave(i);
    expect(picker.finished).toBe(true);
    expect(picker.inFlight.indexBytes).toBe(0);
  });

  it('picks a piece again that failed after the last free one was taken', () => {
    const picker = new PiecePicker(2, BLOCK_SIZE, BLOCK_SIZE, () => 0);
    const peer = all();
    expect(pieces(peer.pick(picker, 2)).sort()).toEqual([0, 1]);
    expect(picker.freeListBytes).toBeLessThanOrEqual(64);
    picker.pieceFailed(1);
    expect(pieces(all().pick(picker, 1))).toEqual([1]);
    picker.markHave(0);
    picker.markHave(1);
    expect(picker.finished).toBe(true);
  });
});
