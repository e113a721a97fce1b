// The Remote access and Devices pages in Chromium against the real built server and a fake burrowd that reports a
// WAN address and two devices on the LAN: an admin turns remote access on with the WAN address offered, adds a phone
// and sees its configuration once (the QR code as a PNG, the .conf text, a download of exactly that text), and sets
// a LAN device's policy, with "direct" asked first and then warned about on every page.
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import { type FakeBurrowd, startFakeBurrowd } from '../helpers/fake-burrowd.js';
import { type Credentials } from './support/api-session.js';
import { openPage } from './support/page-flows.js';
import { DESKTOP, horizontalOverflow, screenshot, SCREENSHOT_DIR } from './support/screenshots.js';
import {
  setUpSignedInAdmin,
  type SignedInAdmin,
  startServerAndBrowser,
  stopServerAndBrowser,
} from './support/server-and-browser.js';

interface Context extends SignedInAdmin {
  burrowd: FakeBurrowd;
}

interface LanDeviceBody {
  mac: string;
  policy: string;
}

interface RemoteDeviceBody {
  id: number;
  name: string;
  publicKey: string;
}

const ADMIN: Credentials = { username: 'admin', password: 'remote access check 1' };
/** The phone width the pages are designed for. */
const PHONE = { width: 390, height: 844 };
const WAN_ADDRESS = '198.51.100.7';
const LAPTOP_MAC = '02:00:00:00:00:0a';
const TV_MAC = '02:00:00:00:00:0b';

/** burrowd's report: no tunnel, a WAN address, and two devices on the LAN (one online). */
const REPORT = {
  state: null,
  killSwitch: true,
  engine: { interface: 'wg0', running: false, pid: null, starts: 0 },
  peers: [],
  upstream: { activeId: null, profiles: [], events: [] },
  leases: [],
  interfaces: [
    {
      name: 'eth0',
      kind: null,
      role: 'wan',
      up: true,
      mac: '02:00:00:00:01:01',
      mtu: 1500,
      addresses: [{ family: 'ipv4', address: WAN_ADDRESS, prefixLength: 24 }],
      rxBytes: 0,
      txBytes: 0,
      rxPackets: 0,
      txPackets: 0,
      rxErrors: 0,
      txErrors: 0,
    },
  ],
  remoteAccess: null,
  lanDevices: [
    {
      mac: LAPTOP_MAC,
      hostname: 'lan-laptop',
      ipv4: ['192.168.8.20'],
      ipv6: ['fd00::20'],
      neighbour: 'reachable',
      leaseExpires: new Date(Date.now() + 3_600_000).toISOString(),
      rxBytes: 5_000_000,
      txBytes: 250_000,
    },
    {
      mac: TV_MAC,
      hostname: 'living-room-tv',
      ipv4: ['192.168.8.21'],
      ipv6: [],
      neighbour: 'stale',
      leaseExpires: null,
      rxBytes: 0,
      txBytes: 0,
    },
  ],
};

const test = anyTest as TestFn<Context>;
test.before(async (t) => {
  const burrowd = await startFakeBurrowd(REPORT);
  try {
    t.context = {
      burrowd,
      ...(await startServerAndBrowser(async (started) => ({ api: await setUpSignedInAdmin(started, ADMIN) }), {
        firmwareSocket: burrowd.socketPath,
      })),
    };
  } catch (error) {
    await burrowd.close();
    throw error;
  }
});
test.after.always(async (t) => {
  await stopServerAndBrowser(t.context);
  await (t.context as Partial<Context>).burrowd?.close();
});

/** Both sizes of a screenshot; the phone one also must not scroll sideways. */
async function screenshots(t: ExecutionContext<Context>, page: Page, name: string): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await screenshot(page, `${name}-desktop`);
  await page.setViewportSize(PHONE);
  t.is(await horizontalOverflow(page), 0, `${name}: the page is wider than a 390 px phone`);
  await screenshot(page, `${name}-phone`);
  await page.setViewportSize(DESKTOP);
}

