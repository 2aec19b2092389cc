/**
 * All-time statistics (qBittorrent's Statistics window): payload bytes downloaded and uploaded
 * this session and over every session, kept in the state folder (`statistics.json`, written
 * atomically). Bytes are counted as growth of each torrent's life totals, so a re-check (a new
 * transfer), a removal or a restart neither loses nor counts twice what moved.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Statistics } from '../../../shared/contract/policies.js';
import { writeFileAtomic } from '../resume/atomic-write.js';

export const STATISTICS_FILE = 'statistics.json';

interface Totals {
  downloaded: number;
  uploaded: number;
}

export class StatisticsKeeper {
  private readonly seen = new Map<string, Totals>();
  private session: Totals = { downloaded: 0, uploaded: 0 };
  private before: Totals = { downloaded: 0, uploaded: 0 };
  private saving: Promise<void> = Promise.resolve();
  private savedAt: Totals = { downloaded: 0, uploaded: 0 };

  constructor(private readonly file: string | null) {}

  static forStateDir(stateDir: string | undefined): StatisticsKeeper {
    return new StatisticsKeeper(stateDir ? path.join(stateDir, STATISTICS_FILE) : null);
  }

  /** Reads earlier sessions' totals; a missing or damaged file counts from zero. */
  async load(): Promise<void> {
    if (!this.file) return;
    const text = await fs.readFile(this.file, 'utf8').catch(() => null);
    if (text === null) return;
    try {
      const raw = JSON.parse(text) as unknown;
      if (typeof raw === 'object' && raw !== null) {
        const r = raw as Record<string, unknown>;
        const n = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);
        this.before = { downloaded: n(r.allTimeDownloaded), uploaded: n(r.allTimeUploaded) };
      }
    } catch {
      // Damaged: start from zero rather than refuse to start.
    }
  }

  /**
   * A torrent's life totals now. The first sighting of a torrent is its baseline (what it
   * moved before this session is already in the file, or came with it from elsewhere).
   */
  observe(id: string, totals: Totals): void {
    const last = this.seen.get(id);
    if (!last) {
      this.seen.set(id, { downloaded: totals.downloaded, uploaded: totals.uploaded });
      return;
    }
    this.session.downloaded += Math.max(0, totals.downloaded - last.downloaded);
    this.session.uploaded += Math.max(0, totals.uploaded - last.uploaded);
    // Updated in place: a new object per torrent per turn lived long enough to reach V8's old
    // generation, and 10,000 idle torrents then cost a full collection every half minute.
    last.downloaded = totals.downloaded;
    last.uploaded = totals.uploaded;
  }

  forget(id: string): void {
    this.seen.delete(id);
  }

  snapshot(): Statistics {
    const allTimeDownloaded = this.before.downloaded + this.session.downloaded;
    const allTimeUploaded = this.before.uploaded + this.session.uploaded;
    return {
      sessionDownloaded: this.session.downloaded,
      sessionUploaded: this.session.uploaded,
      allTimeDownloaded,
      allTimeUploaded,
      allTimeRatio: allTimeDownloaded > 0 ? allTimeUploaded / allTimeDownloaded : 0,
    };
  }

  /** Writes the all-time totals when they changed since the last write (in order, one at a time). */
  save(): Promise<void> {
    const file = this.file;
    const s = this.snapshot();
    if (!file || (s.allTimeDownloaded === this.savedAt.downloaded && s.allTimeUploaded === this.savedAt.uploaded)) return this.saving;
    this.savedAt = { downloaded: s.allTimeDownloaded, uploaded: s.allTimeUploaded };
    const text = JSON.stringify({ allTimeDownloaded: s.allTimeDownloaded, allTimeUploaded: s.allTimeUploaded }) + '\n';
    this.saving = this.saving.then(() => writeFileAtomic(file, Buffer.from(text))).catch(() => undefined);
    return this.saving;
  }
}
