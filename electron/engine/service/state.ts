/**
 * The UI settings file in the state folder shared by the web host, the Electron shell and the
 * CLI (`settings.json`, written atomically). The folder itself is the engine's
 * `defaultStateDir()` (TESSERA_STATE_DIR, else $XDG_CONFIG_HOME/tessera, else ~/.config/tessera);
 * the engine keeps its torrents and resume data in `torrents/` there.
 */
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { settings as settingsValidator, type Settings } from '../../../shared/contract/index.js';

export const SETTINGS_FILE = 'settings.json';

export function defaultDownloadDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env.XDG_DOWNLOAD_DIR;
  if (xdg && xdg.startsWith('/')) return xdg;
  return join(home, 'Downloads');
}

export function defaultSettings(downloadDir: string): Settings {
  return {
    downloadDir,
    listenPort: 6881,
    maxPeersPerTorrent: 50,
    notifyOnComplete: true,
    downloadLimit: 0,
    uploadLimit: 0,
    encryption: 'allow',
    confirmAdd: true,
  };
}

/**
 * Reads settings.json; every field that is missing or invalid falls back to `defaults`
 * (a hand-edited file with one typo does not lose the rest).
 */
export async function loadSettings(stateDir: string, defaults: Settings): Promise<Settings> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(stateDir, SETTINGS_FILE), 'utf8'));
  } catch {
    return { ...defaults };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ...defaults };
  const merged: Settings = { ...defaults };
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(defaults) as Array<keyof Settings>) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
    const candidate = { ...merged, [key]: record[key] };
    try {
      Object.assign(merged, settingsValidator(candidate, 'settings'));
    } catch {
      // keep the default for this field
    }
  }
  return merged;
}

/** Writes settings.json atomically: temp file, fsync, rename. */
export async function saveSettings(stateDir: string, value: Settings): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const target = join(stateDir, SETTINGS_FILE);
  const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(value, null, 2) + '\n', 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
