import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateToken, TOKEN_FILE } from './access-token.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-token-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the web UI access token', () => {
  it('is made once, readable by the owner only, and the same at the next start', async () => {
    const first = await loadOrCreateToken(dir);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(join(dir, TOKEN_FILE))).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateToken(dir)).toBe(first);
  });

  it('a file that holds no token (damaged, edited) gives way to a new one', async () => {
    await writeFile(join(dir, TOKEN_FILE), 'not a token');
    const token = await loadOrCreateToken(dir);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect((await readFile(join(dir, TOKEN_FILE), 'utf8')).trim()).toBe(token);
  });
});
