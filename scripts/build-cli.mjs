// Bundles the `tessera` CLI (electron/cli/main.ts and the engine it uses) into dist/cli/: one
// chunk per command, loaded when that command runs. Why: loading the ~200 separate modules tsc
// emits costs Node about 0.15 s of CPU at every start (resolving, reading and linking each
// ES module); bundled, a download starts ~0.1–0.2 CPU-s cheaper, which is a tenth of a
// 256 MiB download's CPU. Packages (bencode, ws, …) stay external: loaded from node_modules.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Chunk names carry content hashes: clear the last build's, or they pile up.
rmSync(new URL('../dist/cli', import.meta.url), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: ['electron/cli/main.ts'],
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
console.log('built dist/cli/main.js');
