import { describe, expect, it } from 'vitest';
import { MAX_REFUSED_UPLOAD_REQUESTS, UploadQueue } from './upload-queue.js';

describe('UploadQueue', () => {
  it('serves first come first served and holds no more than its limit', () => {
    const q = new UploadQueue(3);
    expect(q.add(1, 0, 16384)).toBe(true);
    expect(q.add(2, 0, 16384)).toBe(true);
    expect(q.add(2, 0, 16384)).toBe(true); // a duplicate is kept once
    expect(q.add(3, 0, 16384)).toBe(true);
    expect(q.add(4, 0, 16384)).toBe(false);
    expect(q.size).toBe(3);
    expect(q.next()?.index).toBe(1);
    expect(q.size).toBe(3); // started requests still count against the limit
    expect(q.add(4, 0, 16384)).toBe(false);
  });

  it('counts the bytes of started requests until they finish, cancelled or not', () => {
    const q = new UploadQueue();
    q.add(1, 0, 100);
    q.add(2, 0, 200);
    const a = q.next()!;
    const b = q.next()!;
    expect(q.next()).toBeUndefined();
    expect(q.preparingBytes).toBe(300);
    expect(q.startedCount).toBe(2);
    expect(q.cancel(2, 0)).toBe(true);
    expect(q.preparingBytes).toBe(300); // its read is still running
    expect(q.finish(a)).toBe(true);
    expect(q.finish(b)).toBe(false); // cancelled meanwhile: not to be sent
    expect(q.preparingBytes).toBe(0);
    expect(q.startedCount).toBe(0);
    expect(q.size).toBe(0);
  });

  it('clear drops waiting and started requests and returns them', () => {
    const q = new UploadQueue();
    q.add(1, 0, 16384);
    q.add(2, 0, 16384);
    const started = q.next()!;
    expect(q.clear().map((r) => r.index)).toEqual([2, 1]);
    expect(q.size).toBe(0);
    expect(q.hasWaiting).toBe(false);
    expect(q.finish(started)).toBe(false);
  });

  it('a cancel of a request it never had changes nothing', () => {
    const q = new UploadQueue();
    q.add(1, 16384, 0);
    expect(q.cancel(1, 0)).toBe(false);
    expect(q.size).toBe(1);
  });

  it('counts refused requests up to a limit, anew after each choke', () => {
    const q = new UploadQueue();
    for (let i = 0; i < MAX_REFUSED_UPLOAD_REQUESTS; i++) expect(q.refuse()).toBe(true);
    expect(q.refuse()).toBe(false);
    q.clear();
    expect(q.refuse()).toBe(true);
  });
});
