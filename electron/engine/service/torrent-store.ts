/**
 * The list of torrents the user added, kept in the state folder so the desktop app and the web
 * host come back with the same torrents after a restart (like qBittorrent's BT_backup):
 *   <stateDir>/added-torrents/<infohash>.torrent   the original .torrent bytes, or
 *   <stateDir>/added-torrents/<infohash>.magnet    the magnet URI (metadata not kept yet)
 *   <stateDir>/added-torrents/<infohash>.json      { savePath, paused, addedAt }
 * Every file is written atomically (temp file, fsync, rename). Piece-level resume data is the
 * engine's business; on restore the engine re-checks what is on disk.
 */
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { TorrentSource } from '../api.js';

export interface StoredTorrent {
  infoHash: string;
  source: TorrentSource;
  savePath: string;
  paused: boolean;
  addedAt: number;
}

interface Meta {
  savePath: string;
  paused: boolean;
  addedAt: number;
}

const HASH = /^[0-9a-f]{40}$/;

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

export class TorrentStore {
  readonly dir: string;
  /** Serializes writes per torrent so a quick pause/resume cannot reorder on disk. */
  private chain = new Map<string, Promise<void>>();

  constructor(stateDir: string) {
    // Not `torrents/`: that folder belongs to the engine's own resume store (engine/resume).
    this.dir = join(stateDir, 'added-torrents');
  }

  private file(infoHash: string, ext: 'torrent' | 'magnet' | 'json'): string {
    if (!HASH.test(infoHash)) throw new Error(`bad info-hash ${infoHash}`);
    return join(this.dir, `${infoHash}.${ext}`);
  }

  private queue(infoHash: string, step: () => Promise<void>): Promise<void> {
    const next = (this.chain.get(infoHash) ?? Promise.resolve()).then(step, step);
    this.chain.set(infoHash, next.catch(() => undefined));
    return next;
  }

  save(entry: StoredTorrent): Promise<void> {
    return this.queue(entry.infoHash, async () => {
      await mkdir(this.dir, { recursive: true });
      if (entry.source.kind === 'torrent') await writeAtomic(this.file(entry.infoHash, 'torrent'), entry.source.bytes);
      else await writeAtomic(this.file(entry.infoHash, 'magnet'), entry.source.uri + '\n');
      const meta: Meta = { savePath: entry.savePath, paused: entry.paused, addedAt: entry.addedAt };
      await writeAtomic(this.file(entry.infoHash, 'json'), JSON.stringify(meta) + '\n');
    });
  }

  setPaused(infoHash: string, paused: boolean): Promise<void> {
    return this.queue(infoHash, async () => {
      let meta: Meta;
      try {
        meta = JSON.parse(await readFile(this.file(infoHash, 'json'), 'utf8')) as Meta;
      } catch {
        return; // not stored (or already removed)
      }
      await writeAtomic(this.file(infoHash, 'json'), JSON.stringify({ ...meta, paused }) + '\n');
    });
  }

  remove(infoHash: string): Promise<void> {
    return this.queue(infoHash, async () => {
      for (const ext of ['torrent', 'magnet', 'json'] as const) await unlink(this.file(infoHash, ext)).catch(() => undefined);
    });
  }

  /** Everything stored, oldest first. Damaged entries are skipped (and reported through `onSkip`). */
  async load(onSkip: (name: string, reason: string) => void = () => undefined): Promise<StoredTorrent[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: StoredTorrent[] = [];
    for (const name of names) {
      const m = /^([0-9a-f]{40})\.json$/.exec(name);
      if (!m?.[1]) continue;
      const infoHash = m[1];
      try {
        const raw: unknown = JSON.parse(await readFile(join(this.dir, name), 'utf8'));
        if (typeof raw !== 'object' || raw === null) throw new Error('not an object');
        const meta = raw as Partial<Meta>;
        if (typeof meta.savePath !== 'string' || typeof meta.paused !== 'boolean') throw new Error('missing fields');
        let source: TorrentSource;
        try {
          source = { kind: 'torrent', bytes: new Uint8Array(await readFile(this.file(infoHash, 'torrent'))) };
        } catch {
          source = { kind: 'magnet', uri: (await readFile(this.file(infoHash, 'magnet'), 'utf8')).trim() };
        }
        out.push({ infoHash, source, savePath: meta.savePath, paused: meta.paused, addedAt: typeof meta.addedAt === 'number' ? meta.addedAt : 0 });
      } catch (err) {
        onSkip(name, err instanceof Error ? err.message : String(err));
      }
    }
    return out.sort((a, b) => a.addedAt - b.addedAt);
  }
}
