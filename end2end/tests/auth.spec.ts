// Issue 8: signing in and out, what users with roles see and may do, and
// pages on another origin that try to make a signed-in admin's browser
// plug a NIC (CSRF).
import { test, expect } from './fixtures';
import * as http from 'http';
import { AddressInfo } from 'net';
import { adminPassword, baseUrl, signInAs, userWithRole } from './auth';
import { saveScreenshot, uniqueName } from './helpers';
import { addNic, createVm, listNics, NETWORK, nicTab, openNicTab, setUp } from './stack';

test('sign in, a wrong password, sign out ending the session', async ({ browser }) => {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto('/vms');
  await expect(page).toHaveURL(/\/signin\?next=\/vms$/);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('wrong user name or password');
  // The same words for a user that does not exist.
  await page.getByLabel('User name').fill(uniqueName('nobody'));
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('wrong user name or password');

  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill(adminPassword());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/:\d+\/vms$/);
  await expect(page.getByRole('navigation', { name: 'Main' })).toContainText('Signed in as admin');
  const [cookie] = (await context.cookies()).filter((c) => c.name === 'hotnic_session');
  expect(cookie.httpOnly).toBe(true);
  expect(cookie.sameSite).toBe('Strict');
  await saveScreenshot(page, 'auth-signed-in');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await page.goto('/vms');
  await expect(page).toHaveURL(/\/signin\?next=/);
  // The old cookie opens nothing any more.
  const replay = await context.request.get('/api/vms', {
    headers: { Cookie: `hotnic_session=${cookie.value}` },
  });
  expect(replay.status()).toBe(401);
  await context.close();
});

test('a UserVmManager plugs a NIC on their VM and does not see another VM', async ({ browser, request }) => {
  const setup = await setUp(request);
  const mine = await createVm(request, setup, false);
  const theirs = await createVm(request, setup, false);
  const nic = await addNic(request, mine.id, { name: 'nic1', network: NETWORK });
  const user = await userWithRole(request, uniqueName('vmu'), 'UserVmManager', { kind: 'vm', id: mine.id });

  const page = await signInAs(browser, user);
  const vms = page.getByRole('table', { name: 'VMs' });
  await expect(vms.getByRole('row').filter({ hasText: mine.name })).toHaveCount(1);
  await expect(vms.getByRole('row').filter({ hasText: theirs.name })).toHaveCount(0);

  await openNicTab(page, mine.id);
  const tab = nicTab(page);
  await page.getByLabel('Select nic1').check();
  await tab.button('Plug').click();
  await expect(tab.cell('nic1', 'plugged')).toHaveText('Plugged');
  expect((await listNics(request, mine.id)).find((n: { id: string }) => n.id === nic.id).plugged).toBe(true);
  await saveScreenshot(page, 'auth-vm-manager-plugged');

  // The other VM is not there for this user.
  await page.goto(`/vms/${theirs.id}/nics`);
  await expect(page.getByRole('alert').first()).toContainText(`no VM with id ${theirs.id}`);
  // The audit log names who did it.
  const events = await (await request.get(`/api/events?vm_id=${mine.id}&limit=1`)).json();
  expect(events[0].user).toBe(user.name);
  await page.context().close();
});

test('a ReadOnly user sees the NIC tab with every button disabled, and why', async ({ browser, request }) => {
  const setup = await setUp(request);
  const vm = await createVm(request, setup, false);
  await addNic(request, vm.id, { name: 'nic1', network: NETWORK });
  const user = await userWithRole(request, uniqueName('ro'), 'ReadOnly', { kind: 'system' });

  const page = await signInAs(browser, user);
  await openNicTab(page, vm.id);
  const tab = nicTab(page);
  await expect(tab.row('nic1')).toBeVisible();
  await page.getByLabel('Select nic1').check();
  for (const name of ['New', 'Edit', 'Plug', 'Unplug', 'Remove'] as const) {
    await expect(tab.button(name)).toBeDisabled();
    await expect(tab.button(name)).toHaveAttribute('title', /UserVmManager/);
  }
  await expect(page.locator('#nic-actions-hint')).toContainText('this needs the UserVmManager role on VM');
  await saveScreenshot(page, 'auth-read-only-nic-tab');
  await page.context().close();
});

/** Serves `html` on another port of 127.0.0.1: same site, other origin. */
async function foreignSite(html: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test('a page on another origin cannot plug a NIC with the admin\'s session', async ({ page, request }) => {
  const setup = await setUp(request);
  const vm = await createVm(request, setup, false);
  const nic = await addNic(request, vm.id, { name: 'nic1', network: NETWORK });
  const target = baseUrl();
  const rest = `${target}/api/vms/${vm.id}/nics/${nic.id}/plug`;
  const fn = `${target}/api/fn/plug_nic`;
  const args = JSON.stringify({ vm_id: vm.id, nic_id: nic.id });
  const evil = await foreignSite(`<!doctype html><html><body>
    <form id="rest" method="post" action="${rest}"><button>win a prize</button></form>
    <form id="fn" method="post" action="${fn}" enctype="text/plain"><input name='${args.slice(0, -1)},"x":"' value='"}'><button>win a car</button></form>
    <script>
      const send = (url) => fetch(url, {
        method: 'POST', mode: 'no-cors', credentials: 'include',
        headers: { 'Content-Type': 'text/plain' }, body: '${args}',
      }).then(() => 'sent', (e) => 'failed: ' + e);
      window.fetchResults = Promise.all([send('${rest}'), send('${fn}')]);
    </script></body></html>`);
  try {
    // The admin's browser is signed in (this page's context), and the
    // session cookie does go to 127.0.0.1 on any port: only the origin
    // check stands between the foreign page and the plug.
    await page.goto('/vms');
    await expect(page).toHaveURL(/:\d+\/vms$/);
    await page.goto(evil.url);
    expect(await page.evaluate(() => (window as unknown as { fetchResults: Promise<string[]> }).fetchResults)).toEqual(['sent', 'sent']);
    for (const [button, path] of [['win a prize', '/plug'], ['win a car', '/plug_nic']]) {
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith(path)),
        page.getByRole('button', { name: button }).click(),
      ]);
      expect(answer.status(), path).toBe(403);
      // The browser shows the refusal it navigated to.
      await expect(page.locator('body')).toContainText('another');
      await page.goto(evil.url);
    }
    const after = (await listNics(request, vm.id)).find((n: { id: string }) => n.id === nic.id);
    expect(after.plugged, 'the NIC is still unplugged').toBe(false);
    const events = await (await request.get(`/api/events?vm_id=${vm.id}`)).json();
    expect(events.map((e: { event: string }) => e.event)).not.toContain('nic_plugged');
  } finally {
    await evil.close();
  }
});
