/**
 * The UI settings file in the state folder shared by the web host, the Electron shell and the
 * CLI (`settings.json`, written atomically). The folder itself is the engine's
 * `defaultStateDir()` (TESSERA_STATE_DIR, else $XDG_CONFIG_HOME/tessera, else ~/.config/tessera);
 * the engine keeps its torrents and resume data in `torrents/` there.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import {
  DEFAULT_ALT_SPEED,
  DEFAULT_QUEUE_SETTINGS,
  DEFAULT_SEEDING_LIMITS,
  DEFAULT_WATCH_FOLDER,
  settings as settingsValidator,
  type Settings,
} from '../../../shared/contract/index.js';

export const SETTINGS_FILE = 'settings.json';

/**
 * Every field of Settings, read back from the file one by one. Listed here, not taken from the
 * defaults: the desktop-only fields (tray, start on login) have no default, and reading only the
 * defaults' keys lost them at every start. The Record type makes a new Settings field a compile error here.
 */
const SETTINGS_FIELDS: Record<keyof Settings, true> = {
  downloadDir: true,
  listenPort: true,
  maxPeersPerTorrent: true,
  maxConnectionsPerIp: true,
  maxConnections: true,
  notifyOnComplete: true,
  downloadLimit: true,
  uploadLimit: true,
  encryption: true,
  confirmAdd: true,
  queueing: true,
  seedingLimits: true,
  categories: true,
  altSpeed: true,
  watchFolder: true,
  closeToTray: true,
  minimizeToTray: true,
  startOnLogin: true,
  dht: true,
  pex: true,
  lsd: true,
  portMapping: true,
};

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
    queueing: { ...DEFAULT_QUEUE_SETTINGS },
    seedingLimits: { ...DEFAULT_SEEDING_LIMITS },
    categories: [],
    altSpeed: { ...DEFAULT_ALT_SPEED, days: [...DEFAULT_ALT_SPEED.days] },
    watchFolder: { ...DEFAULT_WATCH_FOLDER },
  };
}

export class SettingsFileError extends Error {
  override readonly name = 'SettingsFileError';
}

/** Where a damaged settings file is reported (default: one line on stderr). */
export type SettingsNotice = (message: string) => void;

const stderrNotice: SettingsNotice = (message) => {
  process.stderr.write(`tessera: ${message}\n`);
};

/**
 * Reads settings.json. A missing file gives `defaults`. A file that is not a JSON object is
 * never silently replaced: it is renamed to settings.json.corrupt-<time>, `notice` says so, and
 * the defaults are used. A field that is missing or invalid falls back to its default (a
 * hand-edited file with one typo does not lose the rest); invalid ones are named in a notice.
 * An unreadable file (not a file, I/O error) is a SettingsFileError.
 */
export async function loadSettings(stateDir: string, defaults: Settings, notice: SettingsNotice = stderrNotice): Promise<Settings> {
  const path = join(stateDir, SETTINGS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return { ...defaults };
    throw new SettingsFileError(`cannot read ${path}: ${errorText(err)}`);
  }
  let raw: unknown;
  let problem: string | null = null;
  try {
    // An editor may save a byte order mark first (Windows Notepad); JSON.parse refuses it.
    raw = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) problem = 'not a JSON object';
  } catch (err) {
    problem = `not valid JSON: ${errorText(err)}`;
  }
  if (problem !== null) {
    const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(path, aside);
    } catch (err) {
      throw new SettingsFileError(`${path} is damaged (${problem}) and could not be kept aside: ${errorText(err)}`);
    }
    notice(`${path} was damaged (${problem}); kept it as ${aside} and started with the default settings`);
    return { ...defaults };
  }
  const merged: Settings = { ...defaults };
  const record = raw as Record<string, unknown>;
  const ignored: string[] = [];
  for (const key of Object.keys(SETTINGS_FIELDS) as Array<keyof Settings>) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
    // A relative (or empty) download folder would follow the working directory, which differs
    // between a desktop launch, a terminal and a service; the contract only checks it is a string.
    if (key === 'downloadDir' && (typeof record[key] !== 'string' || !isAbsolute(record[key]))) {
      ignored.push(key);
      continue;
    }
    const candidate = { ...merged, [key]: record[key] };
    try {
      Object.assign(merged, settingsValidator(candidate, 'settings'));
    } catch {
      ignored.push(key);
    }
  }
  if (ignored.length > 0) notice(`${path}: invalid ${ignored.join(', ')} ignored; using the default for ${ignored.length === 1 ? 'it' : 'them'}`);
  return merged;
}

/** Saves in flight per settings file: writes are serialised, never interleaved. */
const writeQueues = new Map<string, Promise<void>>();
let tempCounter = 0;

/**
 * Writes settings.json atomically (unique temp file, fsync, rename). Concurrent calls are
 * serialised in call order, so the file ends up holding the value of the last call.
 */
export function saveSettings(stateDir: string, value: Settings): Promise<void> {
  const target = join(stateDir, SETTINGS_FILE);
  const text = JSON.stringify(value, null, 2) + '\n';
  const previous = writeQueues.get(target) ?? Promise.resolve();
  const write = previous.catch(() => undefined).then(() => writeAtomically(stateDir, target, text));
  writeQueues.set(target, write);
  const forget = (): void => {
    if (writeQueues.get(target) === write) writeQueues.delete(target);
  };
  write.then(forget, forget);
  return write;
}

async function writeAtomically(stateDir: string, target: string, text: string): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const temp = `${target}.${process.pid}.${++tempCounter}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
