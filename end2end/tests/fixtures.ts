// The suite's `test`: pages start signed in as admin (the config's storage
// state) and `request` calls the API with admin's token, as a script does.
import { test as base } from '@playwright/test';
import { adminToken } from './auth';

export const test = base.extend({
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
