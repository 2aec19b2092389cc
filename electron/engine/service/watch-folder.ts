/**
 * The watch folder (qBittorrent's "Automatically add torrents from"): .torrent files that
 * appear in it are added, then renamed `<name>.added` (or `<name>.invalid` when they are not
 * torrents), so each is added once and the user sees what happened. A file is read only once
 * it looked the same (size and modification time) on two scans at least `settleMs` apart: a
 * download or copy still writing it is not read half-written. Bounded: files over
 * MAX_TORRENT_FILE_BYTES are set aside unread, and at most MAX_PER_SCAN files are added per scan.
 */
import nodeFs from 'node:fs/promises';
import path from 'node:path';
import { MAX_TORRENT_FILE_BYTES } from '../../../shared/contract/index.js';
import { errorLine } from '../../../shared/error-text.js';

export const WATCH_SCAN_MS = 2000;
export const WATCH_SETTLE_MS = 1500;
const MAX_PER_SCAN = 50;
/** Files tracked while they settle; a folder flooded with names costs no more than this. */
const MAX_TRACKED = 10_000;

export interface WatchFs {
  readdir(dir: string): Promise<string[]>;
  stat(file: string): Promise<{ size: number; mtimeMs: number; isFile(): boolean }>;
  readFile(file: string): Promise<Uint8Array>;
  rename(from: string, to: string): Promise<void>;
}

export interface WatchHost {
  /** Adds the torrent; rejects when the bytes are not a torrent. */
  add(bytes: Uint8Array, fileName: string): Promise<void>;
  log(message: string): void;
}

interface Seen {
  size: number;
  mtimeMs: number;
  since: number;
}

export class WatchFolder {
  private readonly seen = new Map<string, Seen>();
  /**
   * Files taken but not renamed (a read-only folder or medium), as they were then: skipped until
   * they change. Else each was added (or refused) again and reported again every other scan.
   */
  private readonly kept = new Map<string, { size: number; mtimeMs: number }>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private scanning: Promise<void> | null = null;

  constructor(
    readonly folder: string,
    private readonly host: WatchHost,
    private readonly fs: WatchFs = nodeFs,
    private readonly now: () => number = Date.now,
    private readonly settleMs = WATCH_SETTLE_MS,
  ) {}

  start(intervalMs = WATCH_SCAN_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.scan(), intervalMs);
    (this.timer as { unref?: () => void }).unref?.();
    void this.scan();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.scanning;
  }

  /** One look at the folder: settled .torrent files are added and set aside. One scan at a time. */
  scan(): Promise<void> {
    this.scanning ??= this.scanOnce().finally(() => {
      this.scanning = null;
    });
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    let names: string[];
    try {
      names = await this.fs.readdir(this.folder);
    } catch (err) {
      // A folder that does not exist (yet) is not an error worth repeating every scan.
      if (!(err instanceof Error && 'code' in err && err.code === 'ENOENT')) this.host.log(`watch folder ${this.folder}: ${errorLine(err)}`);
      return;
    }
    const torrents = names.filter((n) => n.toLowerCase().endsWith('.torrent'));
    const present = new Set(torrents);
    for (const name of [...this.seen.keys()]) if (!present.has(name)) this.seen.delete(name);
    for (const name of [...this.kept.keys()]) if (!present.has(name)) this.kept.delete(name);
    let added = 0;
    for (const name of torrents) {
      if (added >= MAX_PER_SCAN) break;
      const file = path.join(this.folder, name);
      const stat = await this.fs.stat(file).catch(() => null);
      if (!stat?.isFile()) continue;
      const kept = this.kept.get(name);
      if (kept?.size === stat.size && kept.mtimeMs === stat.mtimeMs) continue;
      this.kept.delete(name);
      const now = this.now();
      const before = this.seen.get(name);
      if (!before || before.size !== stat.size || before.mtimeMs !== stat.mtimeMs) {
        if (before || this.seen.size < MAX_TRACKED) this.seen.set(name, { size: stat.size, mtimeMs: stat.mtimeMs, since: now });
        continue;
      }
      if (now - before.since < this.settleMs) continue;
      this.seen.delete(name);
      added++;
      await this.take(file, name, stat);
    }
  }

  private async take(file: string, name: string, stat: { size: number; mtimeMs: number }): Promise<void> {
    const size = stat.size;
    let verdict: 'added' | 'invalid' = 'added';
    if (size > MAX_TORRENT_FILE_BYTES) {
      verdict = 'invalid';
      this.host.log(`watch folder: ${name} is larger than ${MAX_TORRENT_FILE_BYTES} bytes; set aside unread`);
    } else {
      try {
        await this.host.add(await this.fs.readFile(file), name);
      } catch (err) {
        verdict = 'invalid';
        this.host.log(`watch folder: ${name}: ${errorLine(err)}`);
      }
    }
    await this.fs.rename(file, `${file}.${verdict}`).catch((err: unknown) => {
      if (this.kept.size < MAX_TRACKED) this.kept.set(name, { size: stat.size, mtimeMs: stat.mtimeMs });
      this.host.log(`watch folder: cannot set ${name} aside: ${errorLine(err)}`);
    });
  }
}
