// Signs the suite in once: admin's browser session (saved as the storage
// state every page starts with) and an API token (sent by the `request`
// fixture). The test command sets HOTNIC_ADMIN_PASSWORD for the server.
import { request } from '@playwright/test';
import * as fs from 'fs';
import { ADMIN_STATE, ADMIN_TOKEN_FILE, adminPassword, baseUrl } from './auth';

export default async function globalSetup() {
  fs.mkdirSync('artifacts', { recursive: true });
  const context = await request.newContext({ baseURL: baseUrl() });
  const signedIn = await context.post('/api/session', { data: { name: 'admin', password: adminPassword() } });
  if (!signedIn.ok()) throw new Error(`admin cannot sign in: ${signedIn.status()} ${await signedIn.text()}`);
  await context.storageState({ path: ADMIN_STATE });
  // A change signed by the cookie must come from hotnic's own origin.
  const token = await context.post('/api/tokens', {
    data: { name: `e2e-${Date.now().toString(36)}` },
    headers: { Origin: baseUrl() },
  });
  if (!token.ok()) throw new Error(`cannot create the suite's API token: ${token.status()} ${await token.text()}`);
  fs.writeFileSync(ADMIN_TOKEN_FILE, (await token.json()).secret, { mode: 0o600 });
  await context.dispose();
}
