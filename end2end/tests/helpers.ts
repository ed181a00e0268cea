// Shared steps: open a page and wait until WASM has hydrated it.
import { expect, Page } from '@playwright/test';

export async function openHydrated(page: Page, path: string) {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(path);
  // The App sets this from an Effect, which only runs in the browser.
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  expect(errors, 'no script errors while hydrating').toEqual([]);
}

export function uniqueName(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

export async function saveScreenshot(page: Page, name: string) {
  await page.screenshot({ path: `artifacts/${name}.png`, fullPage: true });
}
