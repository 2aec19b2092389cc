/**
 * The web UI's remote-access settings, `web-ui.json` in the state folder: the login (user name
 * and scrypt hash, never the password) and the HTTPS certificate and key files. Written with
 * mode 0600; given on the command line once (`--username` with $TESSERA_WEB_PASSWORD,
 * `--cert`/`--key`) and kept for the next starts.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPasswordRecord, type Credentials } from './auth.js';

export interface WebUiConfig {
  credentials: Credentials | null;
  tls: { certFile: string; keyFile: string } | null;
}

export const WEB_UI_FILE = 'web-ui.json';

export async function loadWebUiConfig(stateDir: string): Promise<WebUiConfig> {
  let text: string;
  try {
    text = await readFile(join(stateDir, WEB_UI_FILE), 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return { credentials: null, tls: null };
    throw err;
  }
  const raw = JSON.parse(text) as Record<string, unknown>;
  const c = raw.credentials as Record<string, unknown> | null | undefined;
  const credentials = c && typeof c.username === 'string' && c.username.length > 0 && isPasswordRecord(c.password)
    ? { username: c.username, password: c.password }
    : null;
  const t = raw.tls as Record<string, unknown> | null | undefined;
  const tls = t && typeof t.certFile === 'string' && typeof t.keyFile === 'string' ? { certFile: t.certFile, keyFile: t.keyFile } : null;
  return { credentials, tls };
}

export async function saveWebUiConfig(stateDir: string, config: WebUiConfig): Promise<void> {
  const file = join(stateDir, WEB_UI_FILE);
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}
