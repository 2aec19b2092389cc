/**
 * Issue 10 item 11: a torrent of many thousands of files. Checking which files exist costs a
 * folder listing, not a failing system call (and an exception) per missing file; walks over all
 * files issue a bounded number of calls between two turns of the event loop.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveInSaveDir } from '../metainfo/index.js';
import { mostPerTurn, TurnCounter } from '../util/turn-counter.js';
import { DEFAULT_CHUNK } from '../util/yield.js';
import type { StorageFile } from './file-map.js';
import { Storage } from './storage.js';

const FILES = 20_000;
const FOLDERS = 20;
const LENGTH = 100;
/** Calls between two turns: a chunk of files, plus those already under way (16 at a time). */
const MOST_PER_TURN = DEFAULT_CHUNK + 16;

let root: string;
let storage: Storage;
let turns: TurnCounter;
/** The turn of the event loop at each call, per call name. */
let calls: Map<string, number[]>;

function relPath(i: number): string {
  return `t/d${i % FOLDERS}/f${i}.bin`;
}

function countCalls(target: object, name: string, label: string): void {
  const original = (target as Record<string, (...args: unknown[]) => unknown>)[name]!;
  vi.spyOn(target as Record<string, (...args: unknown[]) => unknown>, name).mockImplementation(function (this: unknown, ...args: unknown[]) {
    calls.get(label)?.push(turns.now);
    return original.apply(this, args);
  });
}

function count(label: string): number {
  return calls.get(label)?.length ?? 0;
}

beforeEach(async () => {
  root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tessera-many-'));
  const files: StorageFile[] = Array.from({ length: FILES }, (_, i) => ({ path: relPath(i), length: LENGTH, offset: i * LENGTH, pad: false }));
  storage = new Storage(root, files, 16384, FILES * LENGTH, resolveInSaveDir, '.0123abcd.parts');
  turns = new TurnCounter();
  calls = new Map(['lstat', 'readdir', 'unlink'].map((k) => [k, []]));
  countCalls(fs, 'lstat', 'lstat');
  countCalls(fs.promises, 'lstat', 'lstat');
  countCalls(fs, 'stat', 'lstat');
  countCalls(fs.promises, 'stat', 'lstat');
  countCalls(fs, 'readdir', 'readdir');
  countCalls(fs, 'unlink', 'unlink');
  countCalls(fs.promises, 'rm', 'unlink');
  countCalls(fs.promises, 'unlink', 'unlink');
});

afterEach(async () => {
  vi.restoreAllMocks();
  turns.stop();
  await storage.close();
  await fs.promises.rm(root, { recursive: true, force: true });
});

describe(`Storage with ${FILES} files`, () => {
  it('checks a torrent whose files are not there yet with a few calls, not one per file', async () => {
    await storage.prepare();
    const stamps = await storage.fileStamps();
    expect(stamps.every((s) => s === null)).toBe(true);
    // The torrent's folder is missing: one look answers for every file (made by each of the 16
    // lanes that start at once), and stamping costs per folder a first look and one listing.
    expect(count('lstat') + count('readdir')).toBeLessThanOrEqual(16 + 2 * FOLDERS + 4);
  });

  it('stamps files present with one lstat each, missing ones from folder listings, a bounded number per turn', async () => {
    for (let d = 0; d < FOLDERS; d++) fs.mkdirSync(path.join(root, 't', `d${d}`), { recursive: true });
    const present = 2000;
    for (let i = 0; i < present; i++) fs.writeFileSync(path.join(root, relPath(i)), Buffer.alloc(LENGTH));
    await storage.prepare();
    calls.set('lstat', []);
    calls.set('readdir', []);

    const stamps = await storage.fileStamps();
    expect(stamps.slice(0, present).every((s) => s?.size === LENGTH)).toBe(true);
    expect(stamps.slice(present).every((s) => s === null)).toBe(true);
    expect(count('lstat')).toBeLessThanOrEqual(present + FOLDERS);
    expect(count('readdir')).toBeLessThanOrEqual(FOLDERS);
    expect(mostPerTurn(calls.get('lstat')!)).toBeLessThanOrEqual(MOST_PER_TURN);
  });

  it('deletes the files there, a bounded number per turn, reporting progress, and removes the folders', async () => {
    for (let d = 0; d < FOLDERS; d++) fs.mkdirSync(path.join(root, 't', `d${d}`), { recursive: true });
    const present = 2000;
    for (let i = 0; i < present; i++) fs.writeFileSync(path.join(root, relPath(i)), Buffer.alloc(LENGTH));
    await storage.prepare();
    const progress: Array<[number, number]> = [];

    const left = await storage.deleteFiles((done, total) => progress.push([done, total]));

    expect(left).toEqual([]);
    expect(fs.existsSync(path.join(root, 't'))).toBe(false);
    // Files never created cost no call to delete (one more: the part file).
    expect(count('unlink')).toBeGreaterThanOrEqual(present);
    expect(count('unlink')).toBeLessThanOrEqual(present + 1);
    expect(mostPerTurn(calls.get('unlink')!)).toBeLessThanOrEqual(MOST_PER_TURN);
    expect(progress.length).toBeGreaterThan(FILES / 1000);
    expect(progress.every(([done], i) => i === 0 || done >= progress[i - 1]![0])).toBe(true);
    expect(progress.at(-1)).toEqual([FILES, FILES]);
  });
});
