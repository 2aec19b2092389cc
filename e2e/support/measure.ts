/** CPU seconds and peak RSS of a child process, via e2e/support/rusage.py (wait4 rusage). */
import { readFile } from 'node:fs/promises';
import { PYTHON, supportScript } from './tools.js';

export interface Usage {
  exitCode: number | null;
  signal: number | null;
  wallSeconds: number;
  userSeconds: number;
  sysSeconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
}

/** [command, args] that run `command args` under the rusage wrapper, writing `outFile`. */
export function measured(command: string, args: string[], outFile: string): [string, string[]] {
  return [PYTHON, [supportScript('rusage.py'), outFile, '--', command, ...args]];
}

export async function readUsage(outFile: string): Promise<Usage> {
  return JSON.parse(await readFile(outFile, 'utf8')) as Usage;
}
