import { describe, expect, it } from 'vitest';
import { allowedFastSet } from './allowed-fast.js';

describe('allowedFastSet (BEP 6)', () => {
  // The worked example from BEP 6: 80.4.4.200, info-hash of 20 0xaa bytes, 1313 pieces.
  const infoHash = Buffer.alloc(20, 0xaa);

  it('reproduces the BEP 6 example for k = 7', () => {
    expect(allowedFastSet('80.4.4.200', infoHash, 1313, 7)).toEqual([1059, 431, 808, 1217, 287, 376, 1188]);
  });

  it('reproduces the BEP 6 example for k = 9', () => {
    expect(allowedFastSet('80.4.4.200', infoHash, 1313, 9)).toEqual([1059, 431, 808, 1217, 287, 376, 1188, 353, 508]);
  });

  it('depends only on the /24, accepts v4-mapped addresses, and gives nothing for IPv6 or tiny torrents', () => {
    expect(allowedFastSet('80.4.4.1', infoHash, 1313, 7)).toEqual(allowedFastSet('::ffff:80.4.4.200', infoHash, 1313, 7));
    expect(allowedFastSet('::1', infoHash, 1313, 7)).toEqual([]);
    expect(allowedFastSet('80.4.4.200', infoHash, 5, 7)).toEqual([]);
  });
});
