import { describe, expect, it } from 'vitest';
import { manualClock } from '../../../e2e/support/test-utils.js';
import { commonPrefixLength, compareDistance, randomId, randomIdWithPrefix, toHex } from './ids.js';
import { GOOD_NODE_MS, RoutingTable } from './routing-table.js';
import { senderKey } from './routing-table-ips.js';

let counter = 10_000;
/** A node at an address of its own, in a /24 of its own (the table takes one node per IP and per /24 in a bucket). */
function node(id: Uint8Array): { id: Uint8Array; host: string; port: number } {
  const n = counter++;
  return { id, host: `10.${(n >> 8) & 255}.${n & 255}.1`, port: n };
}

/** An id sharing exactly `bits` leading bits with `base`. */
function idAt(base: Uint8Array, bits: number): Uint8Array {
  return randomIdWithPrefix(base, bits, true);
}

describe('ids', () => {
  it('computes common prefix lengths and random ids inside a prefix', () => {
    const base = randomId();
    expect(commonPrefixLength(base, base)).toBe(160);
    for (const bits of [0, 1, 7, 8, 9, 63, 159]) {
      expect(commonPrefixLength(base, idAt(base, bits))).toBe(bits);
      expect(commonPrefixLength(base, randomIdWithPrefix(base, bits, false))).toBeGreaterThanOrEqual(bits);
    }
  });
});

