import type { ResumeData } from '../resume/resume-data.js';
import type { StateStore } from '../resume/state-store.js';
import { RESOLVED } from '../util/resolved.js';

/** Bytes moved over a torrent's life. */
export interface Totals {
  uploaded: number;
  downloaded: number;
}

/**
 * When and in which order a torrent's resume record is written. Saves run one at a time, in
 * order, so a slow older save never overwrites a newer one. Between saves it knows whether the
 * record on disk is out of date: a fact the record holds changed (markChanged: pieces,
 * priorities, settings, pause, completion, metadata), or the byte totals moved (compared, as
 * they move with every block). The periodic save skips a torrent where neither happened, so
 * idle torrents cost no writes.
 */
export class ResumeKeeper {
  private saving: Promise<void> = RESOLVED;
  private changedSinceSave: boolean;
  private savedTotals: Totals;

  /**
   * @param onDisk the record this torrent started from is on disk (nothing to write until something changes)
   * @param changed called when the record becomes out of date by a fact (markChanged, a failed
   *   save): a torrent out of its periodic round joins it again to save (Torrent.tickAgain)
   */
  constructor(
    private readonly store: StateStore | null,
    onDisk: boolean,
    totals: Totals,
    private readonly warn: (message: string) => void,
    private readonly changed: () => void = () => undefined,
  ) {
    this.changedSinceSave = !onDisk;
    this.savedTotals = totals;
  }

  get enabled(): boolean {
    return this.store !== null;
  }

  markChanged(): void {
    this.changedSinceSave = true;
    this.changed();
  }

  /** Whether the record on disk is out of date. */
  outOfDate(totals: Totals): boolean {
    return this.changedSinceSave || totals.uploaded !== this.savedTotals.uploaded || totals.downloaded !== this.savedTotals.downloaded;
  }

  /** Resolves once the saves queued so far are done (whether they succeeded or not). */
  saved(): Promise<void> {
    return this.saving;
  }

  /** Queues a save of the record `snapshot` builds (when its turn comes, so it is current then). */
  save(totals: Totals, snapshot: () => Promise<ResumeData>): Promise<void> {
    const store = this.store;
    if (!store) return Promise.resolve();
    // What changes from here on is for the next save (the snapshot, taken later, may hold it too: harmless).
    this.changedSinceSave = false;
    this.savedTotals = totals;
    this.saving = this.saving
      .then(async () => store.saveResume(await snapshot()))
      .catch((err: unknown) => {
        this.changedSinceSave = true;
        this.changed();
        this.warn(`saving resume data failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    return this.saving;
  }
}
