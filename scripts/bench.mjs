#!/usr/bin/env node
// `npm run bench` entry point: runs scripts/bench.ts (TypeScript, reusing e2e/support) with tsx.
// All arguments are passed through: npm run bench -- --runs 5 --json results.json
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./bench.ts', import.meta.url));
const child = spawn(process.execPath, ['--import', 'tsx', script, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
