// The Tunnel page in Chromium against the real built server, with no burrowd: a household imports its provider's
// files by paste and by upload, sees a broken file's problems line by line with nothing saved, orders and
// chooses profiles, turns the kill switch off only after a plain warning (and then sees it on every page), and
// a viewer sees all of it without a single button that would be refused. The state reads "Router not answering".
import { BROKEN_FILES, GOOD_FILES, PRIVATE_KEY } from '@burrow/api/tunnels/testing/provider-files';
import { type ExecutionContext } from 'ava';
import { readFile } from 'node:fs/promises';
import { type Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { type ApiSession, type Credentials } from './support/api-session.js';
import { openPage, SIGNED_OUT_NOISE, signInThroughPage, unexpectedProblems } from './support/page-flows.js';
import { DESKTOP, horizontalOverflow, screenshot } from './support/screenshots.js';
import { testsAsSignedInAdmin, type SignedInAdmin } from './support/server-and-browser.js';

interface TunnelBody {
  id: number;
  name: string;
  priority: number;
  selected: boolean;
}

const ADMIN: Credentials = { username: 'admin', password: 'tunnel page check 1' };
const test = testsAsSignedInAdmin(ADMIN);
const VIEWER: Credentials = { username: 'flatmate', password: 'tunnel page viewer 1' };
/** The phone width the page is designed for. */
const PHONE = { width: 390, height: 844 };

/** Refusals the tests provoke on purpose: Chromium logs every 4xx as a console error. */
const REFUSAL_NOISE: readonly RegExp[] = [
  /^request failed: POST \S+\/api\/tunnels\/check: HTTP 400$/,
  /^request failed: DELETE \S+\/api\/tunnels\/\d+: HTTP 409$/,
  /^console error: Failed to load resource: the server responded with a status of (400 \(Bad Request\)|409 \(Conflict\))$/,
];

async function openTunnelPage(t: ExecutionContext<SignedInAdmin>, viewport = DESKTOP) {
  const opened = await openPage(t.context.browser, viewport);
  await opened.page.goto(`${t.context.server.url}/tunnel`);
  await opened.page.getByTestId('tunnel-state').waitFor();
  return opened;
}

async function shownNames(page: Page): Promise<string[]> {
  return (await page.getByTestId('tunnel-name').allTextContents()).map((name) => name.trim());
}

async function apiNames(api: ApiSession): Promise<string[]> {
  return (await api.json<TunnelBody[]>('GET', '/api/tunnels')).map((tunnel) => tunnel.name);
}

/** Both sizes of a screenshot; the phone one also must not scroll sideways. */
async function screenshots(t: ExecutionContext<SignedInAdmin>, page: Page, name: string): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await screenshot(page, `${name}-desktop`);
  await page.setViewportSize(PHONE);
  t.is(await horizontalOverflow(page), 0, `${name}: the page is wider than a 390 px phone`);
  await screenshot(page, `${name}-phone`);
  await page.setViewportSize(DESKTOP);
}

test.serial('a new box says plainly that no profile exists and that the router does not answer', async (t) => {
  const { page, problems } = await openTunnelPage(t);
  t.is(await page.title(), 'Tunnel · Burrow');
  // No burrowd in this test: the page says so instead of guessing a state.
  t.regex((await page.getByTestId('tunnel-state').textContent()) ?? '', /Router not answering/);
  await page.getByTestId('tunnel-list-empty').waitFor();
  t.regex((await page.getByTestId('tunnel-sync').textContent()) ?? '', /saved.*applied when the router/);
  t.is(await page.getByTestId('kill-switch-toggle').getAttribute('aria-checked'), 'true', 'on by default');
  t.is(await page.getByTestId('kill-switch-off-banner').count(), 0);
  await screenshots(t, page, 'tunnel-empty');

  // The live state comes from the status stream while the page is open.
  const [stream] = await Promise.all([
    page.waitForRequest((request) => request.url().endsWith('/api/status/stream'), { timeout: 5000 }),
    page.reload(),
  ]);
  t.is(stream.method(), 'GET');
  t.deepEqual(await problems.all(), []);
  await page.close();
});

