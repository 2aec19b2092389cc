/**
 * What the code under test writes to process.stdout and process.stderr (the CLI's commands
 * write there directly), captured afresh for every test of the file that calls
 * `captureOutput()` at its top level. Import this file directly: it loads only vitest.
 */
import { afterEach, beforeEach, vi } from 'vitest';

export interface CapturedOutput {
  /** Written to stdout in this test so far (a test may empty it to look at what comes next). */
  out: string;
  /** Written to stderr in this test so far. */
  err: string;
}

export function captureOutput(): CapturedOutput {
  const captured: CapturedOutput = { out: '', err: '' };
  beforeEach(() => {
    captured.out = '';
    captured.err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      captured.out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      captured.err += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return captured;
}
