import { test, expect } from './fixtures';
import { openHydrated, saveScreenshot, uniqueName } from './helpers';

test('creates a cluster through the UI and sees it listed', async ({ page, request }) => {
  await openHydrated(page, '/clusters');
  const name = uniqueName('e2e');

  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Compatibility version').selectOption('3.1');
  await page.getByRole('button', { name: 'Create cluster' }).click();

  const row = page.getByRole('table', { name: 'Clusters' }).getByRole('row').filter({ hasText: name });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('3.1');
  await expect(page.getByLabel('Name')).toHaveValue('');
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
    await page.getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Create cluster' }).click();
    if (i === 0) {
      await expect(page.getByRole('table', { name: 'Clusters' }).getByRole('row').filter({ hasText: name })).toHaveCount(1);
    }
  }
  await expect(page.getByRole('alert')).toContainText(`a cluster named '${name}' already exists`);
  await expect(page.getByRole('table', { name: 'Clusters' }).getByRole('row').filter({ hasText: name })).toHaveCount(1);
});