test.serial('a pasted file is checked field by field before it is added', async (t) => {
  const { page, problems } = await openTunnelPage(t);
  const form = page.getByTestId('tunnel-import-form');
  await form
    .getByLabel('Or paste its text')
    .fill(GOOD_FILES['hostname endpoint, several resolvers and search domains']!);
  await form.getByLabel('Name', { exact: true }).fill('Amsterdam');
  await form.getByRole('button', { name: 'Check' }).click();

  const result = page.getByTestId('tunnel-check-result');
  await result.waitFor();
  t.true(await result.evaluate((section) => section === document.activeElement), 'focus moves to what was read');
  t.is(await result.getByTestId('check-addresses').textContent(), '172.16.0.2/32, fd7d:76ee:e68f:a993::2/128');
  t.is(await result.getByTestId('check-endpoint').textContent(), 'nl-ams-wg-001.vpn.example:51820');
  t.regex((await result.textContent()) ?? '', /corp\.example, example\.net/);
  t.deepEqual(await apiNames(t.context.api), [], 'checking saves nothing');

  await form.getByRole('button', { name: 'Add profile' }).click();
  const outcome = page.getByTestId('tunnel-import-outcome');
  await outcome.waitFor();
  t.regex((await outcome.textContent()) ?? '', /Added “Amsterdam”, 1st in the list/);
  t.deepEqual(await shownNames(page), ['Amsterdam']);
  t.deepEqual(await apiNames(t.context.api), ['Amsterdam']);
  t.is(await form.getByLabel('Or paste its text').inputValue(), '', 'the keys do not stay in the page');
  t.deepEqual(await problems.all(), []);
  await page.close();
});

test.serial('an uploaded file is named after the file, and its warnings and ignored lines are shown', async (t) => {
  const { page, problems } = await openTunnelPage(t);
  const form = page.getByTestId('tunnel-import-form');

  // Too big for the router: refused before anything is sent.
  await page.getByTestId('tunnel-file').setInputFiles({
    name: 'huge.conf',
    mimeType: 'text/plain',
    buffer: Buffer.alloc(65 * 1024, 'a'),
  });
  await form.getByText(/more than the router accepts/).waitFor();
  t.is(await page.getByTestId('tunnel-config').inputValue(), '');

  await page.getByTestId('tunnel-file').setInputFiles({
    name: 'zurich-02.conf',
    mimeType: 'text/plain',
    buffer: Buffer.from(GOOD_FILES['several peers']!),
  });
  await page.waitForFunction(() =>
    document.querySelector<HTMLTextAreaElement>('[data-testid="tunnel-config"]')?.value.includes('[Peer]'),
  );
  t.is(await form.getByLabel('Name', { exact: true }).inputValue(), 'zurich-02');
  await form.getByRole('button', { name: 'Check' }).click();
  const result = page.getByTestId('tunnel-check-result');
  await result.waitFor();
  t.is(await result.getByTestId('check-endpoint').count(), 2, 'both servers');
  t.true((await result.getByTestId('check-warnings').locator('li').count()) > 0);
  t.regex((await result.getByTestId('check-notices').textContent()) ?? '', /Table|FwMark/);

  await form.getByRole('button', { name: 'Add profile' }).click();
  await page.getByTestId('tunnel-import-outcome').waitFor();
  t.deepEqual(await shownNames(page), ['Amsterdam', 'zurich-02']);
  // The warnings of a profile stay visible in the list: what does not go through the tunnel.
  t.is(await page.getByTestId('tunnel-item').nth(1).getByTestId('tunnel-warnings').count(), 1);
  await screenshots(t, page, 'tunnel-profiles');
  t.deepEqual(await problems.all(), []);
  await page.close();
});

