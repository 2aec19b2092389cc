/**
 * The web UI's access token, kept in the state folder (`web-token`, mode 0600) so that it
 * outlives a restart of the host: an open tab, a reload or a bookmark keeps working, where a
 * new token at every start left tabs retrying for ever with one the host no longer knew (a
 * browser cannot tell a refused WebSocket from a host that is down). Deleting the file makes
 * the next start choose a new one.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const TOKEN_FILE = 'web-token';
const TOKEN_SHAPE = /^[0-9a-f]{64}$/;

/** The saved token, or a new one saved for the next starts (a file not holding one is replaced). */
export async function loadOrCreateToken(stateDir: string): Promise<string> {
  const file = join(stateDir, TOKEN_FILE);
  const saved = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (TOKEN_SHAPE.test(saved)) return saved;
  const token = randomBytes(32).toString('hex');
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, `${token}\n`, { mode: 0o600 });
  await rename(temp, file);
  return token;
}
