// Issue 5: the VM's Network Interfaces tab against the whole real stack
// (server + hotnic-agent + libvirtd + the test guest). Each test shows in
// the guest (its serial console) or at the host what it claims.
import { test, expect } from './fixtures';
import { Page, Route } from '@playwright/test';
import * as fs from 'fs';
import { randomUUID } from 'crypto';
import { openHydrated, saveScreenshot, uniqueName } from './helpers';
import {
  addNic, agentCall, agentToken, agentUrl, CMDLINE, createVm, guestPci, hostHasVm, listNics, NETWORK, nicTab, openNicTab, PCI,
  setUp, stopQuietly, waitGuestCarrier, waitGuestReady, waitGuestSees,
} from './stack';

let vmId: string | undefined;
test.afterEach(async ({ request }) => {
  await stopQuietly(request, vmId);
  vmId = undefined;
});

async function runFromHeader(page: Page) {
  await page.getByRole('toolbar', { name: 'VM actions' }).getByRole('button', { name: 'Run', exact: true }).click();
  // Monitoring (1 s) turns powering_up into up once the guest has booted (it
  // opens its guest agent port); the page follows by push.
  await expect(page.locator('.page-header .badge')).toHaveText(/\bup$/, { timeout: 60_000 });
}

async function confirm(page: Page, label: string) {
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: label })).toBeFocused();
  await dialog.getByRole('button', { name: label }).click();
  await expect(dialog).toHaveCount(0);
}

