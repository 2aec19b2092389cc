import { describe, expect, it } from 'vitest';
import { doubledSlots, emptySlots } from './slot-array.js';

describe('slot arrays', () => {
  it('makes empty slots', () => {
    expect(emptySlots<string>(3)).toEqual([null, null, null]);
  });

  it('doubles, keeping the used entries in order from the first (wrapping a ring), and empties the old array', () => {
    const ring = ['c', 'd', null, 'a', 'b'];
    const grown = doubledSlots(ring, 3, 4, 8);
    expect(grown).toEqual(['a', 'b', 'c', 'd', null, null, null, null, null, null]);
    expect(ring).toEqual([null, null, null, null, null]);
  });

  it('starts at the minimum when the array is empty', () => {
    expect(doubledSlots<string>([], 0, 0, 16)).toHaveLength(16);
  });
});
