import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { decodeResumeAsync, encodeResumeAsync, type ResumeData } from './resume-data.js';

/** A torrent as stored in the state folder. */
export interface StoredTorrent {
  infoHash: string;
  /** The .torrent bytes (or the fetched info dict wrapped as a torrent); null for a magnet without metadata yet. */
  torrent: Buffer | null;
  resume: ResumeData | null;
}

const HASH = /^[0-9a-f]{40}$/;

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
      fs.readFile(path.join(this.torrentsDir, `${infoHash}.torrent`)).catch(() => null),
      fs.readFile(path.join(this.torrentsDir, `${infoHash}.resume`)).catch(() => null),
    ]);
    const resume = resumeBytes ? await decodeResumeAsync(resumeBytes) : null;
    return { infoHash, torrent, resume: resume && resume.infoHash === infoHash ? resume : null };
  }

  /** Every torrent in the folder (a damaged entry loads with what is readable). */
  async list(): Promise<string[]> {
    const names = await fs.readdir(this.torrentsDir).catch(() => [] as string[]);
    const hashes = new Set<string>();
    for (const name of names) {
      const hash = name.replace(/\.(torrent|resume)$/, '');
      if (HASH.test(hash) && hash !== name) hashes.add(hash);
    }
    return [...hashes].sort();
  }

  async remove(infoHash: string): Promise<void> {
    await Promise.all(
      ['torrent', 'resume'].map((ext) => fs.rm(path.join(this.torrentsDir, `${infoHash}.${ext}`), { force: true })),
    );
  }
}
