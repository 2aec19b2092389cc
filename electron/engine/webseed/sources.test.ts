import { describe, expect, it } from 'vitest';
import { webSeedSources } from './sources.js';

describe('webSeedSources', () => {
  const meta = { private: false, urlList: ['http://a/x', 'ftp://b/x', 'http://a/x'], httpSeeds: ['https://c/seed.php'] };

  it("takes the torrent's url-list and httpseeds (http/https, once each) and a magnet's ws=", () => {
    expect(webSeedSources(meta, ['http://d/y', 'http://a/x'])).toEqual([
      { url: 'http://a/x', kind: 'url' },
      { url: 'https://c/seed.php', kind: 'http-seed' },
      { url: 'http://d/y', kind: 'url' },
    ]);
  });

  it("a private torrent (BEP 27) uses only its own sources, never a magnet's ws=", () => {
    expect(webSeedSources({ ...meta, private: true }, ['http://d/y'])).toEqual([
      { url: 'http://a/x', kind: 'url' },
      { url: 'https://c/seed.php', kind: 'http-seed' },
    ]);
  });
});
