// The real stack the NIC tests run against: a cluster (level 4.7) with the
// real hotnic-agent registered as its host and network hnbr0, set up through
// the REST API; VMs booting the test guest, whose serial console
// ($HOTNIC_CONSOLE_DIR/<vm id>.log) lists its PCI devices.
import { APIRequestContext, expect, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { uniqueName } from './helpers';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the test command starts the agent and exports it`);
  return value;
}

export const agentUrl = () => env('HOTNIC_AGENT_URL');
export const agentToken = () => env('HOTNIC_AGENT_TOKEN');
export const guestDir = () => env('HOTNIC_GUEST_DIR');
export const consoleDir = () => env('HOTNIC_CONSOLE_DIR');
export const CMDLINE = 'console=ttyS0 quiet loglevel=1 panic=-1';
export const NETWORK = 'hnbr0';
export const PCI = /^0000:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

export interface Setup {
  clusterId: string;
  clusterName: string;
  hostId: string;
}

async function ok(response: Awaited<ReturnType<APIRequestContext['get']>>) {
  expect(response.ok(), `${response.url()}: ${response.status()} ${await response.text()}`).toBeTruthy();
  return response.status() === 204 ? null : response.json();
}

/** A fresh cluster with the agent as its host and network hnbr0. */
export async function setUp(request: APIRequestContext): Promise<Setup> {
  const clusterName = uniqueName('c');
  const cluster = await ok(await request.post('/api/clusters', { data: { name: clusterName, compatibility_version: '4.7' } }));
  const host = await ok(
    await request.post('/api/hosts', {
      data: { name: uniqueName('h'), cluster_id: cluster.id, agent_url: agentUrl(), token: agentToken() },
    }),
  );
  await ok(await request.post('/api/networks', { data: { name: NETWORK, cluster_id: cluster.id, kind: 'bridge' } }));
  return { clusterId: cluster.id, clusterName, hostId: host.id };
}

/** A VM through the REST API: the test guest, or firmware only (no kernel). */
export async function createVm(request: APIRequestContext, setup: Setup, withGuest: boolean) {
  const guest = withGuest
    ? { kernel: 'vmlinuz', initrd: 'initrd.img', cmdline: CMDLINE }
    : {};
  return ok(
    await request.post('/api/vms', {
      data: { name: uniqueName('vm'), cluster_id: setup.clusterId, memory_mib: 128, vcpus: 1, ...guest },
    }),
  );
}

export async function addNic(request: APIRequestContext, vmId: string, body: object) {
  return ok(await request.post(`/api/vms/${vmId}/nics`, { data: body }));
}

export async function listNics(request: APIRequestContext, vmId: string) {
  return ok(await request.get(`/api/vms/${vmId}/nics`));
}

/** Stops a VM if it runs: tests leave no guest behind. */
export async function stopQuietly(request: APIRequestContext, vmId: string | undefined) {
  if (!vmId) return;
  const vm = await (await request.get(`/api/vms/${vmId}`)).json();
  if (vm.status && vm.status !== 'down') await request.post(`/api/vms/${vmId}/stop`);
}

/** What the agent (the host) runs for this VM, asked directly. */
export async function hostHasVm(request: APIRequestContext, vmId: string): Promise<boolean> {
  const answer = await ok(
    await request.post(`${agentUrl()}/api/v1/getAllVmStats`, {
      headers: { Authorization: `Bearer ${agentToken()}` },
      data: {},
    }),
  );
  return answer.statsList.some((vm: { vmId: string }) => vm.vmId === vmId);
}

function consoleText(vmId: string): string {
  try {
    return fs.readFileSync(path.join(consoleDir(), `${vmId}.log`), 'utf8');
  } catch {
    return '';
  }
}

/** The guest's latest `PCI:` line: the devices it sees now. */
export function guestPci(vmId: string): string[] | null {
  const lines = consoleText(vmId)
    .split(/\r?\n/)
    .filter((l) => l.startsWith('PCI:'));
  if (lines.length === 0) return null;
  return lines[lines.length - 1].slice(4).trim().split(/\s+/).filter(Boolean);
}

/** The guest's latest carrier ("1" or "0") of the NIC at `address`, from its `NET:` lines. */
export function guestCarrier(vmId: string, address: string): string | null {
  const lines = consoleText(vmId)
    .split(/\r?\n/)
    .filter((l) => l.startsWith('NET:'));
  if (lines.length === 0) return null;
  const pair = lines[lines.length - 1].slice(4).trim().split(/\s+/).find((p) => p.startsWith(`${address}=`));
  return pair ? pair.slice(address.length + 1) : null;
}

/** Waits until the guest reports `carrier` for the NIC at `address`. */
export async function waitGuestCarrier(vmId: string, address: string, carrier: '1' | '0') {
  await expect
    .poll(() => guestCarrier(vmId, address), { timeout: 20_000, message: `guest console shows carrier ${carrier} for ${address}` })
    .toBe(carrier);
}

/** Calls the agent directly, as another manager or an operator's script would. */
export async function agentCall(request: APIRequestContext, verb: string, data: object) {
  const answer = await request.post(`${agentUrl()}/api/v1/${verb}`, { headers: { Authorization: `Bearer ${agentToken()}` }, data });
  expect(answer.ok(), await answer.text()).toBeTruthy();
  return answer.json();
}

export async function waitGuestReady(vmId: string) {
  await expect.poll(() => consoleText(vmId).includes('HOTNIC-GUEST-READY'), { timeout: 120_000 }).toBe(true);
}

/** Waits until the guest does (or no longer does) list `address`. */
export async function waitGuestSees(vmId: string, address: string, present: boolean) {
  await expect
    .poll(() => (guestPci(vmId) ?? []).includes(address), {
      timeout: 20_000,
      message: `guest console ${present ? 'shows' : 'no longer shows'} ${address}`,
    })
    .toBe(present);
}

/** The NIC tab's pieces. */
export function nicTab(page: Page) {
  const table = page.getByRole('table', { name: 'Network interfaces' });
  const row = (name: string) => table.locator(`tr[data-nic="${name}"]`);
  const button = (name: 'New' | 'Edit' | 'Plug' | 'Unplug' | 'Link up' | 'Link down' | 'Remove' | "Keep host's view" | "Re-apply hotnic's") =>
    page.getByRole('toolbar', { name: 'Network interface actions' }).getByRole('button', { name, exact: true });
  const cell = (name: string, column: 'plugged' | 'link' | 'address') => row(name).locator(`td.${column}`);
  return { table, row, button, cell };
}

export async function openNicTab(page: Page, vmId: string) {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`/vms/${vmId}/nics`);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  expect(errors, 'no script errors while hydrating').toEqual([]);
}
