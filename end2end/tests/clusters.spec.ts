import { test, expect } from './fixtures';
import { openHydrated, saveScreenshot, uniqueName } from './helpers';
import { addNic, createVm, setUp } from './stack';

test('creates a cluster through the UI and sees it listed', async ({ page, request }) => {
  await openHydrated(page, '/clusters');
  const name = uniqueName('e2e');

  await page.getByRole('form', { name: 'New cluster' }).getByLabel('Name').fill(name);
  await page.getByRole('form', { name: 'New cluster' }).getByLabel('Compatibility version').selectOption('3.1');
  await page.getByRole('button', { name: 'Create cluster' }).click();

  const row = page.getByRole('table', { name: 'Clusters' }).getByRole('row').filter({ hasText: name });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole('combobox', { name: `Compatibility version of cluster ${name}` })).toHaveValue('3.1');
  await expect(page.getByRole('form', { name: 'New cluster' }).getByLabel('Name')).toHaveValue('');
  await saveScreenshot(page, 'clusters-created');

  // The REST API reads the same row: one engine, one database.
  const listed = await (await request.get('/api/clusters')).json();
  expect(listed.filter((c: { name: string }) => c.name === name)).toHaveLength(1);

  // Server-rendered after a reload: it was stored, not only shown.
  await page.reload();
  await expect(page.getByRole('table', { name: 'Clusters' }).getByRole('row').filter({ hasText: name })).toHaveCount(1);
});

test('a duplicate cluster name is refused with a reason', async ({ page }) => {
  await openHydrated(page, '/clusters');
  const name = uniqueName('dup');
  for (let i = 0; i < 2; i++) {
    await page.getByRole('form', { name: 'New cluster' }).getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Create cluster' }).click();
    if (i === 0) {
      await expect(page.getByRole('table', { name: 'Clusters' }).getByRole('row').filter({ hasText: name })).toHaveCount(1);
    }
  }
  await expect(page.getByRole('alert')).toContainText(`a cluster named '${name}' already exists`);
  await expect(page.getByRole('table', { name: 'Clusters' }).getByRole('row').filter({ hasText: name })).toHaveCount(1);
});

test('clusters, hosts and networks are renamed and removed by their rules, by keyboard too', async ({ page, request }) => {
  test.setTimeout(60_000);
  const setup = await setUp(request);
  const vm = await createVm(request, setup, false);
  await addNic(request, vm.id, { name: 'nic1', network: 'hnbr0' });
  const networks = await (await request.get(`/api/networks?cluster_id=${setup.clusterId}`)).json();
  const network = networks[0];

  // A network in use is not removed: the refusal names the VM and NIC.
  await openHydrated(page, '/networks');
  const netRow = page.getByRole('table', { name: 'Networks' }).locator('tr').filter({ has: page.getByRole('button', { name: `Remove network hnbr0` }) }).filter({ hasText: setup.clusterName });
  await netRow.getByRole('button', { name: 'Remove network hnbr0' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, remove' }).click();
  await expect(page.getByRole('alert')).toContainText(`network hnbr0 is used by NICs (VM ${vm.name}: nic1); move or remove them first`);

  // A second network, renamed by keyboard (its id kept), then removed.
  const spare = await (await request.post('/api/networks', { data: { name: 'hnspare', cluster_id: setup.clusterId, kind: 'bridge' } })).json();
  await page.reload();
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await page.getByRole('button', { name: 'Rename network hnspare' }).focus();
  await page.keyboard.press('Enter');
  const field = page.getByRole('textbox', { name: 'New name of network hnspare' });
  await field.fill('hnspare2');
  await field.press('Enter');
  await expect(page.getByRole('button', { name: 'Remove network hnspare2' })).toBeVisible();
  const renamed = (await (await request.get(`/api/networks?cluster_id=${setup.clusterId}`)).json()).find((n: { id: string }) => n.id === spare.id);
  expect(renamed.name).toBe('hnspare2');
  await page.getByRole('button', { name: 'Remove network hnspare2' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, remove' }).click();
  await expect(page.getByRole('button', { name: 'Remove network hnspare2' })).toHaveCount(0);
  expect(network.name).toBe('hnbr0');

  // A cluster with a VM and a host is not removed.
  await openHydrated(page, '/clusters');
  await page.getByRole('button', { name: `Remove cluster ${setup.clusterName}` }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, remove' }).click();
  await expect(page.getByRole('alert')).toContainText(`cluster ${setup.clusterName} still has VMs ${vm.name} and hosts`);

  // A host goes into maintenance and back; it is removed only from maintenance.
  await openHydrated(page, '/hosts');
  const hosts = await (await request.get('/api/hosts')).json();
  const host = hosts.find((h: { id: string }) => h.id === setup.hostId);
  const hostRow = page.locator(`tr[data-host="${host.name}"]`);
  await hostRow.getByRole('button', { name: `Maintenance for host ${host.name}` }).click();
  await expect(hostRow.locator('.badge')).toHaveText('maintenance');
  await saveScreenshot(page, 'hosts-maintenance');
  await hostRow.getByRole('button', { name: `Activate host ${host.name}` }).click();
  await expect(hostRow.locator('.badge')).toHaveText('up');
  await hostRow.getByRole('button', { name: `Remove host ${host.name}` }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, remove' }).click();
  await expect(page.getByRole('alert')).toContainText(`host ${host.name} is up; put it into maintenance before removing it`);
});
