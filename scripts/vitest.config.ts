import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
// Tests never touch public DHT routers (dhtSettings) nor the user's real state folder, and send
// no SSDP/NAT-PMP/PCP or LSD multicast to a real network (reachSettings).
const testEnv = { TESSERA_DHT_BOOTSTRAP: '', TESSERA_PORT_MAPPING: '0', TESSERA_LSD: '0', TESSERA_STATE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-test-state-')) };

// Two projects: fast unit tests (pure logic, no network) and interop tests that drive
// real peers (libtorrent, aria2, opentracker) on 127.0.0.1. Interop runs one file at a
// time: they are CPU- and port-heavy and this machine has 2 cores.
export default defineConfig({
  root,
  test: {
    projects: [
      {
        plugins: [react()],
        test: {
          name: 'unit',
          root,
          include: ['electron/**/*.test.ts', 'shared/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}', 'scripts/**/*.test.ts'],
          exclude: ['**/*.fuzz.test.ts', '**/node_modules/**'],
          environment: 'node',
          env: testEnv,
          testTimeout: 20_000,
        },
      },
      {
        // Fuzz targets of every parser of untrusted bytes: a short budget here (npm test),
        // TESSERA_FUZZ_RUNS=1000000 in `npm run fuzz` (scripts/fuzz/budget.ts).
        test: {
          name: 'fuzz',
          root,
          include: ['electron/**/*.fuzz.test.ts', 'shared/**/*.fuzz.test.ts'],
          setupFiles: ['scripts/fuzz/setup.ts'],
          environment: 'node',
          env: testEnv,
          testTimeout: process.env.TESSERA_FUZZ_RUNS ? 24 * 3600_000 : 120_000,
        },
      },
      {
        test: {
          name: 'interop',
          root,
          include: ['e2e/interop/**/*.test.ts'],
          environment: 'node',
          env: testEnv,
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          pool: 'forks',
        },
      },
    ],
  },
});