/** A modal dialog sits over the viewport, not the page: both sizes as the screen shows them. */
async function dialogScreenshots(t: ExecutionContext<Context>, page: Page, name: string): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-desktop.png`) });
  await page.setViewportSize(PHONE);
  t.is(await horizontalOverflow(page), 0, `${name}: the page is wider than a 390 px phone`);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-phone.png`) });
  await page.getByRole('dialog').getByRole('button', { name: 'Done, I have it' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-phone-scrolled.png`) });
  await page.setViewportSize(DESKTOP);
}

test.serial('an admin turns remote access on, adds a phone and sees its configuration once', async (t) => {
  const { page, problems } = await openPage(t.context.browser);
  await page.goto(`${t.context.server.url}/remote-access`);
  await page.getByTestId('remote-device-list-empty').waitFor();
  t.is(await page.title(), 'Remote access · Burrow');

  // The WAN address burrowd reports is offered with one click.
  const form = page.getByTestId('remote-access-form');
  await form.getByTestId('remote-access-wan').waitFor();
  await form.getByRole('button', { name: `Use ${WAN_ADDRESS}` }).click();
  t.is(await page.getByTestId('remote-access-endpoint').inputValue(), WAN_ADDRESS);
  t.is(await page.getByTestId('remote-access-port').inputValue(), '51820');
  await page.getByTestId('remote-access-enabled').check();
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText(/Remote access is on/).waitFor();
  const settings = await t.context.api.json<{ enabled: boolean; endpointHost: string | null; listenPort: number }>(
    'GET',
    '/api/remote-access',
  );
  t.true(settings.enabled);
  t.is(settings.endpointHost, WAN_ADDRESS);
  t.is(settings.listenPort, 51820);
  await screenshots(t, page, 'remote-access-empty');

  const add = page.getByTestId('remote-device-add-form');
  await add.getByTestId('remote-device-name').fill('Anna phone');
  t.true(await add.getByTestId('remote-device-keys-router').isChecked(), 'keys made on the router by default');
  await add.getByRole('button', { name: 'Add device' }).click();

  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  t.regex((await dialog.getByTestId('remote-device-config-once').textContent()) ?? '', /shown only once/);
  const qr = dialog.getByTestId('remote-device-qr');
  t.regex((await qr.getAttribute('src')) ?? '', /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
  // The browser decoded it as an image: a square of real pixels, not a broken icon.
  const size = await qr.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
  t.true((size[0] ?? 0) > 100);
  t.is(size[0], size[1]);
  const conf = (await dialog.getByTestId('remote-device-conf').textContent()) ?? '';
  t.regex(conf, /\[Interface\][\s\S]*PrivateKey = [A-Za-z0-9+/]{43}=[\s\S]*\[Peer\]/);
  t.true(conf.includes(`Endpoint = ${WAN_ADDRESS}:51820`), conf);
  await dialogScreenshots(t, page, 'remote-access-config');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    dialog.getByTestId('remote-device-download').click(),
  ]);
  t.regex(download.suggestedFilename(), /^Anna.*\.conf$/);
  t.is(await readFile((await download.path()) ?? '', 'utf8'), conf, 'the download is exactly the text shown');

  await dialog.getByRole('button', { name: 'Done, I have it' }).click();
  // Closed, the dialog leaves the page with the configuration in it.
  await page.getByTestId('remote-device-conf').waitFor({ state: 'detached' });
  t.is(await page.locator('dialog').count(), 0);
  const item = page.getByTestId('remote-device');
  await item.waitFor();
  t.is(await item.getByTestId('remote-device-name-shown').textContent(), 'Anna phone');
  t.regex((await item.getByTestId('remote-device-handshake').textContent()) ?? '', /never/);

  // No later answer carries the private key: the list has the public key only.
  const privateKey = /PrivateKey = (\S+)/.exec(conf)?.[1] ?? '-';
  const devices = await t.context.api.json<RemoteDeviceBody[]>('GET', '/api/remote-access/devices');
  t.is(devices.length, 1);
  t.false(JSON.stringify(devices).includes(privateKey));

  // Its traffic history, closed until asked for: then the Tunnel page's chart, and the device's own events.
  t.is(await item.getByTestId('remote-device-history').count(), 0);
  await item.getByText('Traffic history').click();
  const history = item.getByTestId('remote-device-history');
  await history.getByTestId('remote-traffic-totals').filter({ hasText: 'the last hour: 0 B received' }).waitFor();
  await history.locator('canvas').first().waitFor();
  await history.getByTestId('remote-traffic-range-day').click();
  await history.getByTestId('remote-traffic-totals').filter({ hasText: 'the last day' }).waitFor();
  const event = history.getByTestId('event');
  await event.first().waitFor();
  t.deepEqual(await event.evaluateAll((items) => items.map((li) => li.getAttribute('data-kind'))), [
    'remote_device.added',
  ]);
  await screenshots(t, page, 'remote-access-device');
  t.deepEqual(await problems.all(), []);
  await page.close();
});

test.serial(
  'rekeying shows a new configuration once, renaming refuses an empty name, and deleting asks first',
  async (t) => {
    const { page, problems } = await openPage(t.context.browser);
    await page.goto(`${t.context.server.url}/remote-access`);
    const item = page.getByTestId('remote-device');
    await item.waitFor();
    const before = (await t.context.api.json<RemoteDeviceBody[]>('GET', '/api/remote-access/devices'))[0];

    await item.getByRole('button', { name: 'Rekey…' }).click();
    await item.getByRole('button', { name: 'Make new keys' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    t.regex((await dialog.textContent()) ?? '', /New keys for “Anna phone”/);
    // Escape closes it like the button.
    await page.keyboard.press('Escape');
    await page.getByTestId('remote-device-conf').waitFor({ state: 'detached' });
    const after = (await t.context.api.json<RemoteDeviceBody[]>('GET', '/api/remote-access/devices'))[0];
    t.not(after?.publicKey, before?.publicKey);

    // Renaming opens a panel with the cursor in the name: an empty name is refused there, a new one is saved.
    await item.getByRole('button', { name: 'Rename' }).click();
    const focused = item.locator('input:focus');
    await focused.waitFor();
    t.is(await focused.inputValue(), 'Anna phone');
    await focused.fill('');
    await item.getByRole('button', { name: 'Save name' }).click();
    await item.getByText('Enter a name.').waitFor();
    await item.getByLabel('New name for Anna phone').fill('Anna tablet');
    await item.getByRole('button', { name: 'Save name' }).click();
    await item.getByTestId('remote-device-name-shown').filter({ hasText: 'Anna tablet' }).waitFor();
    t.is((await t.context.api.json<RemoteDeviceBody[]>('GET', '/api/remote-access/devices'))[0]?.name, 'Anna tablet');

    await item.getByRole('button', { name: 'Delete' }).click();
    await item.getByRole('button', { name: 'Cancel' }).click();
    t.is((await t.context.api.json<RemoteDeviceBody[]>('GET', '/api/remote-access/devices')).length, 1);
    await item.getByRole('button', { name: 'Delete' }).click();
    await item.getByRole('button', { name: 'Delete for good' }).click();
    await page.getByTestId('remote-device-list-empty').waitFor();
    t.deepEqual(await t.context.api.json<RemoteDeviceBody[]>('GET', '/api/remote-access/devices'), []);
    t.deepEqual(await problems.all(), []);
    await page.close();
  },
);

test.serial('a LAN device set to direct is asked about first, then warned about on every page', async (t) => {
  const { page, problems } = await openPage(t.context.browser);
  await page.goto(`${t.context.server.url}/devices`);
  const laptop = page.getByTestId('lan-device').filter({ hasText: LAPTOP_MAC });
  await laptop.waitFor();
  t.is(await laptop.getByTestId('lan-device-name').textContent(), 'lan-laptop');
  t.is(await laptop.getByTestId('lan-device-online').getAttribute('data-online'), 'true');
  t.is(await page.getByTestId('direct-devices-banner').count(), 0);
  await page.getByTestId('lan-settings-form').waitFor();
  await screenshots(t, page, 'devices');

  // Blocked: saved at once.
  const select = laptop.getByTestId('lan-device-policy');
  await select.selectOption('blocked');
  await laptop
    .getByTestId('lan-device-outcome')
    .filter({ hasText: /blocked/ })
    .waitFor();
  const policyOf = async (mac: string) =>
    (await t.context.api.json<LanDeviceBody[]>('GET', '/api/devices')).find((device) => device.mac === mac)?.policy;
  t.is(await policyOf(LAPTOP_MAC), 'blocked');

  // Direct: a warning first; keeping it in the tunnel changes nothing.
  await select.selectOption('direct');
  const question = laptop.getByRole('group', { name: /Let lan-laptop bypass the VPN\?/ });
  await question.waitFor();
  t.regex((await question.textContent()) ?? '', /kill switch stays on for every other device/);
  await laptop.getByRole('button', { name: 'Keep it in the tunnel' }).click();
  t.is(await select.inputValue(), 'blocked');
  t.is(await policyOf(LAPTOP_MAC), 'blocked');

  await select.selectOption('direct');
  await screenshots(t, page, 'devices-direct-question');
  await laptop.getByRole('button', { name: 'Bypass the VPN' }).click();
  await page.getByTestId('direct-devices-banner').waitFor();
  t.is(await policyOf(LAPTOP_MAC), 'direct');
  t.is(await policyOf(TV_MAC), 'tunnel', 'the other device stays in the tunnel');

  // Another page says so, and links back here.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Status' }).click();
  await page.waitForURL(`${t.context.server.url}/status`);
  const banner = page.getByTestId('direct-devices-banner');
  await banner.waitFor();
  t.regex((await banner.textContent()) ?? '', /1 device bypasses the VPN \(direct\)/);
  await screenshots(t, page, 'status-direct-banner');
  await banner.getByRole('link').click();
  await page.waitForURL(`${t.context.server.url}/devices`);

  // Back in the tunnel: the banner goes.
  await laptop.getByTestId('lan-device-policy').selectOption('tunnel');
  await banner.waitFor({ state: 'detached' });
  t.is(await policyOf(LAPTOP_MAC), 'tunnel');
  t.deepEqual(await problems.all(), []);
  await page.close();
});
