/**
 * opentracker (HTTP + UDP tracker) on 127.0.0.1 for tracker tests (issue 4).
 * Debian's build only serves whitelisted info-hashes: the whitelist is written here
 * (and can be extended: opentracker re-reads it on SIGHUP). opentracker chroots into its
 * directory (-d) before reading the list, so the list's path is given relative to that root.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.js';
import { freePort, waitForListening } from './net.js';
import { ManagedProcess } from './process.js';
import { requireTool } from './tools.js';

const WHITELIST = 'opentracker-whitelist.txt';

export interface Opentracker {
  host: string;
  port: number;
  /** http://127.0.0.1:P/announce */
  httpUrl: string;
  /** udp://127.0.0.1:P/announce (same port number, UDP) */
  udpUrl: string;
  whitelist: string;
  proc: ManagedProcess;
  /** Whitelist more info-hashes (40 hex) and make opentracker reload the list. */
  allow(infoHashes: string[]): Promise<void>;
  stop(): Promise<void>;
}

/** `dir` must be a directory of its own (opentracker chroots into it). */
export async function startOpentracker(cleanup: Cleanup, opts: { infoHashes: string[]; dir: string; host?: string; echo?: boolean }): Promise<Opentracker> {
  requireTool('opentracker');
  const host = opts.host ?? '127.0.0.1';
  await mkdir(opts.dir, { recursive: true });
  const whitelist = join(opts.dir, WHITELIST);
  await writeFile(whitelist, opts.infoHashes.map((h) => h.toLowerCase() + '\n').join(''));
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = await freePort(host);
    const args = ['-i', host, '-p', String(port), '-P', String(port), '-d', opts.dir, '-w', `/${WHITELIST}`];
    const proc = new ManagedProcess('opentracker', args, {
      cwd: opts.dir,
      label: `opentracker@${host}:${port}`,
      echo: opts.echo,
      stdinPipe: false,
    });
    cleanup.add(() => proc.stop());
    try {
      await waitForListening(host, port, 20_000, () => proc.exitInfo === null);
      return {
        host,
        port,
        httpUrl: `http://${host}:${port}/announce`,
        udpUrl: `udp://${host}:${port}/announce`,
        whitelist,
        proc,
        allow: async (hashes) => {
          await appendFile(whitelist, hashes.map((h) => h.toLowerCase() + '\n').join(''));
          proc.child.kill('SIGHUP');
          await new Promise((r) => setTimeout(r, 200));
        },
        stop: async () => void (await proc.stop()),
      };
    } catch (err) {
      lastError = new Error(`opentracker did not start on ${host}:${port}: ${(err as Error).message}\n${proc.describe()}`);
      await proc.stop();
    }
  }
  throw lastError;
}
