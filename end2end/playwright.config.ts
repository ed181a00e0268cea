// Playwright drives Debian's Chromium (its own browser download is blocked
// here) against a server the test command has already started.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // HOTNIC_E2E_GREP (a regular expression on test titles) runs only those.
  grep: process.env.HOTNIC_E2E_GREP ? new RegExp(process.env.HOTNIC_E2E_GREP) : undefined,
  reporter: 'list',
  outputDir: 'test-results',
  // Signs admin in once; every page starts with that session.
  globalSetup: './tests/global-setup.ts',
  use: {
    storageState: 'artifacts/admin-state.json',
    baseURL: process.env.HOTNIC_URL ?? 'http://127.0.0.1:3000',
    // The tests also ask the agent directly; it serves HTTPS with its own
    // self-signed certificate (hotnic pins it; the tests need not).
    ignoreHTTPSErrors: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
