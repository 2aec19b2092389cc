// `npm start` (after `npm run build`): launches Electron on the built app. Electron's binary
// is downloaded from GitHub at install time; when it is missing and cannot be fetched (no
// internet, blocked mirror) this exits with a pointer to the web UI instead of a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const electronDir = join(root, 'node_modules', 'electron');

function binaryPath() {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, process.platform === 'win32' ? 'electron.exe' : 'electron');
    return existsSync(p) ? p : null;
  }
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const p = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(p) ? p : null;
}

function unavailable(reason) {
  console.error(`Tessera: the Electron binary is not available (${reason}).`);
  console.error('It is downloaded from GitHub when Electron is installed, which is not possible on this machine.');
  console.error('Run the same UI in your browser instead:  npm run web   (then open the printed http://127.0.0.1:PORT/?token=… URL)');
  process.exit(1);
}

if (!existsSync(join(electronDir, 'package.json'))) unavailable('the electron package is not installed');
if (!existsSync(join(root, 'dist', 'electron', 'app', 'main.js'))) {
  console.error('Tessera: dist/ is missing; run `npm run build` first (`npm start` does).');
  process.exit(1);
}

let electron = binaryPath();
if (!electron) {
  console.error('Tessera: Electron binary missing; trying to download it once…');
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit', timeout: 120_000 });
  electron = r.status === 0 ? binaryPath() : null;
  if (!electron) unavailable(r.error ? r.error.message : `download failed (exit ${r.status ?? 'timeout'})`);
}

const child = spawn(electron, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('error', (err) => unavailable(err.message));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
