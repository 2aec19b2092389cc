/**
 * Issue 11, item 8: `tessera seed --json | head -1` — the reader closes the pipe after the
 * first line; the next status line hits EPIPE. The CLI must end quietly with status 0 (like
 * other command-line tools), not die with an uncaught 'error' event and a stack trace.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cleanup, requireBuiltCli, runTessera, tesseraEnv, writeRandomFile } from '../support/index.js';

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

describe('tessera CLI with a reader that stops reading', () => {
  it('seed --json | head -1: exits 0 with no stack trace once the pipe closes', async () => {
    const cli = requireBuiltCli();
    const root = await cleanup.tempDir('broken-pipe');
    const data = join(root, 'data', 'payload.bin');
    await writeRandomFile(data, 256 * 1024, 'broken-pipe');
    const torrent = join(root, 'payload.torrent');
    const made = await runTessera(['create', data, '-o', torrent, '--piece-length', '16384'], { configHome: join(root, 'config') });
    expect(made.exit.code, made.stderr).toBe(0);

    const child = spawn(process.execPath, [cli, 'seed', torrent, '--dir', join(root, 'data'), '--state-dir', join(root, 'state'), '--port', '0', '--json', '--no-dht'], {
      env: tesseraEnv(join(root, 'config')),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.add(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });

    // Like `head -1`: read up to the first newline, then close the read end of the pipe.
    const firstLine = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        buf += s;
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          child.stdout.destroy();
          resolve(buf.slice(0, nl));
        }
      });
      child.on('exit', () => reject(new Error(`seed exited before its first line:\n${stderr}`)));
    });
    expect(JSON.parse(firstLine)).toMatchObject({ event: 'ready' });

    // The next status line (once a second) meets the closed pipe.
    const { code, signal } = await exited;
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  });
});