test('1: create a VM, New NIC, run, plug (address, guest sees it), unplug, remove', async ({ page, request }) => {
  test.setTimeout(180_000);
  const setup = await setUp(request);
  const name = uniqueName('ui-vm');

  // The VM, through the UI's form.
  await openHydrated(page, '/vms');
  const form = page.getByRole('form', { name: 'New VM' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Cluster').selectOption({ label: setup.clusterName });
  await form.getByLabel('Memory (MiB)').fill('128');
  await form.getByLabel('vCPUs').fill('1');
  // Kernel and initrd come from the cluster's image library, in lists.
  await form.getByLabel('Kernel', { exact: true }).selectOption('vmlinuz');
  await form.getByLabel('Initrd').selectOption('initrd.img');
  await form.getByLabel('Kernel command line').fill(CMDLINE);
  await form.getByRole('button', { name: 'Create VM' }).click();
  const vmRow = page.getByRole('table', { name: 'VMs' }).getByRole('row').filter({ hasText: name });
  await expect(vmRow).toContainText('down');
  await expect(vmRow.locator('td.num')).toHaveText('0');
  await vmRow.getByRole('link', { name }).click();
  await page.getByRole('link', { name: 'Network Interfaces' }).click();
  vmId = page.url().split('/')[4];

  // New: the dialog proposes nic1 on hnbr0; the row is unplugged, no address.
  const tab = nicTab(page);
  await tab.button('New').click();
  const dialog = page.getByRole('dialog', { name: 'New network interface' });
  await expect(dialog.getByLabel('Name')).toHaveValue('nic1');
  await expect(dialog.getByLabel('Network', { exact: true })).toHaveValue(NETWORK);
  await dialog.getByLabel('Model').selectOption({ label: 'VirtIO' });
  await dialog.getByRole('button', { name: 'OK' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(tab.cell('nic1', 'plugged')).toHaveText('Unplugged');
  await expect(tab.cell('nic1', 'address')).toHaveText('—');
  await expect(tab.row('nic1')).toContainText('VirtIO');
  await expect(tab.row('nic1')).toHaveAttribute('aria-selected', 'true');
  await expect(tab.button('Unplug')).toBeDisabled();
  await expect(tab.button('Unplug')).toHaveAttribute('title', /NIC nic1 is already unplugged/);
  await saveScreenshot(page, 'nic-1-added-unplugged');

  // Run; once the guest is up, Plug hot plugs the NIC.
  await runFromHeader(page);
  await waitGuestReady(vmId);
  const before = guestPci(vmId) ?? [];
  await tab.button('Plug').click();
  await expect(tab.cell('nic1', 'plugged')).toHaveText('Plugged');
  await expect(tab.cell('nic1', 'address')).toHaveText(PCI, { timeout: 10_000 });
  const address = (await tab.cell('nic1', 'address').innerText()).trim();
  expect(before).not.toContain(address);
  await waitGuestSees(vmId, address, true);
  await expect(tab.button('Remove')).toBeDisabled();
  await expect(tab.button('Remove')).toHaveAttribute('title', /plugged into running VM \S+; unplug it first/);
  await saveScreenshot(page, 'nic-1-plugged-running');

  // Unplug asks first; then the row and the guest lose the device.
  await tab.button('Unplug').click();
  await confirm(page, 'Yes, unplug');
  await expect(tab.cell('nic1', 'plugged')).toHaveText('Unplugged');
  await expect(tab.cell('nic1', 'address')).toHaveText('—');
  await waitGuestSees(vmId, address, false);
  await saveScreenshot(page, 'nic-1-unplugged-running');

  // Remove asks first; then the row is gone, and so is the NIC.
  await tab.button('Remove').click();
  await confirm(page, 'Yes, remove');
  await expect(tab.row('nic1')).toHaveCount(0);
  expect(await listNics(request, vmId)).toEqual([]);
  await saveScreenshot(page, 'nic-1-removed');
});

test('2: Plug on a down VM only marks it plugged; Run brings its address', async ({ page, request }) => {
  test.setTimeout(180_000);
  const setup = await setUp(request);
  const vm = await createVm(request, setup, true);
  vmId = vm.id;
  await addNic(request, vm.id, { name: 'nic1', network: NETWORK });

  await openNicTab(page, vm.id);
  const tab = nicTab(page);
  await tab.row('nic1').click();
  await expect(tab.button('Plug')).toHaveAttribute('title', /takes effect when the VM runs/);
  await tab.button('Plug').click();
  await expect(tab.cell('nic1', 'plugged')).toHaveText('Plugged');
  await expect(tab.cell('nic1', 'address')).toHaveText('—');
  // No host call: the host does not run the VM, nor has a console for it.
  expect(await hostHasVm(request, vm.id)).toBe(false);
  expect(fs.existsSync(`${process.env.HOTNIC_CONSOLE_DIR}/${vm.id}.log`)).toBe(false);
  await page.getByRole('link', { name: 'Events' }).last().click();
  await expect(page.getByRole('table', { name: 'VM events' })).toContainText(`NIC nic1 was plugged into stopped VM ${vm.name}`);
  await page.getByRole('link', { name: 'Network Interfaces' }).click();
  await saveScreenshot(page, 'nic-2-plugged-down');

  // Run: the VM starts with the NIC; its address shows without a reload.
  await runFromHeader(page);
  await expect(tab.cell('nic1', 'address')).toHaveText(PCI, { timeout: 15_000 });
  const address = (await tab.cell('nic1', 'address').innerText()).trim();
  await waitGuestReady(vm.id);
  await waitGuestSees(vm.id, address, true);
  expect(await hostHasVm(request, vm.id)).toBe(true);
  await saveScreenshot(page, 'nic-2-running-address');
});

test('3: an invalid custom MAC is explained in the dialog and nothing is created', async ({ page, request }) => {
  const setup = await setUp(request);
  const vm = await createVm(request, setup, false);
  const taken = await addNic(request, vm.id, { name: 'nic1', network: NETWORK });
  await openNicTab(page, vm.id);
  const tab = nicTab(page);

  await tab.button('New').click();
  const dialog = page.getByRole('dialog', { name: 'New network interface' });
  await expect(dialog.getByLabel('Name')).toHaveValue('nic2');
  await dialog.getByRole('radio', { name: 'Custom' }).check();
  const mac = dialog.getByLabel('Custom MAC address');
  const why = dialog.locator('#nic-mac-error');
  // Checked as you type.
  await mac.pressSequentially('00:1a:4a:16:01');
  await expect(why).toHaveText("'00:1a:4a:16:01' is not a MAC address like 00:1a:4a:16:01:51");
  await expect(mac).toHaveAttribute('aria-invalid', 'true');
  await mac.fill('01:00:5e:00:00:01');
  await expect(why).toContainText('multicast');
  await dialog.getByRole('button', { name: 'OK' }).click();
  await expect(dialog).toBeVisible();
  await saveScreenshot(page, 'nic-3-invalid-mac');
  // A well-formed MAC another NIC holds: the server refuses, the dialog says so.
  await mac.fill(taken.mac);
  await expect(why).toHaveText('');
  await dialog.getByRole('button', { name: 'OK' }).click();
  // The server names the field, so its reason shows beside the MAC input.
  await expect(why).toHaveText(`MAC address ${taken.mac} is already in use by NIC 'nic1'`);
  await expect(mac).toHaveAttribute('aria-invalid', 'true');
  await saveScreenshot(page, 'nic-3-mac-in-use');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);

  const nics = await listNics(request, vm.id);
  expect(nics.map((n: { name: string }) => n.name)).toEqual(['nic1']);
  await expect(tab.table.locator('tbody tr')).toHaveCount(1);
});

test('4: a NIC changed through the REST API changes in an open page, selection kept', async ({ page, request }) => {
  const setup = await setUp(request);
  const vm = await createVm(request, setup, false);
  const nic = await addNic(request, vm.id, { name: 'nic1', network: NETWORK });
  await openNicTab(page, vm.id);
  const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime);
  const nav = await page.evaluate(() => {
    const e = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return { ttfb: e.responseStart, domContentLoaded: e.domContentLoadedEventEnd, load: e.loadEventEnd };
  });
  fs.mkdirSync('artifacts', { recursive: true });
  fs.writeFileSync('artifacts/nic-tab-paint.json', JSON.stringify({ first_contentful_paint_ms: fcp, ...nav }, null, 2));
  console.log(`NIC tab first-contentful-paint: ${fcp?.toFixed(1)} ms`, nav);

  const tab = nicTab(page);
  await tab.row('nic1').getByRole('checkbox').check();
  await expect(tab.row('nic1')).toHaveAttribute('aria-selected', 'true');

  // Another user edits it and plugs it through REST.
  const put = await request.put(`/api/vms/${vm.id}/nics/${nic.id}`, {
    data: { name: 'uplink', boot_order: 2, port_mirroring: true, interface: 'e1000' },
  });
  expect(put.ok(), await put.text()).toBeTruthy();
  const row = tab.row('uplink');
  await expect(row).toContainText('e1000');
  await expect(row.locator('td').last()).toHaveText('2');
  await expect(row).toHaveAttribute('aria-selected', 'true');
  const plug = await request.post(`/api/vms/${vm.id}/nics/${nic.id}/plug`);
  expect(plug.ok(), await plug.text()).toBeTruthy();
  await expect(tab.cell('uplink', 'plugged')).toHaveText('Plugged');
  // And a NIC added elsewhere appears; the selection stays where it was.
  await addNic(request, vm.id, { name: 'nic9', network: NETWORK });
  await expect(tab.row('nic9')).toHaveCount(1);
  await expect(row).toHaveAttribute('aria-selected', 'true');
  await expect(tab.row('nic9')).toHaveAttribute('aria-selected', 'false');
  await saveScreenshot(page, 'nic-4-changed-by-rest');
});

test('4b: a loaded page asks the server nothing more; a change made before its change stream opened still shows', async ({ page, request }) => {
  const setup = await setUp(request);
  const vm = await createVm(request, setup, false);
  await addNic(request, vm.id, { name: 'nic1', network: NETWORK });
  const calls: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/fn/')) calls.push(new URL(r.url()).pathname);
  });

  // The page comes with its data and where the server's change feed stood;
  // its stream opens at the same place, so nothing is fetched again. Up to
  // three loads: monitoring may change something in between (then the page
  // rightly refetches).
  const loads: string[][] = [];
  while (loads.length < 3 && !loads.some((made) => made.length === 0)) {
    calls.length = 0;
    const streamOpened = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/changes');
    await openNicTab(page, vm.id);
    await streamOpened;
    await page.waitForTimeout(1_500);
    loads.push([...calls]);
  }
  console.log('server function calls after each load:', JSON.stringify(loads));
  expect(loads.some((made) => made.length === 0), JSON.stringify(loads)).toBe(true);

  // A NIC added after the page was rendered but before its stream opened:
  // the stream's position says the page is behind, and it catches up.
  let held: Route | undefined;
  await page.route('**/api/changes', (route) => {
    held = route;
  });
  await openNicTab(page, vm.id);
  const tab = nicTab(page);
  await expect(tab.row('nic1')).toHaveCount(1);
  await expect.poll(() => held !== undefined).toBe(true);
  await addNic(request, vm.id, { name: 'nic2', network: NETWORK });
  await page.waitForTimeout(500);
  await expect(tab.row('nic2')).toHaveCount(0);
  await held!.continue();
  await expect(tab.row('nic2')).toHaveCount(1);
});

