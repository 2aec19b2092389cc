#!/usr/bin/env node
// The `tessera` command (package.json "bin"): runs the built CLI from dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('tessera: the CLI is not built yet; run `npm run build` in the Tessera folder first\n');
  process.exit(2);
}
await import(pathToFileURL(cli).href);
