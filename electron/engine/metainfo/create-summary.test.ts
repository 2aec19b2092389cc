import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTorrentWithSummary, parseTorrent } from './index.js';
import { fileData } from './test-torrents.js';

const root = mkdtempSync(path.join(tmpdir(), 'tessera-create-summary-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('createTorrentWithSummary', () => {
  it('says what parseTorrent says of the torrent it made, for a file and a folder in every format', async () => {
    const folder = path.join(root, 'folder');
    mkdirSync(path.join(folder, 'sub'), { recursive: true });
    writeFileSync(path.join(folder, 'a.bin'), fileData(70_000, 1));
    writeFileSync(path.join(folder, 'empty'), '');
    writeFileSync(path.join(folder, 'sub', 'b.txt'), fileData(700, 2));
    const single = path.join(root, 'one.bin');
    writeFileSync(single, fileData(40_000, 3));
    // Fields before and after 'info' in the torrent, one of them holding what starts it.
    const around = { trackerTiers: [['http://t.example/announce']], webSeeds: ['http://w.example/'], comment: 'not 4:infod here', createdBy: 'me', source: 's', private: true };
    for (const [sourcePath, extra] of [[folder, {}], [single, {}], [folder, around], [single, around]] as const) {
      for (const format of ['v1', 'v2', 'hybrid'] as const) {
        const made = await createTorrentWithSummary({ sourcePath, format, pieceLength: 16384, ...extra });
        const meta = parseTorrent(made.torrent);
        const label = `${path.basename(sourcePath)} ${format}`;
        expect(
          { name: made.name, infoHash: made.infoHash.toString('hex'), infoHashV2: made.infoHashV2?.toString('hex') ?? null, files: made.fileCount, total: made.totalLength, pieceLength: made.pieceLength, pieces: made.pieceCount },
          label,
        ).toEqual({
          name: meta.name,
          infoHash: meta.infoHashHex,
          infoHashV2: meta.infoHashV2?.toString('hex') ?? null,
          files: meta.files.filter((f) => !f.pad).length,
          total: meta.payloadLength,
          pieceLength: meta.pieceLength,
          pieces: meta.pieceCount,
        });
      }
    }
  });
});
