#!/usr/bin/env node
import { exitQuietlyOnBrokenPipe } from './broken-pipe.js';
import { runCli } from './cli.js';

exitQuietlyOnBrokenPipe(process.stdout, (code) => process.exit(code), (m) => process.stderr.write(m));

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tessera: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
