import { describe, expect, it } from 'vitest';
import type { ResumeData } from '../resume/resume-data.js';
import type { StateStore } from '../resume/state-store.js';
import { ResumeKeeper } from './resume-keeper.js';

function fakeStore(fail = false): { store: StateStore; written: number[] } {
  const written: number[] = [];
  const store = {
    saveResume: async (record: ResumeData) => {
      if (fail) throw new Error('ENOSPC');
      written.push(record.uploaded);
    },
  } as unknown as StateStore;
  return { store, written };
}

const record = (uploaded: number): ResumeData => ({ uploaded }) as unknown as ResumeData;

describe('ResumeKeeper', () => {
  it('starting from a record on disk, nothing is out of date until a fact changes or bytes move', () => {
    const keeper = new ResumeKeeper(fakeStore().store, true, { uploaded: 10, downloaded: 20 }, () => undefined);
    expect(keeper.outOfDate({ uploaded: 10, downloaded: 20 })).toBe(false);
    expect(keeper.outOfDate({ uploaded: 11, downloaded: 20 })).toBe(true);
    keeper.markChanged();
    expect(keeper.outOfDate({ uploaded: 10, downloaded: 20 })).toBe(true);
  });

  it('without a record on disk it is out of date at once; a save brings it up to date', async () => {
    const { store, written } = fakeStore();
    const keeper = new ResumeKeeper(store, false, { uploaded: 0, downloaded: 0 }, () => undefined);
    expect(keeper.outOfDate({ uploaded: 0, downloaded: 0 })).toBe(true);
    await keeper.save({ uploaded: 5, downloaded: 0 }, async () => record(5));
    expect(written).toEqual([5]);
    expect(keeper.outOfDate({ uploaded: 5, downloaded: 0 })).toBe(false);
  });

  it('saved() waits for the saves already queued, without queuing one', async () => {
    const { store, written } = fakeStore();
    const keeper = new ResumeKeeper(store, true, { uploaded: 0, downloaded: 0 }, () => undefined);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    void keeper.save({ uploaded: 1, downloaded: 0 }, async () => {
      await gate;
      return record(1);
    });
    let done = false;
    const waiting = keeper.saved().then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    release();
    await waiting;
    expect(written).toEqual([1]);
    await keeper.saved();
    expect(written).toEqual([1]); // nothing more was written
  });

  it('saves run in order: a slow snapshot does not let a later save overtake it', async () => {
    const { store, written } = fakeStore();
    const keeper = new ResumeKeeper(store, true, { uploaded: 0, downloaded: 0 }, () => undefined);
    let release: () => void = () => undefined;
    const slow = keeper.save({ uploaded: 1, downloaded: 0 }, () => new Promise<ResumeData>((resolve) => (release = () => resolve(record(1)))));
    const fast = keeper.save({ uploaded: 2, downloaded: 0 }, async () => record(2));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all([slow, fast]);
    expect(written).toEqual([1, 2]);
  });

  it('a failed save warns and leaves the record out of date, so the next round tries again', async () => {
    const warnings: string[] = [];
    const keeper = new ResumeKeeper(fakeStore(true).store, true, { uploaded: 0, downloaded: 0 }, (m) => warnings.push(m));
    await keeper.save({ uploaded: 0, downloaded: 0 }, async () => record(0));
    expect(warnings).toEqual(['saving resume data failed: ENOSPC']);
    expect(keeper.outOfDate({ uploaded: 0, downloaded: 0 })).toBe(true);
  });

  it('with no state folder nothing is written', async () => {
    const keeper = new ResumeKeeper(null, false, { uploaded: 0, downloaded: 0 }, () => undefined);
    expect(keeper.enabled).toBe(false);
    let built = false;
    await keeper.save({ uploaded: 0, downloaded: 0 }, async () => {
      built = true;
      return record(0);
    });
    expect(built).toBe(false);
  });

  it('tells its torrent when the record goes out of date by a fact: a change, a failed save', async () => {
    let told = 0;
    const keeper = new ResumeKeeper(fakeStore(true).store, true, { uploaded: 0, downloaded: 0 }, () => undefined, () => told++);
    keeper.markChanged();
    expect(told).toBe(1);
    await keeper.save({ uploaded: 0, downloaded: 0 }, async () => record(0));
    expect(told).toBe(2); // failed: out of date again, for the next periodic save
    expect(keeper.outOfDate({ uploaded: 0, downloaded: 0 })).toBe(true);
  });
});
