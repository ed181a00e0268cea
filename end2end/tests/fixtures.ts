// The suite's `test`: pages start signed in as admin (the config's storage
// state) and `request` calls the API with admin's token, as a script does.
// A page's script errors are written to the log under the test's name: a
// panic in the WASM after the page hydrated (which openHydrated cannot see)
// stops the page, and the test then fails on whatever it waits for next.
import { test as base } from '@playwright/test';
import { adminToken } from './auth';

export const test = base.extend({
  page: async ({ page }, use, testInfo) => {
    const say = (what: string) => console.log(`[${testInfo.title.slice(0, 60)}] page ${what.slice(0, 1500)}`);
    page.on('pageerror', (err) => say(`script error: ${err.message}`));
    // Panic messages reach the console before the WASM traps; failed
    // requests are expected (tests provoke 4xx answers).
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && say(`console error: ${m.text()}`));
    await use(page);
  },
  request: async ({ playwright, baseURL }, use) => {
    const context = await playwright.request.newContext({
      baseURL,
      ignoreHTTPSErrors: true,
      extraHTTPHeaders: { Authorization: `Bearer ${adminToken()}` },
    });
    await use(context);
    await context.dispose();
  },
});

export { expect } from '@playwright/test';
