// Issue 13's browser measurements, on the real stack (release build, real
// agent, the test guest): how long a person waits on the NIC tab. They are
// benchmarks: they record figures (artifacts/perf.json and a table in the
// log) and assert only that each step really happened, never a time.
import { test, expect } from './fixtures';
import { Locator, Page } from '@playwright/test';
import * as fs from 'fs';
import {
  addNic, createVm, guestPci, NETWORK, nicTab, openNicTab, setUp, stopQuietly, waitGuestReady, waitGuestSees,
} from './stack';

const ROUNDS = 10;
const figures: Record<string, unknown> = {};
test.afterAll(() => {
  fs.writeFileSync('artifacts/perf.json', JSON.stringify(figures, null, 2));
});

let vmId: string | undefined;
test.afterEach(async ({ request }) => {
  await stopQuietly(request, vmId);
  vmId = undefined;
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x: number) => x.toFixed(1);

/**
 * Arms the page to time the next click until `nic`'s row shows `want`
 * (Plugged with a PCI address, or Unplugged with none): the moment the DOM
 * says so, by a MutationObserver, so no test polling is counted. Also the
 * browser's own timing of the server function call the click made.
 */
async function armTimer(page: Page, nic: string, want: 'Plugged' | 'Unplugged', fn: string) {
  await page.evaluate(
    ({ nic, want, fn }) => {
      performance.clearResourceTimings();
      const w = window as unknown as { __timed: Promise<{ click: number; shown: number }> };
      w.__timed = new Promise((resolve) => {
        let clicked: number | null = null;
        const shown = () => {
          const row = document.querySelector(`tr[data-nic="${nic}"]`);
          const state = row?.querySelector('td.plugged .plug')?.textContent?.trim();
          const address = row?.querySelector('td.address')?.textContent?.trim() ?? '';
          return state === want && (want === 'Plugged' ? /^0000:/.test(address) : address === '—');
        };
        const observer = new MutationObserver(() => {
          if (clicked === null || !shown()) return;
          const at = performance.now();
          observer.disconnect();
          resolve({ click: clicked, shown: at });
        });
        document.addEventListener('click', () => { clicked = performance.now(); }, { capture: true, once: true });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      });
    },
    { nic, want, fn },
  );
}

async function timed(page: Page, nic: string, want: 'Plugged' | 'Unplugged', fn: string, click: Locator) {
  await armTimer(page, nic, want, fn);
  await click.click();
  const t = await page.evaluate(() => (window as unknown as { __timed: Promise<{ click: number; shown: number }> }).__timed);
  // The browser's own timing of the call the click made (its entry may be
  // queued a moment after the answer was used).
  let entry: { start: number; end: number } | null = null;
  await expect
    .poll(async () => {
      entry = await page.evaluate((fn) => {
        const e = performance.getEntriesByType('resource').filter((e) => e.name.endsWith(fn)).pop() as PerformanceResourceTiming | undefined;
        return e ? { start: e.startTime, end: e.responseEnd } : null;
      }, fn);
      return entry !== null;
    }, { message: `the click called ${fn}` })
    .toBe(true);
  const { start, end } = entry!;
  // Where the time over the call goes: from the click until the call
  // starts, and from its answer until the row shows it.
  return { ui: t.shown - t.click, call: end - start, before_call: start - t.click, after_call: t.shown - end };
}

test('UI latency: click on Plug until the row shows Plugged with its address; confirm Unplug until Unplugged', async ({ page, request }) => {
  test.setTimeout(300_000);
  const setup = await setUp(request);
  const vm = await createVm(request, setup, true);
  vmId = vm.id;
  await addNic(request, vm.id, { name: 'nic1', network: NETWORK });
  expect((await request.post(`/api/vms/${vm.id}/start`)).ok()).toBeTruthy();
  await waitGuestReady(vm.id);
  await openNicTab(page, vm.id);
  const tab = nicTab(page);
  await expect(tab.cell('nic1', 'plugged')).toHaveText('Unplugged');
  await tab.row('nic1').click();

  type Timed = { ui: number; call: number; before_call: number; after_call: number };
  const plug: Timed[] = [];
  const unplug: Timed[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await expect(tab.button('Plug')).toBeEnabled();
    plug.push(await timed(page, 'nic1', 'Plugged', '/api/fn/plug_nic', tab.button('Plug')));
    // The guest really has it before it is taken away again.
    const address = (await tab.cell('nic1', 'address').textContent())!.trim();
    await waitGuestSees(vm.id, address, true);

    await expect(tab.button('Unplug')).toBeEnabled();
    await tab.button('Unplug').click();
    const yes = page.getByRole('alertdialog').getByRole('button', { name: 'Yes, unplug' });
    await expect(yes).toBeFocused();
    unplug.push(await timed(page, 'nic1', 'Unplugged', '/api/fn/unplug_nic', yes));
    await waitGuestSees(vm.id, address, false);
  }
  expect(guestPci(vm.id)).not.toBeNull();

  const row = (what: string, xs: Timed[]) => {
    const ui = median(xs.map((x) => x.ui));
    const call = median(xs.map((x) => x.call));
    const over = median(xs.map((x) => x.ui - x.call));
    const before = median(xs.map((x) => x.before_call));
    const after = median(xs.map((x) => x.after_call));
    return { what, ui_median_ms: ui, server_fn_median_ms: call, ui_over_server_fn_median_ms: over, before_call_median_ms: before, after_call_median_ms: after, rounds: xs };
  };
  const results = [row('click Plug → row Plugged with its PCI address', plug), row('confirm Unplug → row Unplugged', unplug)];
  figures.ui_latency = results;
  console.log(`\nUI latency, ${ROUNDS} rounds each, medians (ms), Chromium on the real stack:`);
  console.log('| action | on screen | server fn call | on screen minus call | click until the call starts | answer until shown |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.what} | ${ms(r.ui_median_ms)} | ${ms(r.server_fn_median_ms)} | ${ms(r.ui_over_server_fn_median_ms)} | ${ms(r.before_call_median_ms)} | ${ms(r.after_call_median_ms)} |`);
  }
});

test('cold load of the NIC tab over a 10 Mbit/s, 20 ms link: time to interactive and bytes on the wire', async ({ browser, request, baseURL }) => {
  const setup = await setUp(request);
  const vm = await createVm(request, setup, false);
  await addNic(request, vm.id, { name: 'nic1', network: NETWORK });

  type Timeline = { html_first_byte_ms: number; html_done_ms: number; dom_interactive_ms: number; wasm_requested_ms: number; wasm_done_ms: number; hydrated_ms: number };
  // hydrated_ms: from navigation start to the hydrated mark, in the page's
  // own clock. seen_by_test_ms: until the test saw it, which adds the
  // test's start-up and its polling of the page (tens of ms).
  type Resource = { name: string; start_ms: number; request_ms: number; done_ms: number; wire_bytes: number };
  const loads: { hydrated_ms: number; seen_by_test_ms: number; wasm_wire_bytes: number; wasm_raw_bytes: number; all_wire_bytes: number; timeline: Timeline; resources: Resource[] }[] = [];
  for (let round = 0; round < 5; round++) {
    // A new context each round: an empty cache, signed in.
    const context = await browser.newContext({ baseURL, storageState: 'artifacts/admin-state.json' });
    // Where the time goes, in the page's own clock (ms from navigation).
    await context.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.body?.dataset.hydrated === 'true') {
          (window as unknown as { hydratedAt: number }).hydratedAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
    });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: (10 * 1000 * 1000) / 8,
      uploadThroughput: (10 * 1000 * 1000) / 8,
    });
    const wire = new Map<string, number>();
    cdp.on('Network.loadingFinished', (e) => wire.set(e.requestId, e.encodedDataLength));
    const urls = new Map<string, string>();
    cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
    const started = Date.now();
    await page.goto(`/vms/${vm.id}/nics`);
    await expect(page.locator('body[data-hydrated="true"]')).toBeAttached({ timeout: 30_000 });
    const seenByTest = Date.now() - started;
    await expect(nicTab(page).row('nic1')).toBeVisible();
    const raw = await page.evaluate(() =>
      performance.getEntriesByType('resource')
        .filter((e) => e.name.endsWith('.wasm'))
        .map((e) => (e as PerformanceResourceTiming).decodedBodySize)
        .reduce((a, b) => a + b, 0),
    );
    const timeline: Timeline = await page.evaluate(() => {
      const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const wasm = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm')) as PerformanceResourceTiming;
      const round = (ms: number) => Math.round(ms);
      return {
        html_first_byte_ms: round(navigation.responseStart),
        html_done_ms: round(navigation.responseEnd),
        dom_interactive_ms: round(navigation.domInteractive),
        wasm_requested_ms: round(wasm.requestStart || wasm.startTime),
        wasm_done_ms: round(wasm.responseEnd),
        hydrated_ms: round((window as unknown as { hydratedAt: number }).hydratedAt),
      };
    });
    // Every resource of the load, in the page's clock: what shares the
    // link with the WASM, and what waits for what.
    const resources = await page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => {
        const r = e as PerformanceResourceTiming;
        return { name: new URL(r.name).pathname, start_ms: Math.round(r.startTime), request_ms: Math.round(r.requestStart), done_ms: Math.round(r.responseEnd), wire_bytes: r.transferSize };
      }),
    );
    let wasmWire = 0;
    let allWire = 0;
    for (const [id, bytes] of wire) {
      allWire += bytes;
      if ((urls.get(id) ?? '').endsWith('.wasm')) wasmWire += bytes;
    }
    expect(wasmWire, 'the WASM came over the wire').toBeGreaterThan(0);
    loads.push({ hydrated_ms: timeline.hydrated_ms, seen_by_test_ms: seenByTest, wasm_wire_bytes: wasmWire, wasm_raw_bytes: raw, all_wire_bytes: allWire, timeline, resources });
    await context.close();
  }
  const hydrated = median(loads.map((l) => l.hydrated_ms));
  const seen = median(loads.map((l) => l.seen_by_test_ms));
  figures.cold_load = { link: '10 Mbit/s, 20 ms', loads, hydrated_median_ms: hydrated, seen_by_test_median_ms: seen };
  const at = (key: keyof Timeline) => median(loads.map((l) => l.timeline[key]));
  console.log('\nCold load of /vms/{id}/nics over 10 Mbit/s, 20 ms (5 loads, empty cache; medians, ms from navigation start):');
  console.log('| HTML first byte | HTML done | DOM interactive | WASM requested | WASM done | hydrated | seen by the test | WASM on the wire (bytes) | WASM raw (bytes) | everything on the wire (bytes) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const last = loads[loads.length - 1];
  console.log(`| ${at('html_first_byte_ms')} | ${at('html_done_ms')} | ${at('dom_interactive_ms')} | ${at('wasm_requested_ms')} | ${at('wasm_done_ms')} | ${hydrated} | ${seen} | ${last.wasm_wire_bytes} | ${last.wasm_raw_bytes} | ${last.all_wire_bytes} |`);
  console.log('\nThe last load\'s resources (ms from navigation start):');
  console.log('| resource | started | requested | done | on the wire (bytes) |');
  console.log('|---|---|---|---|---|');
  for (const r of last.resources) console.log(`| ${r.name} | ${r.start_ms} | ${r.request_ms} | ${r.done_ms} | ${r.wire_bytes} |`);
});