test.serial('a broken file lists its problems by line, tied to the text, and saves nothing', async (t) => {
  const { page, problems } = await openTunnelPage(t);
  const form = page.getByTestId('tunnel-import-form');
  const broken = BROKEN_FILES['a PostUp line']!;
  const config = form.getByLabel('Or paste its text');
  await config.fill(broken.text);
  await form.getByLabel('Name', { exact: true }).fill('Scripted');
  await config.press('Tab');
  await form.getByRole('button', { name: 'Check' }).click();

  const refusal = page.getByTestId('tunnel-problems');
  await refusal.waitFor();
  t.true(await refusal.evaluate((box) => box === document.activeElement), 'focus moves to the error summary');
  t.is(await refusal.getAttribute('role'), 'alert');
  const problem = refusal.getByTestId('tunnel-problem').first();
  t.regex((await problem.textContent()) ?? '', /Line 5\s*PostUp\s*.*never runs scripts/);
  // The list describes the text area, so a screen reader hears it there too.
  const listId = await refusal.locator('ul').getAttribute('id');
  t.true(((await config.getAttribute('aria-describedby')) ?? '').split(' ').includes(listId ?? '-'));
  t.is(await config.getAttribute('aria-invalid'), 'true');

  // "Line 5" takes the keyboard to that line of the text.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  t.true(await config.evaluate((area) => area === document.activeElement));
  t.regex(
    await config.evaluate((area: HTMLTextAreaElement) => area.value.slice(area.selectionStart, area.selectionEnd)),
    /^PostUp = /,
  );
  await screenshots(t, page, 'tunnel-import-error');

  t.deepEqual(await apiNames(t.context.api), ['Amsterdam', 'zurich-02'], 'nothing was saved');
  t.deepEqual(await unexpectedProblems(problems, REFUSAL_NOISE), []);
  await page.close();
});

test.serial('moving and choosing profiles change the list, and a download has no keys', async (t) => {
  const { page, problems } = await openTunnelPage(t);
  const second = page.getByTestId('tunnel-item').nth(1);
  await second.getByRole('button', { name: 'Move up' }).click();
  await page.getByTestId('tunnel-outcome').waitFor();
  t.deepEqual(await shownNames(page), ['zurich-02', 'Amsterdam']);
  t.deepEqual(await apiNames(t.context.api), ['zurich-02', 'Amsterdam']);
  t.regex((await page.getByTestId('tunnel-outcome').textContent()) ?? '', /now 1st of 2/);
  // The keyboard stays on the moved profile's buttons.
  t.is(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Move down');

  const amsterdam = page.getByTestId('tunnel-item').nth(1);
  await amsterdam.getByRole('button', { name: 'Use now' }).click();
  await amsterdam.getByTestId('tunnel-chosen').waitFor();
  t.is(await amsterdam.getByRole('button', { name: 'Use now' }).count(), 0);
  const chosen = (await t.context.api.json<TunnelBody[]>('GET', '/api/tunnels')).find((tunnel) => tunnel.selected);
  t.is(chosen?.name, 'Amsterdam');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    amsterdam.getByRole('button', { name: 'Download .conf' }).click(),
  ]);
  t.is(download.suggestedFilename(), 'Amsterdam.conf');
  const text = await readFile((await download.path()) ?? '', 'utf8');
  t.regex(text, /\[Peer\]/);
  t.false(text.includes(PRIVATE_KEY), 'the plain download leaves the keys out');
  t.deepEqual(await problems.all(), []);
  await page.close();
});

test.serial('turning the kill switch off asks first, then every page says it is off', async (t) => {
  const { page, problems } = await openTunnelPage(t);
  const toggle = page.getByTestId('kill-switch-toggle');
  await toggle.click();
  const question = page.getByText(/Turn the kill switch off\?/);
  await question.waitFor();
  t.regex(
    (await question.textContent()) ?? '',
    /use your Internet provider directly, unencrypted, whenever the tunnel is/,
  );
  await page.getByRole('button', { name: 'Keep it on' }).click();
  t.is(await toggle.getAttribute('aria-checked'), 'true');
  t.true(await toggle.evaluate((button) => button === document.activeElement));

  await toggle.click();
  await page.getByRole('button', { name: 'Turn off the kill switch' }).click();
  await page.getByTestId('kill-switch-off-banner').waitFor();
  t.is(await toggle.getAttribute('aria-checked'), 'false');
  t.false((await t.context.api.json<{ killSwitch: boolean }>('GET', '/api/gateway')).killSwitch);

  // The profile carrying traffic cannot go while nothing blocks the unencrypted way: the API's words.
  const carrying = page.getByTestId('tunnel-item').filter({ hasText: 'Amsterdam' });
  await carrying.getByRole('button', { name: 'Delete' }).click();
  await carrying.getByRole('button', { name: 'Delete for good' }).click();
  const refused = carrying.getByTestId('tunnel-outcome');
  await refused.waitFor();
  t.regex((await refused.textContent()) ?? '', /kill switch is off/);
  t.deepEqual(await shownNames(page), ['zurich-02', 'Amsterdam']);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Status' }).click();
  await page.waitForURL(`${t.context.server.url}/status`);
  const banner = page.getByTestId('kill-switch-off-banner');
  await banner.waitFor();
  t.regex((await banner.textContent()) ?? '', /kill switch is off/i);
  t.regex((await page.getByTestId('tunnel-summary').textContent()) ?? '', /Kill switch\s*Off/);
  await screenshots(t, page, 'kill-switch-off-status');
  await banner.getByRole('link').click();
  await page.waitForURL(`${t.context.server.url}/tunnel`);
  await page.getByTestId('tunnel-state').waitFor();
  await screenshots(t, page, 'kill-switch-off-tunnel');

  await page.getByTestId('kill-switch-toggle').click();
  await page.getByTestId('kill-switch-off-banner').waitFor({ state: 'detached' });
  t.true((await t.context.api.json<{ killSwitch: boolean }>('GET', '/api/gateway')).killSwitch);
  t.deepEqual(await unexpectedProblems(problems, REFUSAL_NOISE), []);
  await page.close();
});

