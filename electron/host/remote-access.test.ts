import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHostArgs } from './args.js';
import { remoteAccess } from './remote-access.js';
import { StartupError } from './startup-error.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-remote-access-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('remoteAccess', () => {
  it('a --cert/--key that cannot be read fails this start only: nothing is saved for the next one', async () => {
    const first = remoteAccess(dir, parseHostArgs(['--cert', '/nonexistent/cert.pem', '--key', '/nonexistent/key.pem']));
    await expect(first).rejects.toBeInstanceOf(StartupError);
    await expect(first).rejects.toThrow(/cannot read the HTTPS certificate or key .*no such file/);
    expect(existsSync(path.join(dir, 'web-ui.json'))).toBe(false);
    // The next start without --cert serves plain HTTP on loopback as before (it kept failing on the saved paths).
    expect(await remoteAccess(dir, parseHostArgs([]))).toEqual({});
  });
});
