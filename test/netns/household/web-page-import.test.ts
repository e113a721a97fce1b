// The whole first evening of a household, end to end in the lab: burrowd starts as a new box (its board file, no
// tunnel, the kill switch closed), the real API runs in this process serving the built web page and talking to
// burrowd's socket, and a headless Chromium that trusts the router's CA opens the page. Before anything is set up,
// a LAN device's web request fails, and the WAN shows that it was blocked, not leaked. Then the newcomer creates
// the first admin on the setup page, uploads the lab's provider-a.conf on the Tunnel page, checks it, adds it, and
// watches the state turn "Connected"; the LAN device's request then reaches the Internet host through VPN server A.
import test from 'ava';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, type ChromiumSession } from '../../helpers/chromium.js';
import { type Credentials } from '../../e2e/support/api-session.js';
import { fillSetupForm, openPage, SIGNED_OUT_NOISE, unexpectedProblems } from '../../e2e/support/page-flows.js';
import { screenshot } from '../../e2e/support/screenshots.js';
import { startInProcessApi, type InProcessApi } from '../../medium/api/in-process-api.js';
import { Gateway, householdSkipReason } from './fixture.js';
import { wanFilters } from './leaks.js';
import { eventually } from './poll.js';

// test/dist/netns/household → <repo>/ui/dist, the page `npm run build -w ui` makes.
const UI_DIST = fileURLToPath(new URL('../../../../ui/dist/', import.meta.url));
const CURL = '/usr/bin/curl';
/**
 * curl's exit codes when a request is blocked: the name did not resolve (6), the router refused the way out (7:
 * table 51820's `unreachable`), or nothing answered in time (28).
 */
const CURL_BLOCKED = [6, 7, 28];
/** The API pushes its state at start: the router's LAN is up and the device holds a lease within this. */
const LEASE_TIMEOUT_MS = 30_000;
/** From "Add profile" to "Connected" on the page: burrowd's apply, the first handshake, the 2 s refresh. */
const CONNECTED_TIMEOUT_MS = 30_000;
const ADMIN: Credentials = { username: 'household', password: 'otter lantern basalt 7' };

const skipReason = await householdSkipReason();
const declare = skipReason === undefined ? test.serial : test.serial.skip;

const cleanups: Array<() => Promise<void>> = [];

test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch((error: unknown) => console.warn(`cleanup failed: ${(error as Error).message}`));
  }
});

declare('a newcomer imports provider-a.conf on the Tunnel page and the LAN goes through server A', async (t) => {
  const started = Date.now();
  const box = await Gateway.startWithBoard((stop) => cleanups.push(stop));
  const { lab, record } = box;
  const [device] = box.lanDevices;
  const [serverA] = record.vpnServers;
  // What a LAN device asks for: the Internet host by its name (internet.test), resolved by the router's dnsmasq.
  const { web, webName, webUrl: url } = record.internetHost;
  const curl = (timeoutSeconds: number, extra: readonly string[] = []) =>
    lab.exec(device, [CURL, '--silent', '--show-error', '--max-time', String(timeoutSeconds), ...extra, url], {
      okExitCodes: CURL_BLOCKED,
    });

  let api: InProcessApi | undefined;
  let browser: ChromiumSession | undefined;
  try {
    api = await startInProcessApi({ firmwareSocket: box.socket, uiDir: UI_DIST });
    cleanups.push(() => api!.close());
    // The API sends burrowd its state (kill switch on, no profile) as it starts: the LAN comes up, closed.
    const lease = await lab.dhcp(device, LEASE_TIMEOUT_MS);
    t.log(`lab, burrowd and API up, ${device} holds ${lease.cidr}: ${Date.now() - started} ms`);

    // Blocked, not leaked: the name does not resolve (the router forwards DNS only through a tunnel), and a device
    // that knows the address anyway gets no way out; the WAN carries nothing of either.
    const capture = await box.captureWan('web-page-import-before');
    const byName = await curl(5);
    t.true(CURL_BLOCKED.includes(byName.code), `curl ${url} before any tunnel: exit ${byName.code}`);
    const byAddress = await curl(3, ['--resolve', `${webName}:80:${web}`]);
    t.true(CURL_BLOCKED.includes(byAddress.code), `with the address given, no way out: ${byAddress.stderr.trim()}`);
    t.log(`before the import: curl by name exit ${byName.code}, by address exit ${byAddress.code}`);
    await capture.stop();
    const filters = wanFilters(capture);
    for (const [kind, filter] of [
      ['LAN address', filters.lanAddresses],
      ['plain web', filters.web],
      ['DNS', 'port 53'],
    ] as const) {
      const { count, sample } = await capture.describe(filter);
      t.is(count, 0, `before the import: ${count} ${kind} packet(s) on the WAN:\n${sample}`);
    }

    browser = await launchChromium({ trustedCaPem: api.caPem });
    cleanups.push(() => browser!.close());
    const { page, problems } = await openPage(browser);
    await page.goto(`${api.url}/`);
    await page.waitForURL((url) => url.pathname === '/setup');
    await fillSetupForm(page, ADMIN);
    await page.getByRole('button', { name: 'Create account and sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/status');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tunnel' }).click();
    await page.waitForURL((url) => url.pathname === '/tunnel');
    const state = page.getByTestId('tunnel-state');
    await state.waitFor();
    t.regex((await state.textContent()) ?? '', /No VPN profile yet/, 'a new box says no profile exists');

    const form = page.getByTestId('tunnel-import-form');
    await page.getByTestId('tunnel-file').setInputFiles(serverA!.client.configFile);
    await page.waitForFunction(() =>
      document.querySelector<HTMLTextAreaElement>('[data-testid="tunnel-config"]')?.value.includes('[Peer]'),
    );
    t.is(
      await form.getByLabel('Name', { exact: true }).inputValue(),
      basename(serverA!.client.configFile, '.conf'),
      'named after the file',
    );
    await form.getByRole('button', { name: 'Check' }).click();
    const result = page.getByTestId('tunnel-check-result');
    await result.waitFor();
    t.is(await result.getByTestId('check-endpoint').textContent(), serverA!.client.configEndpoint);
    await form.getByRole('button', { name: 'Add profile' }).click();
    await page.getByTestId('tunnel-import-outcome').waitFor();
    const added = Date.now();

    await page.getByTestId('tunnel-state').filter({ hasText: 'Connected' }).waitFor({ timeout: CONNECTED_TIMEOUT_MS });
    t.log(`the page said "Connected" ${Date.now() - added} ms after "Add profile"`);
    t.is(await page.getByTestId('tunnel-profile').textContent(), 'provider-a');
    t.is(await page.getByTestId('tunnel-sync').count(), 0, 'no notice of a change waiting for the router');

    // The device's request, by name (dnsmasq now forwards through the tunnel), leaves from server A.
    const through = await eventually(`${device}'s curl ${url} answering`, 10_000, async () => {
      const reply = await curl(3);
      return reply.code === 0 ? reply.stdout.trim() : undefined;
    });
    t.is(through, serverA!.address, 'the Internet host sees VPN server A');
    t.log(`${device} reached ${url} through server A ${Date.now() - added} ms after "Add profile"`);

    await screenshot(page, 'tunnel-connected-lab');
    t.deepEqual(await unexpectedProblems(problems, SIGNED_OUT_NOISE), []);
    t.log(`whole test: ${Date.now() - started} ms`);
  } catch (error) {
    t.log(await box.burrowd.describe());
    throw error;
  }
});