test('5: a guest that ignores unplug: the error shows and the row stays plugged', async ({ page, request }) => {
  test.setTimeout(120_000);
  const setup = await setUp(request);
  const vm = await createVm(request, setup, false); // firmware only: never acks an unplug
  vmId = vm.id;
  await addNic(request, vm.id, { name: 'nic1', network: NETWORK });
  await openNicTab(page, vm.id);
  const tab = nicTab(page);
  await runFromHeader(page);
  await tab.row('nic1').click();
  await tab.button('Plug').click();
  await expect(tab.cell('nic1', 'address')).toHaveText(PCI, { timeout: 10_000 });
  const address = (await tab.cell('nic1', 'address').innerText()).trim();

  await tab.button('Unplug').click();
  await confirm(page, 'Yes, unplug');
  await expect(tab.cell('nic1', 'plugged')).toHaveText('Unplugging — waiting for the guest…');
  await expect(tab.button('Plug')).toBeDisabled();
  await saveScreenshot(page, 'nic-5-unplugging-waiting');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText(`Failed to unplug NIC nic1 from VM ${vm.name}`, { timeout: 30_000 });
  await expect(alert).toContainText('guest did not release the device');
  await expect(tab.cell('nic1', 'plugged')).toHaveText('Plugged');
  await expect(tab.cell('nic1', 'address')).toHaveText(address);
  // Still so after monitoring looked again: the host still has it.
  await page.waitForTimeout(2_500);
  await expect(tab.cell('nic1', 'plugged')).toHaveText('Plugged');
  expect((await listNics(request, vm.id))[0].plugged).toBe(true);
  await saveScreenshot(page, 'nic-5-unplug-failed');
});

