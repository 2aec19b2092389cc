import fs from 'node:fs/promises';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { ATOMIC_TEMP, writeFileAtomic } from './atomic-write.js';
import { decodeResumeAsync, encodeResumeAsync, type ResumeData } from './resume-data.js';

/** A torrent as stored in the state folder. */
export interface StoredTorrent {
  infoHash: string;
  /** The .torrent bytes (or the fetched info dict wrapped as a torrent); null for a magnet without metadata yet. */
  torrent: Buffer | null;
  resume: ResumeData | null;
}

const HASH = /^[0-9a-f]{40}$/;
/** A temp file older than this was left by a process that died mid-write. */
const STALE_TEMP_MS = 60_000;

/**
 * The session's state folder, like qBittorrent's BT_backup: per torrent `<hash>.torrent`
 * and `<hash>.resume`, each written atomically.
 */
export class StateStore {
  readonly torrentsDir: string;

  constructor(readonly root: string) {
    this.torrentsDir = path.join(root, 'torrents');
  }

  async saveTorrent(infoHash: string, bytes: Uint8Array): Promise<void> {
    await writeFileAtomic(path.join(this.torrentsDir, `${infoHash}.torrent`), bytes);
  }

  async saveResume(resume: ResumeData): Promise<void> {
    await writeFileAtomic(path.join(this.torrentsDir, `${resume.infoHash}.resume`), await encodeResumeAsync(resume));
  }

  async load(infoHash: string): Promise<StoredTorrent> {
    const [torrent, resumeBytes] = await Promise.all([
      readStateFile(path.join(this.torrentsDir, `${infoHash}.torrent`)).catch(() => null),
      readStateFile(path.join(this.torrentsDir, `${infoHash}.resume`)).catch(() => null),
    ]);
    const resume = resumeBytes ? await decodeResumeAsync(resumeBytes) : null;
    return { infoHash, torrent, resume: resume && resume.infoHash === infoHash ? resume : null };
  }

  /**
   * Every torrent in the folder (a damaged entry loads with what is readable). Temp files a
   * crash left behind (see writeFileAtomic) are removed once they are a minute old: a younger
   * one may be another process's write in progress.
   */
  async list(): Promise<string[]> {
    const names = await fs.readdir(this.torrentsDir).catch(() => [] as string[]);
    const hashes = new Set<string>();
    await this.removeStaleTemps(names.filter((name) => ATOMIC_TEMP.test(name)));
    for (const name of names) {
      const hash = name.replace(/\.(torrent|resume)$/, '');
      if (HASH.test(hash) && hash !== name) hashes.add(hash);
    }
    return [...hashes].sort();
  }

  private async removeStaleTemps(temps: readonly string[]): Promise<void> {
    const before = Date.now() - STALE_TEMP_MS;
    for (const name of temps) {
      const file = path.join(this.torrentsDir, name);
      const stat = await fs.lstat(file).catch(() => null);
      if (stat?.isFile() && stat.mtimeMs < before) await fs.rm(file, { force: true }).catch(() => undefined);
    }
  }

  async remove(infoHash: string): Promise<void> {
    await Promise.all(
      ['torrent', 'resume'].map((ext) => fs.rm(path.join(this.torrentsDir, `${infoHash}.${ext}`), { force: true })),
    );
  }
}

/** Files up to this size are read synchronously (see readStateFile). */
const SYNC_READ_MAX = 256 * 1024;

/**
 * Reads a file of the state folder. Most are small (resume records, typical .torrent files):
 * those are read with a few direct system calls, microseconds each, because an asynchronous
 * readFile is five round trips through the thread pool, and at a restart with 10,000 torrents
 * the hand-offs cost more CPU than the reads. Larger files (a .torrent may be 16 MiB) are read
 * asynchronously.
 */
async function readStateFile(file: string): Promise<Buffer> {
  const fd = openSync(file, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
    if (size <= SYNC_READ_MAX) {
      const out = Buffer.allocUnsafe(size);
      let done = 0;
      while (done < size) {
        const n = readSync(fd, out, done, size - done, done);
        if (n === 0) break; // shrank meanwhile
        done += n;
      }
      return out.subarray(0, done);
    }
  } finally {
    closeSync(fd);
  }
  return fs.readFile(file);
}