test.serial('a viewer sees the profiles and the state, with no button that would be refused', async (t) => {
  const { server, api } = t.context;
  await api.json('POST', '/api/users', { ...VIEWER, role: 'viewer' });
  // Their own browser, so the admin's stays signed in.
  const browser = await launchChromium({ trustedCaPem: server.caPem });
  try {
    const { page, problems } = await openPage(browser, PHONE);
    await signInThroughPage(page, server.url, VIEWER, { path: '/tunnel' });
    await page.getByTestId('tunnel-state').waitFor();
    await page.getByTestId('tunnel-list').waitFor();
    t.deepEqual(await shownNames(page), ['zurich-02', 'Amsterdam']);
    t.is(await page.getByTestId('kill-switch-state').textContent(), 'On');
    t.is(await page.getByTestId('kill-switch-toggle').count(), 0);
    t.is(await page.getByTestId('tunnel-import-form').count(), 0);
    t.is(await page.locator('main input').count(), 0);
    // The traffic card reads the chosen profile's last hour, which a viewer may see.
    await page
      .getByTestId('tunnel-traffic')
      .getByTestId('traffic-totals')
      .filter({ hasText: 'the last hour' })
      .waitFor();
    // The only things to press are the traffic chart's ranges and the download without keys, which viewers may read.
    const buttons = await page.locator('main button').allTextContents();
    t.deepEqual(
      [...new Set(buttons.map((text) => text.trim()))],
      ['Hour', 'Day', 'Month', 'Download .conf'],
      `buttons shown to a viewer: ${buttons.join(', ')}`,
    );
    t.is(await horizontalOverflow(page), 0);
    await screenshot(page, 'tunnel-viewer-phone');
    t.deepEqual(await unexpectedProblems(problems, SIGNED_OUT_NOISE), []);
  } finally {
    await browser.close();
  }
});

test.serial(
  'the page follows the live stream: the kill switch turned off elsewhere shows without a reload or a poll',
  async (t) => {
    const { page, problems } = await openTunnelPage(t);
    const streams: string[] = [];
    const polls: string[] = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path === '/api/status/stream') {
        streams.push(path);
      } else if (path === '/api/gateway') {
        polls.push(path);
      }
    });
    await page.reload();
    await page.getByTestId('tunnel-state').waitFor();
    // Let the page open its stream and make its first reads.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    t.is(streams.length, 1, 'one stream');
    polls.length = 0;

    // Another session turns it off: the banner appears from the stream, without a reload or a gateway poll.
    await t.context.api.json('PUT', '/api/gateway/kill-switch', { enabled: false });
    const banner = page.getByTestId('kill-switch-off-banner');
    await banner.waitFor({ timeout: 3_000 });
    t.is(await page.getByTestId('kill-switch-toggle').getAttribute('aria-checked'), 'false');
    await t.context.api.json('PUT', '/api/gateway/kill-switch', { enabled: true });
    await banner.waitFor({ state: 'detached', timeout: 3_000 });
    t.deepEqual(polls, [], 'no GET /api/gateway while the stream is open');
    t.deepEqual(await unexpectedProblems(problems, REFUSAL_NOISE), []);
    await page.close();
  },
);