test('6: a NIC the host has plugged behind hotnic\'s back is marked on its row; Plug adopts it', async ({ page, request }) => {
  test.setTimeout(120_000);
  const setup = await setUp(request);
  const vm = await createVm(request, setup, false);
  vmId = vm.id;
  const nic = await addNic(request, vm.id, { name: 'nic1', network: NETWORK });
  expect((await request.post(`/api/vms/${vm.id}/start`)).ok()).toBeTruthy();

  // Someone plugs it on the host directly, without hotnic.
  const plugged = await request.post(`${agentUrl()}/api/v1/hotplugNic`, {
    headers: { Authorization: `Bearer ${agentToken()}` },
    data: { vmId: vm.id, nic: { type: 'interface', device: 'bridge', deviceId: nic.id, network: NETWORK, macAddr: nic.mac, nicModel: 'pv' } },
  });
  expect(plugged.ok(), await plugged.text()).toBeTruthy();

  // Monitoring (1 s) marks the row; hotnic still holds it unplugged.
  await openNicTab(page, vm.id);
  const tab = nicTab(page);
  const mark = tab.row('nic1').locator('.drift');
  await expect(mark).toHaveText('⚠ on host', { timeout: 15_000 });
  await expect(mark).toHaveAttribute('title', /plugged on the host at 0000:00:[0-9a-f]{2}\.0 although unplugged here; Plug adopts it/);
  await expect(tab.cell('nic1', 'plugged')).toContainText('Unplugged');
  await saveScreenshot(page, 'nic-6-drift');

  // Plug adopts it as it is: plugged, with the host's address, no mark.
  await tab.row('nic1').click();
  await tab.button('Plug').click();
  await expect(tab.cell('nic1', 'plugged')).toHaveText('Plugged');
  await expect(tab.cell('nic1', 'address')).toHaveText(PCI);
  await expect(mark).toHaveCount(0);
});

