import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockHeld, processStartTime, takePidLock } from './pid-lock.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tessera-pid-lock-'));
  file = path.join(dir, 'x.lock');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that ran and exited (kill(pid, 0) fails with ESRCH, barring a reuse in this instant). */
const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
/** Field 22 of /proc/<pid>/stat, read here independently of the module. */
const startOf = (pid: number): string => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ')[19]!;
/** A process table holding one process, `pid`, started at `start` (its name has spaces and a ')'). */
function fakeProc(pid: number, start: string): string {
  const proc = mkdtempSync(path.join(dir, 'proc-'));
  mkdirSync(path.join(proc, String(pid)));
  const fields = ['S', '1', '1', '1', '0', '-1', '4194304', '0', '0', '0', '0', '0', '0', '0', '0', '20', '0', '1', '0', start, '0', '0'];
  writeFileSync(path.join(proc, String(pid), 'stat'), `${pid} (a) b (c) ${fields.join(' ')}\n`);
  return proc;
}

describe('takePidLock', () => {
  it('writes our pid and (on Linux) our start time; the release removes the file', async () => {
    const release = await takePidLock(file);
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n${startOf(process.pid)}\n`);
    release();
    expect(existsSync(file)).toBe(false);
  });

  it("a live holder that started when its lock says holds it; one whose pid is gone doesn't", async () => {
    writeFileSync(file, `${process.ppid}\n${startOf(process.ppid)}\n`);
    await expect(takePidLock(file)).rejects.toEqual(new LockHeld(file, process.ppid));
    writeFileSync(file, `${deadPid()}\n${startOf(process.ppid)}\n`);
    const release = await takePidLock(file);
    expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^${process.pid}\n`));
    release();
  });

  it('a live pid that started at another time is another process (the pid was reused): the lock is stale and taken over', async () => {
    const other = String(Number(startOf(process.ppid)) + 1);
    writeFileSync(file, `${process.ppid}\n${other}\n`);
    const release = await takePidLock(file);
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n${startOf(process.pid)}\n`);
    release();
  });

  it('reads a lock of the old form (the pid alone): a live pid holds it, a gone one does not', async () => {
    writeFileSync(file, `${process.ppid}\n`);
    await expect(takePidLock(file)).rejects.toEqual(new LockHeld(file, process.ppid));
    writeFileSync(file, `${deadPid()}\n`);
    (await takePidLock(file))();
  });

  it('without /proc: writes the pid alone and judges a lock by its pid, as before', async () => {
    const procDir = path.join(dir, 'no-proc');
    const release = await takePidLock(file, { procDir });
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    release();
    // A start time that cannot be checked is no reason to take a live holder's lock.
    writeFileSync(file, `${process.ppid}\n12345\n`);
    await expect(takePidLock(file, { procDir })).rejects.toBeInstanceOf(LockHeld);
  });

  it('ignores garbage in place of a start time, and takes a lock naming no pid', async () => {
    writeFileSync(file, `${process.ppid}\nnot a time\n`);
    await expect(takePidLock(file)).rejects.toBeInstanceOf(LockHeld);
    writeFileSync(file, 'garbage\n');
    (await takePidLock(file))();
  });
});

describe('processStartTime', () => {
  it("reads field 22 of /proc/<pid>/stat, counting from the name's last ')'", async () => {
    expect(await processStartTime(4321, fakeProc(4321, '987654'))).toBe('987654');
    expect(await processStartTime(process.pid)).toBe(startOf(process.pid));
    expect(await processStartTime(4321, path.join(dir, 'nothing'))).toBeNull();
  });
});
