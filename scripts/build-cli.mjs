// Bundles the `tessera` CLI (electron/cli/main.ts, the engine and the packages it uses) into one
// CommonJS file, dist/cli/tessera.cjs, and its launcher dist/cli/main.js (electron/cli/launch.ts).
// Why one bundle: loading the ~200 separate modules tsc emits cost Node about 0.15 s of CPU at
// every start (resolving, reading and linking each ES module). Why CommonJS: the launcher runs it
// through V8's code cache (compile-cache.ts), which this Node offers for scripts, not ES modules.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = new URL('../dist/cli/', import.meta.url);
rmSync(out, { recursive: true, force: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
};

const BUNDLE = 'tessera.cjs';
await build({
  ...common,
  entryPoints: ['electron/cli/main.ts'],
  outfile: `dist/cli/${BUNDLE}`,
  sourcemap: true,
  // ws's optional native helpers: it runs without them.
  external: ['bufferutil', 'utf-8-validate'],
  // The bundle's own file (packageVersion walks up from it to package.json).
  define: { 'import.meta.url': 'TESSERA_BUNDLE_URL' },
  banner: { js: 'const TESSERA_BUNDLE_URL = require("node:url").pathToFileURL(__filename).href;' },
});
// V8 checks a code cache against its source's length only: the cache files are named by content.
const hash = createHash('sha256').update(readFileSync(new URL(BUNDLE, out))).digest('hex').slice(0, 16);
await build({
  ...common,
  entryPoints: ['electron/cli/launch.ts'],
  outfile: 'dist/cli/main.js',
  define: { TESSERA_BUNDLE_FILE: JSON.stringify(BUNDLE), TESSERA_BUNDLE_HASH: JSON.stringify(hash) },
});
// The package is "type": "module"; these two are CommonJS.
writeFileSync(new URL('package.json', out), '{ "type": "commonjs" }\n');
console.log('built dist/cli/main.js');
