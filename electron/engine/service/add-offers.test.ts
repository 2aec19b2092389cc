import { describe, expect, it } from 'vitest';
import type { AddPreview } from '../../../shared/contract/index.js';
import { AddOffers } from './add-offers.js';

function preview(infoHash: string): AddPreview {
  return { source: 'magnet', infoHash, name: null, size: null, fileCount: null, files: [], trackerCount: 0, private: false, saveDir: '/d', duplicate: false };
}
const hash = (n: number): string => n.toString(16).padStart(40, '0');
const magnet = (n: number) => ({ kind: 'magnet' as const, uri: `magnet:?xt=urn:btih:${hash(n)}` });

describe('AddOffers', () => {
  it('answers an offer once: take returns it, then nothing', () => {
    const offers = new AddOffers();
    const { offer } = offers.open(magnet(1), preview(hash(1)), false);
    expect(offer.offer.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(offers.take(offer.offer.id)?.source).toEqual(magnet(1));
    expect(offers.take(offer.offer.id)).toBeUndefined();
    expect(offers.size).toBe(0);
  });

  it('drops the oldest offers beyond the count cap', () => {
    const offers = new AddOffers({ maxOffers: 3, maxBytes: 1 << 20 });
    const ids = [1, 2, 3].map((n) => offers.open(magnet(n), preview(hash(n)), true).offer.offer.id);
    const { dropped } = offers.open(magnet(4), preview(hash(4)), true);
    expect(dropped.map((d) => d.offer.id)).toEqual([ids[0]]);
    expect(offers.size).toBe(3);
    expect(offers.shellOffers().map((o) => o.preview.infoHash)).toEqual([hash(2), hash(3), hash(4)]);
  });

  it('drops the oldest offers beyond the byte cap, and frees bytes on take', () => {
    const offers = new AddOffers({ maxOffers: 100, maxBytes: 2500 });
    const torrent = (n: number) => ({ kind: 'torrent' as const, bytes: new Uint8Array(1000).fill(n) });
    const a = offers.open(torrent(1), preview(hash(1)), false).offer.offer.id;
    offers.open(torrent(2), preview(hash(2)), false);
    expect(offers.heldBytes).toBe(2000);
    const { dropped } = offers.open(torrent(3), preview(hash(3)), false);
    expect(dropped.map((d) => d.offer.id)).toEqual([a]);
    expect(offers.heldBytes).toBe(2000);
  });

  it('reuses a waiting shell offer for the same torrent instead of stacking dialogs', () => {
    const offers = new AddOffers();
    const first = offers.open(magnet(1), preview(hash(1)), true);
    const again = offers.open(magnet(1), preview(hash(1)), true);
    expect(again.reused).toBe(true);
    expect(again.offer.offer.id).toBe(first.offer.offer.id);
    expect(offers.size).toBe(1);
    // An in-app offer (drop, paste) for it is its own.
    expect(offers.open(magnet(1), preview(hash(1)), false).reused).toBe(false);
    expect(offers.shellOffers()).toHaveLength(1);
  });
});
