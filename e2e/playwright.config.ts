import { defineConfig } from '@playwright/test';

// The real renderer in Debian's Chromium against `npm run web` (the built host in dist/) with a
// real engine and a real libtorrent seeder on 127.0.0.1. `npm test` builds first.
export default defineConfig({
  testDir: './ui',
  outputDir: '../test-results/ui',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 240_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  forbidOnly: Boolean(process.env.CI),
  use: {
    headless: true,
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    },
  },
});
