// Bundles electron/preload.ts (and the bits of shared/contract it uses) into one CommonJS
// file, dist/electron/preload.cjs: sandboxed preloads cannot load ES modules or require
// anything but a few Electron built-ins. 'electron' stays external (provided at runtime).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ['electron/preload.ts'],
  outfile: 'dist/electron/preload.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  sourcemap: true,
  logLevel: 'warning',
});
console.log('built dist/electron/preload.cjs');
