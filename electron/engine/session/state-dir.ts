import os from 'node:os';
import path from 'node:path';

/**
 * The state folder shared by the CLI, the web host and the desktop app:
 * `TESSERA_STATE_DIR`, else `$XDG_CONFIG_HOME/tessera`, else `~/.config/tessera`.
 */
export function defaultStateDir(env: Record<string, string | undefined> = process.env): string {
  if (env.TESSERA_STATE_DIR) return path.resolve(env.TESSERA_STATE_DIR);
  const config = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(config, 'tessera');
}
