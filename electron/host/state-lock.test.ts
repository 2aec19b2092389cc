import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockStateDir } from './state-lock.js';
import { StartupError } from './startup-error.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('one web host per state folder', () => {
  it('refuses a folder another live process holds, naming it', async () => {
    // The parent of this test process is alive for as long as the test runs.
    writeFileSync(path.join(dir, LOCK_FILE), `${process.ppid}\n`);
    const second = lockStateDir(dir);
    await expect(second).rejects.toBeInstanceOf(StartupError);
    await expect(second).rejects.toThrow(new RegExp(`another Tessera web host \\(pid ${process.ppid}\\) is using the state folder`));
  });

  it('takes over the lock of a process that is gone, and releases it', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(path.join(dir, LOCK_FILE), `${dead}\n`);
    const release = await lockStateDir(dir);
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toMatch(new RegExp(`^${process.pid}\n\\d+\n$`));
    release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });
});
