import { describe, expect, it } from 'vitest';
import { magnetLink } from '../util/magnetLink.js';
import { pickRows } from './rowSelection.js';

const rows = ['a', 'b', 'c', 'd', 'e'];

describe('pickRows', () => {
  it('a plain click selects that row only', () => {
    expect(pickRows(rows, ['a', 'b'], 'a', 'd', 'only')).toEqual({ selection: ['d'], primary: 'd' });
  });
  it('Ctrl/Cmd+click adds a row, or takes it out', () => {
    expect(pickRows(rows, ['a'], 'a', 'c', 'toggle')).toEqual({ selection: ['a', 'c'], primary: 'c' });
    expect(pickRows(rows, ['a', 'c'], 'c', 'c', 'toggle')).toEqual({ selection: ['a'], primary: 'a' });
    expect(pickRows(rows, ['a', 'c'], 'c', 'a', 'toggle')).toEqual({ selection: ['c'], primary: 'c' });
    expect(pickRows(rows, ['a'], 'a', 'a', 'toggle')).toEqual({ selection: [], primary: null });
  });
  it('Shift+click selects from the anchor to the row, either way', () => {
    expect(pickRows(rows, ['b'], 'b', 'd', 'range')).toEqual({ selection: ['b', 'c', 'd'], primary: 'b' });
    expect(pickRows(rows, ['d'], 'd', 'a', 'range')).toEqual({ selection: ['a', 'b', 'c', 'd'], primary: 'd' });
  });
  it('Shift+click with no anchor in view is a plain click', () => {
    expect(pickRows(rows, [], null, 'c', 'range')).toEqual({ selection: ['c'], primary: 'c' });
    expect(pickRows(rows, ['z'], 'z', 'c', 'range')).toEqual({ selection: ['c'], primary: 'c' });
  });
});

describe('magnetLink', () => {
  it('carries the info-hash, the name and each tracker once, URI-encoded', () => {
    const h = 'ab'.repeat(20);
    expect(magnetLink(h, 'a b&c', ['http://t/a?x=1', 'udp://u:80', 'http://t/a?x=1'])).toBe(
      `magnet:?xt=urn:btih:${h}&dn=a%20b%26c&tr=http%3A%2F%2Ft%2Fa%3Fx%3D1&tr=udp%3A%2F%2Fu%3A80`,
    );
    expect(magnetLink(h, '', [])).toBe(`magnet:?xt=urn:btih:${h}`);
  });
});
