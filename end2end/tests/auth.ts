// Who the suite is: admin's saved session and API token, and helpers that
// make users with roles and sign them in.
import { APIRequestContext, Browser, expect, Page } from '@playwright/test';
import * as fs from 'fs';

export const ADMIN_STATE = 'artifacts/admin-state.json';
export const ADMIN_TOKEN_FILE = 'artifacts/admin.token';

export const baseUrl = () => process.env.HOTNIC_URL ?? 'http://127.0.0.1:3000';

export function adminPassword(): string {
  const password = process.env.HOTNIC_ADMIN_PASSWORD;
  if (!password) throw new Error('HOTNIC_ADMIN_PASSWORD is not set: the test command sets it for the server');
  return password;
}

export const adminToken = () => fs.readFileSync(ADMIN_TOKEN_FILE, 'utf8').trim();

/** A new user with `role` on `object` (through the REST API as admin). */
export async function userWithRole(
  request: APIRequestContext,
  name: string,
  role: 'ReadOnly' | 'UserVmManager' | 'ClusterAdmin' | 'SuperUser',
  object: { kind: 'system' } | { kind: 'cluster' | 'vm'; id: string },
) {
  const password = `pw-${name}-secret`;
  const created = await request.post('/api/users', { data: { name, password } });
  expect(created.status(), await created.text()).toBe(201);
  const granted = await request.post('/api/permissions', { data: { user: name, role, object } });
  expect(granted.status(), await granted.text()).toBe(201);
  return { name, password };
}

/** Signs in through the sign-in page, in a fresh browser context. */
export async function signInAs(browser: Browser, user: { name: string; password: string }): Promise<Page> {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto('/vms');
  await expect(page).toHaveURL(/\/signin\?next=\/vms$/);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await page.getByLabel('User name').fill(user.name);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/:\d+\/vms$/);
  await expect(page.getByRole('navigation', { name: 'Main' })).toContainText(`Signed in as ${user.name}`);
  return page;
}
