#!/usr/bin/env node
/**
 * The `tessera` entry point as built (dist/cli/main.js): runs the CLI bundle through V8's code
 * cache (see compile-cache.ts). scripts/build-cli.mjs fills in the bundle's name and hash.
 */
import { join } from 'node:path';
import { compileCacheDir, compileCacheFile, runBundleWithCache } from './compile-cache.js';

declare const TESSERA_BUNDLE_FILE: string;
declare const TESSERA_BUNDLE_HASH: string;

const dir = compileCacheDir(process.env);
const command = process.argv[2] ?? '';
const run = runBundleWithCache(join(__dirname, TESSERA_BUNDLE_FILE), dir === null ? null : compileCacheFile(dir, TESSERA_BUNDLE_HASH, command));
// At exit, so the cache holds what the whole run compiled (the transfer's code, not just start-up's).
process.once('exit', () => run.save());
