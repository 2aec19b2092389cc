import { describe, expect, it } from 'vitest';
import { cssRgb, mix, parseColor } from './color.js';

describe('color helpers', () => {
  it('parses hex and rgb()', () => {
    expect(parseColor('#fff')).toEqual([255, 255, 255]);
    expect(parseColor(' #3FB97A ')).toEqual([63, 185, 122]);
    expect(parseColor('rgb(1, 2, 3)')).toEqual([1, 2, 3]);
    expect(parseColor('rgba(10 20 30 / 50%)')).toEqual([10, 20, 30]);
    expect(parseColor('hsl(0 0% 0%)')).toBeNull();
    expect(parseColor('')).toBeNull();
  });
  it('mixes and clamps', () => {
    expect(mix([0, 0, 0], [200, 100, 50], 0.5)).toEqual([100, 50, 25]);
    expect(mix([0, 0, 0], [200, 100, 50], 2)).toEqual([200, 100, 50]);
    expect(cssRgb([1, 2, 3])).toBe('rgb(1, 2, 3)');
  });
});
