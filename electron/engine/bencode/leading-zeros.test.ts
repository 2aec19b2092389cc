import { describe, expect, it } from 'vitest';
import { findLeadingZero } from './index.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('findLeadingZero (libtorrent has_soft_error)', () => {
  it.each([
    ['d1:ai05ee', 4],
    ['li00ee', 1],
    ['d04:namei1ee', 1],
    ['l1:a00:e', 4],
  ])('finds the leading zero in %s at byte %i', (text, offset) => {
    expect(findLeadingZero(b(text))).toBe(offset);
  });

  it.each(['d1:ai0e1:b0:e', 'li-0ei-03ei-00ee', 'li10e10:0000000000e', 'd4:i05e3:05:e'])(
    'finds none in %s (negative integers and string contents are not looked at)',
    (text) => {
      expect(findLeadingZero(b(text))).toBeNull();
    },
  );

  it('stops rather than loops on malformed input', () => {
    expect(findLeadingZero(b('li5'))).toBeNull();
    expect(findLeadingZero(b('l5x'))).toBeNull();
  });
});