test('7: Link down pulls the cable of a plugged NIC (the guest loses carrier), Link up plugs it back; by keyboard', async ({ page, request }) => {
  test.setTimeout(180_000);
  const setup = await setUp(request);
  const vm = await createVm(request, setup, true);
  vmId = vm.id;
  await addNic(request, vm.id, { name: 'nic1', network: NETWORK });
  await openNicTab(page, vm.id);
  const tab = nicTab(page);
  await expect(tab.cell('nic1', 'link')).toHaveText('Up');
  await runFromHeader(page);
  await waitGuestReady(vm.id);

  // Select the row and plug it, all from the keyboard.
  await page.getByRole('checkbox', { name: 'Select nic1' }).focus();
  await page.keyboard.press('Space');
  await expect(tab.row('nic1')).toHaveAttribute('aria-selected', 'true');
  await expect(tab.button('Link up')).toBeDisabled();
  await expect(tab.button('Link up')).toHaveAttribute('title', /link of nic1 is already up/);
  await tab.button('Plug').focus();
  await page.keyboard.press('Enter');
  await expect(tab.cell('nic1', 'address')).toHaveText(PCI, { timeout: 10_000 });
  const address = (await tab.cell('nic1', 'address').innerText()).trim();
  await waitGuestSees(vm.id, address, true);
  await waitGuestCarrier(vm.id, address, '1');

  await expect(tab.button('Link down')).toHaveAttribute('title', /Pull the cable of nic1/);
  await tab.button('Link down').focus();
  await page.keyboard.press('Enter');
  await expect(tab.cell('nic1', 'link')).toHaveText('Down');
  await expect(tab.cell('nic1', 'plugged')).toHaveText('Plugged');
  await waitGuestCarrier(vm.id, address, '0');
  await expect(page.getByRole('status')).toContainText('nic1 has its link down');
  await saveScreenshot(page, 'nic-7-link-down');

  await tab.button('Link up').click();
  await expect(tab.cell('nic1', 'link')).toHaveText('Up');
  await waitGuestCarrier(vm.id, address, '1');
  const nics = await listNics(request, vm.id);
  expect(nics[0].linked).toBe(true);
});

test('8: several rows at once: Shift-click selects a range, Plug plugs them in one call; Space drops one; Select all and Remove', async ({ page, request }) => {
  const setup = await setUp(request);
  const vm = await createVm(request, setup, false);
  vmId = vm.id;
  for (const name of ['nic1', 'nic2', 'nic3']) await addNic(request, vm.id, { name, network: NETWORK });
  await openNicTab(page, vm.id);
  const tab = nicTab(page);

  await tab.row('nic1').click();
  await tab.row('nic3').click({ modifiers: ['Shift'] });
  for (const name of ['nic1', 'nic2', 'nic3']) await expect(tab.row(name)).toHaveAttribute('aria-selected', 'true');
  await expect(tab.button('Edit')).toBeDisabled();
  await expect(tab.button('Plug')).toHaveAttribute('title', /Plug 3 of 3: nic1, nic2, nic3/);
  await tab.button('Plug').click();
  await expect(page.getByRole('status')).toContainText('nic1, nic2, nic3 were plugged.');
  for (const name of ['nic1', 'nic2', 'nic3']) await expect(tab.cell(name, 'plugged')).toHaveText('Plugged');

  // Space on nic2's checkbox drops it; Unplug asks for the two left.
  await page.getByRole('checkbox', { name: 'Select nic2' }).focus();
  await page.keyboard.press('Space');
  await expect(tab.row('nic2')).toHaveAttribute('aria-selected', 'false');
  await tab.button('Unplug').click();
  await expect(page.getByRole('alertdialog')).toContainText('Unplug nic1, nic3?');
  await confirm(page, 'Yes, unplug');
  await expect(tab.cell('nic1', 'plugged')).toHaveText('Unplugged');
  await expect(tab.cell('nic3', 'plugged')).toHaveText('Unplugged');
  await expect(tab.cell('nic2', 'plugged')).toHaveText('Plugged');
  await saveScreenshot(page, 'nic-8-bulk');

  await page.getByRole('checkbox', { name: 'Select all network interfaces' }).check();
  await tab.button('Remove').click();
  await confirm(page, 'Yes, remove');
  await expect(page.getByText('This VM has no network interfaces.')).toBeVisible();
  expect(await listNics(request, vm.id)).toEqual([]);
});


