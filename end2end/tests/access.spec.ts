// Issue 5's "keyboard usable, buttons labelled, works without WASM for
// reading": the NIC tab read with JavaScript off, and driven by keys alone.
// The VMs stay down, so no guest is needed: Plug and Unplug only flip the
// database flag, which the REST API then confirms.
import { test, expect } from './fixtures';
import { ADMIN_STATE } from './auth';
import { Locator, Page } from '@playwright/test';
import { saveScreenshot } from './helpers';
import { addNic, createVm, listNics, NETWORK, nicTab, openNicTab, setUp } from './stack';

test('without JavaScript the NIC tab and the VMs list read from the server-rendered HTML', async ({ browser, request }) => {
  const setup = await setUp(request);
  const vm = await createVm(request, setup, false);
  const nic1 = await addNic(request, vm.id, { name: 'nic1', network: NETWORK });
  const nic2 = await addNic(request, vm.id, { name: 'nic2', network: NETWORK, interface: 'e1000', boot_order: 2 });
  const plugged = await request.post(`/api/vms/${vm.id}/nics/${nic2.id}/plug`);
  expect(plugged.status()).toBe(200);

  const context = await browser.newContext({ javaScriptEnabled: false, storageState: ADMIN_STATE });
  const page = await context.newPage();
  await page.goto(`/vms/${vm.id}/nics`);
  // No script ran: the page was never hydrated, yet the table is all there.
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(0);
  const tab = nicTab(page);
  await expect(tab.table.locator('tbody tr')).toHaveCount(2);
  await expect(tab.row('nic1')).toContainText(nic1.mac);
  await expect(tab.cell('nic1', 'plugged')).toHaveText('Unplugged');
  await expect(tab.row('nic2')).toContainText(nic2.mac);
  await expect(tab.row('nic2')).toContainText('e1000');
  await expect(tab.cell('nic2', 'plugged')).toHaveText('Plugged');
  await saveScreenshot(page, 'access-nic-tab-without-js');

  // Plain links: the navigation works without scripts too.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'VMs' }).click();
  await expect(page).toHaveURL(/\/vms$/);
  const row = page.getByRole('table', { name: 'VMs' }).getByRole('row').filter({ hasText: vm.name });
  await expect(row.locator('td.num')).toHaveText('2');
  await context.close();
});

/** Presses `key` until `target` has the focus (at most 40 times). */
async function pressUntilFocused(page: Page, key: string, target: Locator) {
  for (let i = 0; i < 40; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press(key);
  }
  await expect(target).toBeFocused();
}

test('keyboard only: select, New, Plug, Unplug with confirmation, Remove cancelled by Escape; Tab stays in dialogs', async ({ page, request }) => {
  const setup = await setUp(request);
  const vm = await createVm(request, setup, false);
  await addNic(request, vm.id, { name: 'nic1', network: NETWORK });
  await addNic(request, vm.id, { name: 'nic2', network: NETWORK });
  await openNicTab(page, vm.id);
  const tab = nicTab(page);

  // Space on a row's checkbox selects it; arrow keys move a single selection.
  await page.getByLabel('Select nic1').focus();
  await page.keyboard.press('Space');
  await expect(tab.row('nic1')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowDown');
  await expect(tab.row('nic2')).toHaveAttribute('aria-selected', 'true');
  await expect(tab.row('nic1')).toHaveAttribute('aria-selected', 'false');

  // Plug nic2 from the toolbar with Enter.
  await pressUntilFocused(page, 'Shift+Tab', tab.button('Plug'));
  await page.keyboard.press('Enter');
  await expect(tab.cell('nic2', 'plugged')).toHaveText('Plugged');

  // Unplug asks first; the confirm button has the focus, so Enter confirms.
  await pressUntilFocused(page, 'Tab', tab.button('Unplug'));
  await page.keyboard.press('Enter');
  const confirm = page.getByRole('alertdialog');
  const confirmButton = confirm.getByRole('button', { name: 'Unplug' });
  const cancelButton = confirm.getByRole('button', { name: 'Cancel' });
  await expect(confirmButton).toBeFocused();
  // Tab stays inside the modal: past either end it comes round.
  for (const [key, expected] of [['Tab', cancelButton], ['Tab', confirmButton], ['Shift+Tab', cancelButton], ['Shift+Tab', confirmButton]] as const) {
    await page.keyboard.press(key);
    await expect(expected).toBeFocused();
  }
  await page.keyboard.press('Enter');
  await expect(confirm).toHaveCount(0);
  await expect(tab.cell('nic2', 'plugged')).toHaveText('Unplugged');

  // Remove asks too; Escape backs out and nothing is removed.
  await pressUntilFocused(page, 'Tab', tab.button('Remove'));
  await page.keyboard.press('Enter');
  await expect(confirm).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(confirm).toHaveCount(0);
  await expect(tab.table.locator('tbody tr')).toHaveCount(2);

  // New: the dialog opens with the name focused and proposed; Enter submits.
  await pressUntilFocused(page, 'Shift+Tab', tab.button('New'));
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'New network interface' });
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await expect(dialog.getByLabel('Name')).toHaveValue('nic3');
  await expect(dialog.locator('#nic-network')).toHaveValue(NETWORK);
  await page.keyboard.press('Shift+Tab');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(tab.row('nic3')).toBeVisible();
  await saveScreenshot(page, 'access-keyboard-done');

  // The REST API sees what the keys did.
  const nics = await listNics(request, vm.id);
  const state = nics.map((n: { name: string; plugged: boolean }) => [n.name, n.plugged]);
  expect(state).toEqual([['nic1', false], ['nic2', false], ['nic3', false]]);
});