describe('RoutingTable', () => {
  it('splits only the bucket holding our own id', () => {
    const own = randomId();
    const table = new RoutingTable(own, { k: 8 });
    // 8 far nodes (first bit differs) fill the single bucket.
    for (let i = 0; i < 8; i++) expect(table.heardResponse(node(idAt(own, 0))).status).toBe('added');
    expect(table.bucketCount).toBe(1);
    // A near node forces a split: far nodes stay in bucket 0, the near one goes to bucket 1.
    expect(table.heardResponse(node(idAt(own, 5))).status).toBe('added');
    expect(table.bucketCount).toBe(2);
    expect(table.bucketSizes()).toEqual([8, 1]);
    // Another far node: bucket 0 is full and does not hold our id, so it cannot split.
    const result = table.heardResponse(node(idAt(own, 0)));
    expect(result.status).toBe('full');
    expect(table.bucketCount).toBe(2);
    expect(table.size).toBe(9);
  });

  it('keeps at most k per bucket and grows buckets towards our id', () => {
    const own = randomId();
    const table = new RoutingTable(own, { k: 8 });
    for (let bits = 0; bits < 20; bits++) for (let i = 0; i < 12; i++) table.heardResponse(node(idAt(own, bits)));
    const sizes = table.bucketSizes();
    expect(sizes.every((size) => size <= 8)).toBe(true);
    expect(table.bucketCount).toBeGreaterThanOrEqual(20);
    for (const entry of table.all()) {
      const bits = commonPrefixLength(own, entry.id);
      const index = Math.min(bits, table.bucketCount - 1);
      expect(sizes[index]).toBeGreaterThan(0);
    }
    // 20 prefix lengths × 8 each fit, and no more.
    expect(table.size).toBe(160);
  });

  it('returns the k closest nodes in XOR order, as a brute-force sort does', () => {
    const own = randomId();
    const table = new RoutingTable(own, { k: 8 });
    for (let i = 0; i < 500; i++) table.heardResponse(node(randomId()));
    for (let round = 0; round < 20; round++) {
      const target = randomId();
      const expected = table
        .all()
        .sort((a, b) => compareDistance(target, a.id, b.id))
        .slice(0, 8)
        .map((entry) => toHex(entry.id));
      expect(table.closest(target, 8).map((entry) => toHex(entry.id))).toEqual(expected);
    }
  });

  it('ages nodes: good, then questionable after 15 minutes, then bad after repeated failures', () => {
    const time = manualClock();
    const own = randomId();
    const table = new RoutingTable(own, { now: time.now });
    const info = node(idAt(own, 3));
    table.heardResponse(info);
    const entry = table.get(info.id);
    if (!entry) throw new Error('not added');
    expect(table.state(entry)).toBe('good');
    time.advance(GOOD_NODE_MS);
    expect(table.state(entry)).toBe('questionable');
    expect(table.questionable().map((n) => toHex(n.id))).toEqual([toHex(info.id)]);
    // A query from a node that answered before makes it good again.
    expect(table.heardQuery(info.id, info.host, info.port)).toBe(true);
    expect(table.state(entry)).toBe('good');
    expect(table.failed(info.id)).toBe(false);
    expect(table.failed(info.id)).toBe(true);
    expect(table.state(entry)).toBe('bad');
    expect(table.closest(own, 8)).toEqual([]);
    // A response clears the failures.
    table.heardResponse(info);
    expect(table.state(entry)).toBe('good');
  });

  it('replaces bad nodes and promotes the freshest replacement', () => {
    const time = manualClock();
    const own = randomId();
    const table = new RoutingTable(own, { k: 2, now: time.now });
    // Fill the far bucket (after one split so it can no longer split).
    table.heardResponse(node(idAt(own, 2)));
    const a = node(idAt(own, 0));
    const b = node(idAt(own, 0));
    table.heardResponse(a);
    table.heardResponse(b);
    table.heardResponse(node(idAt(own, 3)));
    expect(table.bucketSizes()[0]).toBe(2);
    // Full of good nodes: newcomers wait in the replacement cache.
    const c = node(idAt(own, 0));
    const d = node(idAt(own, 0));
    expect(table.heardResponse(c)).toEqual({ status: 'full', questionable: [] });
    expect(table.heardResponse(d).status).toBe('full');
    expect(table.has(c.id)).toBe(false);
    // Once quiet, the full result lists whom to ping.
    time.advance(GOOD_NODE_MS + 1);
    const full = table.heardResponse(node(idAt(own, 0)));
    expect(full.status === 'full' && full.questionable.length).toBe(2);
    // a fails twice: replaced by the newest parked node.
    table.failed(a.id);
    expect(table.failed(a.id)).toBe(true);
    expect(table.has(a.id)).toBe(false);
    expect(table.bucketSizes()[0]).toBe(2);
    expect(table.has(b.id)).toBe(true);
  });

  it('evicts a bad node straight away when a new node arrives', () => {
    const own = randomId();
    const table = new RoutingTable(own, { k: 1 });
    table.heardResponse(node(idAt(own, 1)));
    const old = node(idAt(own, 0));
    table.heardResponse(old);
    table.failed(old.id);
    table.failed(old.id);
    // failed() had no replacement to promote, so the bad node is still there...
    expect(table.has(old.id)).toBe(true);
    const fresh = node(idAt(own, 0));
    const result = table.heardResponse(fresh);
    expect(result.status).toBe('replaced');
    expect(table.has(old.id)).toBe(false);
    expect(table.has(fresh.id)).toBe(true);
  });

  it('ignores our own id and an id already known at another endpoint; replaces a restarted node', () => {
    const own = randomId();
    const table = new RoutingTable(own);
    expect(table.heardResponse(node(own)).status).toBe('ignored');
    const a = node(randomId());
    table.heardResponse(a);
    expect(table.heardResponse({ ...a, port: a.port + 1 }).status).toBe('ignored');
    expect(table.get(a.id)?.port).toBe(a.port);
    const restarted = { id: randomId(), host: a.host, port: a.port };
    table.heardResponse(restarted);
    expect(table.has(a.id)).toBe(false);
    expect(table.has(restarted.id)).toBe(true);
  });

  it('names stale buckets for refresh with targets inside each bucket', () => {
    const time = manualClock();
    const own = randomId();
    const table = new RoutingTable(own, { k: 2, now: time.now });
    for (let bits = 0; bits < 4; bits++) for (let i = 0; i < 2; i++) table.heardResponse(node(idAt(own, bits)));
    expect(table.staleBucketTargets()).toEqual([]);
    time.advance(15 * 60_000);
    const targets = table.staleBucketTargets();
    expect(targets.length).toBe(table.bucketCount);
    targets.forEach((target, index) => {
      const bits = commonPrefixLength(own, target);
      if (index < table.bucketCount - 1) expect(bits).toBe(index);
      else expect(bits).toBeGreaterThanOrEqual(index);
    });
    expect(table.staleBucketTargets()).toEqual([]);
  });

  it('wouldAccept tells whether an unknown node could get in', () => {
    const own = randomId();
    const table = new RoutingTable(own, { k: 1 });
    table.heardResponse(node(idAt(own, 4)));
    table.heardResponse(node(idAt(own, 0)));
    expect(table.wouldAccept(idAt(own, 0))).toBe(false);
    expect(table.wouldAccept(idAt(own, 10))).toBe(true);
    expect(table.wouldAccept(own)).toBe(false);
  });
});