test('9: PCI slots: the NIC tab counts the free ones, the General tab maps each slot to its holder, live', async ({ page, request }) => {
  test.setTimeout(180_000);
  const setup = await setUp(request);
  const vm = await createVm(request, setup, true);
  vmId = vm.id;
  const nic = await addNic(request, vm.id, { name: 'nic1', network: NETWORK });
  await openNicTab(page, vm.id);
  const tab = nicTab(page);
  await expect(page.locator('#pci-slots')).toHaveCount(0);
  await runFromHeader(page);
  await waitGuestReady(vm.id);
  const slots = page.locator('p#pci-slots');
  await expect(slots).toHaveText(/^\d+ of 30 PCI slots free$/);
  const freeAtStart = Number((await slots.innerText()).split(' ')[0]);

  await tab.row('nic1').click();
  await tab.button('Plug').focus();
  await page.keyboard.press('Enter');
  await expect(tab.cell('nic1', 'address')).toHaveText(PCI, { timeout: 10_000 });
  const address = (await tab.cell('nic1', 'address').innerText()).trim();
  await expect(slots).toHaveText(`${freeAtStart - 1} of 30 PCI slots free`);

  // The General tab: the count, and a map of the 30 slots with nic1 in its own.
  await page.getByRole('link', { name: 'General', exact: true }).click();
  await expect(page.locator('td#pci-slots')).toHaveText(`${freeAtStart - 1} of 30 PCI slots free`);
  const map = page.getByRole('list', { name: 'PCI slot map' });
  await expect(map.getByRole('listitem')).toHaveCount(30);
  const slot = address.slice(8, 10);
  await expect(map.getByRole('listitem', { name: `slot ${slot}: nic nic1` })).toBeVisible();
  await expect(map.locator('li.slot.free')).toHaveCount(freeAtStart - 1);
  await saveScreenshot(page, 'nic-9-slot-map');

  // Unplugged through the REST API: the open map follows by push.
  const unplugged = await request.post(`/api/vms/${vm.id}/nics/${nic.id}/unplug`);
  expect(unplugged.status()).toBe(200);
  await expect(map.getByRole('listitem', { name: `slot ${slot}: free` })).toBeVisible({ timeout: 10_000 });
  await expect(map.locator('li.slot.free')).toHaveCount(freeAtStart);
  await expect(page.locator('td#pci-slots')).toHaveText(`${freeAtStart} of 30 PCI slots free`);
  await waitGuestSees(vm.id, address, false);
});

