import { describe, expect, it } from 'vitest';
import { renamePlan } from './rename-plan.js';

const paths = ['Album/CD1/01.flac', 'Album/CD1/02.flac', 'Album/cover.jpg', 'Album/CD10/01.flac'];

describe('renamePlan', () => {
  it('renames one file', () => {
    expect([...renamePlan(paths, 'Album/cover.jpg', 'front.jpg')]).toEqual([[2, 'Album/front.jpg']]);
  });
  it('renames a folder: every file below it, and not a folder that only starts with the same letters', () => {
    expect([...renamePlan(paths, 'Album/CD1', 'Disc 1')]).toEqual([[0, 'Album/Disc 1/01.flac'], [1, 'Album/Disc 1/02.flac']]);
  });
  it('renames the top folder', () => {
    expect(renamePlan(paths, 'Album', 'Best of').get(3)).toBe('Best of/CD10/01.flac');
  });
  it('refuses names with separators, dot names, unknown paths and names already taken', () => {
    expect(() => renamePlan(paths, 'Album/cover.jpg', '../x')).toThrow(/not a usable name/);
    expect(() => renamePlan(paths, 'Album/cover.jpg', '..')).toThrow(/not a usable name/);
    expect(() => renamePlan(paths, 'Album/nothing', 'x')).toThrow(/No file or folder/);
    expect(() => renamePlan(paths, 'Album/CD1', 'CD10')).toThrow(/already taken/);
    expect(() => renamePlan(paths, 'Album/cover.jpg', 'CD1')).toThrow(/already taken/);
  });
});
