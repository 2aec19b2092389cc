import { describe, expect, it } from 'vitest';
import { parseTorrent } from './index.js';
import { MAX_SYMLINK_HOPS } from './symlinks.js';
import { torrentBytes, v1Info, type V1File } from './test-torrents.js';

/**
 * `L0 -> L1/f`, `L1 -> L2`, …, `L{hops} -> d`, beside a real `d/f`: resolving L0 follows
 * `hops` links through L1 … L{hops} to reach d/f.
 */
function chain(hops: number): Map<string, string | null> {
  const files: V1File[] = [{ path: ['d', 'f'], length: 10 }];
  files.push({ path: ['L0'], length: 0, attr: 'l', symlinkPath: ['L1', 'f'] });
  for (let i = 1; i < hops; i++) files.push({ path: [`L${i}`], length: 0, attr: 'l', symlinkPath: [`L${i + 1}`] });
  files.push({ path: [`L${hops}`], length: 0, attr: 'l', symlinkPath: ['d'] });
  const m = parseTorrent(torrentBytes(v1Info({ name: 'r', files })));
  return new Map(m.files.map((f) => [f.path, f.symlinkTarget]));
}

describe('symlinks through other symlinks', () => {
  it('resolves a target reached through a few links', () => {
    expect(chain(3).get('r/L0')).toBe('r/L1/f');
  });

  it('treats a target reached through more than MAX_SYMLINK_HOPS links as broken (the link points at itself)', () => {
    // Unbounded, such chains cost time cubic in their length (2,000 links: 47 s).
    expect(chain(MAX_SYMLINK_HOPS).get('r/L0')).toBe('r/L1/f');
    expect(chain(MAX_SYMLINK_HOPS + 1).get('r/L0')).toBe('r/L0');
  });
});