test('10: drift: a NIC the host has and hotnic does not is listed and adopted; a link pulled on the host is marked and re-applied by keyboard; another is detached', async ({ page, request }) => {
  test.setTimeout(180_000);
  const setup = await setUp(request);
  const vm = await createVm(request, setup, true);
  vmId = vm.id;
  await openNicTab(page, vm.id);
  const tab = nicTab(page);
  await runFromHeader(page);
  await waitGuestReady(vm.id);

  // Another manager plugs a NIC of its own into the VM.
  const mac = '02:e2:e0:00:00:01';
  const foreign = { type: 'interface', device: 'bridge', deviceId: randomUUID(), network: NETWORK, macAddr: mac, nicModel: 'pv' };
  const plugged = await agentCall(request, 'hotplugNic', { vmId: vm.id, nic: foreign });
  const unknown = page.getByRole('table', { name: 'NICs unknown to hotnic' });
  await expect(unknown.locator(`tr[data-mac="${mac}"]`)).toContainText('hnbr0', { timeout: 15_000 });
  await saveScreenshot(page, 'nic-10-unknown');

  // Adopted: one of the VM's NICs, plugged at the host's address.
  await unknown.getByRole('button', { name: `Adopt ${mac}` }).click();
  await expect(page.getByRole('status')).toContainText(`The NIC with MAC ${mac} is now nic1 of this VM.`);
  await expect(tab.cell('nic1', 'plugged')).toHaveText('Plugged');
  const address = (await tab.cell('nic1', 'address').innerText()).trim();
  expect(address).toMatch(PCI);
  expect(plugged.nic.address.slot).toBe(`0x${address.slice(8, 10)}`);
  await expect(unknown).toHaveCount(0);

  // Its cable pulled on the host: marked, hotnic's view kept until resolved.
  await agentCall(request, 'updateDevice', { vmId: vm.id, nic: { ...foreign, linkActive: false } });
  await waitGuestCarrier(vm.id, address, '0');
  const mark = tab.row('nic1').locator('.drift');
  await expect(mark).toHaveAttribute('title', 'link is down on the host, up here', { timeout: 15_000 });
  await expect(tab.cell('nic1', 'link')).toHaveText('Up');
  await page.getByRole('checkbox', { name: 'Select nic1' }).focus();
  await page.keyboard.press('Space');
  await expect(tab.button("Re-apply hotnic's")).toHaveAttribute('title', /Make the host match hotnic for nic1 again \(link is down on the host, up here\)/);
  await tab.button("Re-apply hotnic's").focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toContainText('nic1 is on its host as hotnic holds it again.');
  await waitGuestCarrier(vm.id, address, '1');
  await expect(mark).toHaveCount(0);
  await expect(tab.button("Re-apply hotnic's")).toHaveCount(0);

  // Another one, detached after a confirmation: the guest loses it.
  const other = '02:e2:e0:00:00:02';
  const second = await agentCall(request, 'hotplugNic', { vmId: vm.id, nic: { ...foreign, deviceId: randomUUID(), macAddr: other } });
  const secondAddress = `0000:00:${second.nic.address.slot.slice(2)}.0`;
  await waitGuestSees(vm.id, secondAddress, true);
  await unknown.getByRole('button', { name: `Detach ${other}` }).click({ timeout: 15_000 });
  await confirm(page, 'Yes, detach');
  await expect(page.getByRole('status')).toContainText(`The NIC with MAC ${other} was detached from the VM.`);
  await waitGuestSees(vm.id, secondAddress, false);
  await expect(unknown).toHaveCount(0);
  expect((await listNics(request, vm.id)).map((n: { name: string }) => n.name)).toEqual(['nic1']);
});

test('11: from the VMs list, the NIC of one name is plugged on the selected VMs in one call, each VM with its outcome; by keyboard too', async ({ page, request }) => {
  const setup = await setUp(request);
  const [a, b, bare] = [await createVm(request, setup, false), await createVm(request, setup, false), await createVm(request, setup, false)];
  for (const vm of [a, b]) await addNic(request, vm.id, { name: 'nic1', network: NETWORK });
  await openHydrated(page, '/vms');
  const across = page.getByRole('toolbar', { name: 'NIC on the selected VMs' });
  await expect(across.getByRole('button', { name: 'Plug on selected', exact: true })).toBeDisabled();

  await page.getByRole('checkbox', { name: `Select ${a.name}` }).focus();
  await page.keyboard.press('Space');
  await page.getByRole('checkbox', { name: `Select ${b.name}` }).check();
  await page.getByRole('checkbox', { name: `Select ${bare.name}` }).check();
  await expect(across).toContainText('3 selected');
  await expect(across.getByLabel('NIC name')).toHaveValue('nic1');
  await expect(across.getByRole('button', { name: 'Plug on selected', exact: true })).toHaveAttribute('title', 'Plug nic1 on the 3 selected VMs');
  await across.getByRole('button', { name: 'Plug on selected', exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toHaveText(`nic1 plugged on ${a.name}, ${b.name}. Not done: ${bare.name}: the VM has no NIC named nic1`);
  for (const vm of [a, b]) expect((await listNics(request, vm.id))[0].plugged).toBe(true);
  await saveScreenshot(page, 'nic-11-across-vms');

  // Only the first, unplugged again.
  await page.getByRole('checkbox', { name: `Select ${b.name}` }).uncheck();
  await page.getByRole('checkbox', { name: `Select ${bare.name}` }).uncheck();
  await across.getByRole('button', { name: 'Unplug on selected' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'unplugged on' })).toHaveText(`nic1 unplugged on ${a.name}.`);
  expect((await listNics(request, a.id))[0].plugged).toBe(false);
  expect((await listNics(request, b.id))[0].plugged).toBe(true);
});