describe('RoutingTable: one node per IP, one per /24 or /64 in a bucket (libtorrent dht_restrict_routing_ips)', () => {
  it('takes one of 256 ids that all answer from one IP', () => {
    const own = randomId();
    const table = new RoutingTable(own);
    const results = Array.from({ length: 256 }, (_, i) => table.heardResponse({ id: randomId(), host: '203.0.113.7', port: 1000 + i }).status);
    expect(results.filter((status) => status === 'added')).toHaveLength(1);
    expect(table.size).toBe(1);
    expect(table.closest(randomId(), 8)).toHaveLength(1);
    expect(results.filter((status) => status === 'ignored')).toHaveLength(255);
  });

  it('takes one node per /24 in a bucket, more from the /24 in other buckets', () => {
    const own = randomId();
    const table = new RoutingTable(own);
    expect(table.heardResponse({ id: idAt(own, 0), host: '198.51.100.1', port: 1 }).status).toBe('added');
    expect(table.heardResponse({ id: idAt(own, 0), host: '198.51.100.2', port: 1 }).status).toBe('ignored');
    expect(table.heardResponse({ id: idAt(own, 0), host: '198.51.101.2', port: 1 }).status).toBe('added');
    // A node of that /24 in another bucket (closer to us) is fine.
    for (let i = 0; i < 8; i++) table.heardResponse(node(idAt(own, 0)));
    expect(table.heardResponse({ id: idAt(own, 9), host: '198.51.100.3', port: 1 }).status).toBe('added');
    expect(table.bucketCount).toBeGreaterThan(1);
  });

  it('counts the replacement cache too', () => {
    const own = randomId();
    const table = new RoutingTable(own, { k: 1 });
    table.heardResponse(node(idAt(own, 3)));
    table.heardResponse(node(idAt(own, 0)));
    // Bucket 0 is full: a newcomer waits as a replacement, and holds its IP and /24 there.
    expect(table.heardResponse({ id: idAt(own, 0), host: '192.0.2.1', port: 1 }).status).toBe('full');
    expect(table.heardResponse({ id: idAt(own, 0), host: '192.0.2.9', port: 1 }).status).toBe('ignored');
    expect(table.heardResponse({ id: idAt(own, 5), host: '192.0.2.1', port: 2 }).status).toBe('ignored');
  });

  it('applies /64 to IPv6', () => {
    const own = randomId();
    const table = new RoutingTable(own);
    expect(table.heardResponse({ id: idAt(own, 0), host: '2001:db8:1:2::1', port: 1 }).status).toBe('added');
    expect(table.heardResponse({ id: idAt(own, 0), host: '2001:db8:1:2::2', port: 1 }).status).toBe('ignored');
    expect(table.heardResponse({ id: idAt(own, 0), host: '2001:db8:1:3::1', port: 1 }).status).toBe('added');
  });

  it('frees the IP when its node leaves', () => {
    const own = randomId();
    const table = new RoutingTable(own);
    const first = { id: idAt(own, 0), host: '203.0.113.7', port: 1 };
    table.heardResponse(first);
    expect(table.wouldAccept(idAt(own, 2), '203.0.113.7')).toBe(false);
    table.remove(first.id);
    expect(table.wouldAccept(idAt(own, 2), '203.0.113.7')).toBe(true);
    expect(table.heardResponse({ id: idAt(own, 2), host: '203.0.113.7', port: 2 }).status).toBe('added');
  });

  it('lets a node that restarts with a new id at the same endpoint back in', () => {
    const own = randomId();
    const table = new RoutingTable(own);
    const a = { id: randomId(), host: '203.0.113.7', port: 1 };
    table.heardResponse(a);
    const restarted = { ...a, id: randomId() };
    expect(table.heardResponse(restarted).status).toBe('added');
    expect(table.has(a.id)).toBe(false);
  });

  it('with restrictIps off (test swarms on 127.0.0.1), takes them all', () => {
    const own = randomId();
    const table = new RoutingTable(own, { restrictIps: false });
    for (let i = 0; i < 8; i++) table.heardResponse({ id: idAt(own, 0), host: '127.0.0.1', port: 1000 + i });
    expect(table.size).toBe(8);
  });
});

describe('senderKey: per-sender rate limits count an IPv6 /64 as one sender', () => {
  it('keeps IPv4 addresses apart and groups IPv6 addresses by /64', () => {
    expect(senderKey('10.0.0.1')).not.toBe(senderKey('10.0.0.2'));
    expect(senderKey('2001:db8:1:2::1')).toBe(senderKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(senderKey('2001:db8:1:2::1')).not.toBe(senderKey('2001:db8:1:3::1'));
    expect(senderKey('::1')).toBe(senderKey('::2'));
  });
});
