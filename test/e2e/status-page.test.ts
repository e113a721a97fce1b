// The web page against the real built API server in Debian's Chromium: once signed in, the Status page
// shows live data, unbuilt pages say so, nothing breaks the Content-Security-Policy, and a phone screen fits.
import { hostname } from 'node:os';
import { PageProblems } from '../helpers/page-problems.js';
import { type Credentials } from './support/api-session.js';
import { openPage as openBrowserPage, unexpectedProblems } from './support/page-flows.js';
import {
  setUpSignedInAdmin,
  startServerAndBrowser,
  stopServerAndBrowser,
  testsAsSignedInAdmin,
  type ServerAndBrowser,
  type SignedInAdmin,
} from './support/server-and-browser.js';
import { DESKTOP, horizontalOverflow, PHONE, screenshot } from './support/screenshots.js';

const ADMIN: Credentials = { username: 'admin', password: 'status page check 1' };
const test = testsAsSignedInAdmin(ADMIN);
const UPTIME_PATTERN = /^(?:(?:(\d+) d )?(\d+) h )?(\d+) min$/;

const signInAdmin = async (started: ServerAndBrowser) => ({ api: await setUpSignedInAdmin(started, ADMIN) });

const openPage = (t: { context: SignedInAdmin }, viewport = DESKTOP) => openBrowserPage(t.context.browser, viewport);

/** "3 d 4 h 12 min" → seconds (rounded down to the minute, as displayed). */
function uptimeTextToSeconds(text: string): number | undefined {
  const match = UPTIME_PATTERN.exec(text);
  if (!match) {
    return undefined;
  }
  const [, days = '0', hours = '0', minutes = '0'] = match;
  return ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60;
}

test.serial('the Status page shows the host name and uptime the API reports, and keeps them fresh', async (t) => {
  const { page, problems } = await openPage(t);
  const response = await page.goto(`${t.context.server.url}/`);
  t.is(response?.status(), 200);

  const hostnameValue = page.getByTestId('status-hostname');
  await hostnameValue.waitFor();
  t.is((await hostnameValue.textContent())?.trim(), hostname());
  t.is((await page.getByTestId('header-hostname').textContent())?.replace('router', '').trim(), hostname());
  t.is(await page.locator('h1').textContent(), 'Status');
  t.is(await page.title(), 'Status · Burrow');

  const apiStatus = await t.context.api.json<{ uptimeSeconds: number }>('GET', '/api/system/status');
  const uptimeText = (await page.getByTestId('status-uptime').textContent())?.trim() ?? '';
  const shownSeconds = uptimeTextToSeconds(uptimeText);
  if (shownSeconds === undefined) {
    t.fail(`uptime "${uptimeText}" is not in the "3 d 4 h 12 min" form`);
    return;
  }
  // The page and our own request read the uptime moments apart; a display truncated to minutes.
  t.true(
    Math.abs(apiStatus.uptimeSeconds - shownSeconds) <= 120,
    `shown ${uptimeText}, API ${apiStatus.uptimeSeconds} s`,
  );

  t.is(await page.getByRole('link', { name: 'Status' }).getAttribute('aria-current'), 'page');
  // Whatever the server's policy allows, the page itself uses no inline styles or scripts.
  t.deepEqual(
    await page.evaluate(() => ({
      styleAttributes: document.querySelectorAll('[style]').length,
      styleElements: document.querySelectorAll('style').length,
      inlineScripts: document.querySelectorAll('script:not([src])').length,
    })),
    { styleAttributes: 0, styleElements: 0, inlineScripts: 0 },
  );
  t.is(await page.getByRole('meter', { name: 'Memory' }).count(), 1);
  t.true((await page.getByRole('row').count()) >= 2, 'the interfaces table has at least one interface (lo)');
  // No burrowd behind this API: the page says the interfaces are the API host's, and the self-test has not run.
  t.regex((await page.getByTestId('interfaces-source').textContent()) ?? '', /router's service does not answer/);
  await page.getByTestId('self-test-run').waitFor();
  t.regex((await page.getByTestId('self-test').textContent()) ?? '', /has not run/);
  await screenshot(page, 'status-desktop');

  // The figures come again every 5 s by themselves (from the live status stream, or polls when it is refused).
  const updated = page.getByTestId('status-last-updated').locator('time');
  const before = await updated.getAttribute('datetime');
  await page.waitForFunction(
    (previous) =>
      document.querySelector('[data-testid="status-last-updated"] time')?.getAttribute('datetime') !== previous,
    before,
    { timeout: 8000 },
  );

  t.deepEqual(await problems.all(), []);
  await page.close();
});

test.serial('the page is served under a CSP that forbids inline scripts and styles, and needs neither', async (t) => {
  const { page, problems } = await openPage(t);
  const response = await page.goto(`${t.context.server.url}/status`);
  const policy = (await response?.headerValue('content-security-policy')) ?? '';
  const directive = (name: string): string[] =>
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .find(([first]) => first === name)
      ?.slice(1) ?? [];
  t.deepEqual(directive('script-src'), ["'self'"], policy);
  t.deepEqual(directive('style-src'), ["'self'"], policy);

  await page.getByTestId('status-hostname').waitFor();
  t.deepEqual(await problems.all(), []);

  // The violation detector itself works: an inline style attribute set as markup is refused.
  await page.evaluate(() => {
    const probe = document.createElement('div');
    probe.innerHTML = '<span style="color: red">probe</span>';
    document.body.append(probe);
  });
  await page.waitForFunction(() => document.readyState === 'complete');
  const violations = await problems.cspViolations();
  t.true(
    violations.some((violation) => violation.directive.startsWith('style-src')),
    `expected the probe's inline style to be refused, saw ${JSON.stringify(violations)}`,
  );
  await page.close();
});

test.serial('navigating to another page moves the focus to its heading, and Back works', async (t) => {
  const { page, problems } = await openPage(t);
  await page.goto(`${t.context.server.url}/`);
  await page.getByTestId('status-hostname').waitFor();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
  await page.waitForURL(`${t.context.server.url}/devices`);
  t.is(await page.locator('h1').textContent(), 'Devices');
  // No burrowd here and no device remembered: the list says so instead of staying blank.
  await page.getByTestId('lan-device-list-empty').waitFor();
  t.is(await page.getByRole('link', { name: 'Devices' }).getAttribute('aria-current'), 'page');
  t.is(await page.getByRole('link', { name: 'Status' }).getAttribute('aria-current'), null);
  // Focus moves to the new page's heading, as a full page load would start reading there.
  t.true(await page.locator('h1').evaluate((heading) => heading === document.activeElement));
  await screenshot(page, 'devices-desktop');

  // A deep link loads the page directly (the server falls back to index.html), and Back works.
  await page.goto(`${t.context.server.url}/backups`);
  t.is(await page.locator('h1').textContent(), 'Backups');
  await page.goBack();
  await page.waitForURL(`${t.context.server.url}/devices`);
  t.is(await page.locator('h1').textContent(), 'Devices');

  // A full page load cancels a status poll that happened to be under way; that is the browser, not a fault.
  t.deepEqual(await unexpectedProblems(problems, []), []);
  await page.close();
});

test.serial('on a phone-size screen nothing scrolls sideways and the menu opens', async (t) => {
  const { page, problems } = await openPage(t, PHONE);
  await page.goto(`${t.context.server.url}/`);
  await page.getByTestId('status-hostname').waitFor();

  const overflow = (): Promise<number> => horizontalOverflow(page);
  t.is(await overflow(), 0, 'page is wider than a 375 px screen');
  await screenshot(page, 'status-phone');

  const nav = page.getByRole('navigation', { name: 'Main' });
  const menuButton = nav.getByRole('button', { name: 'Menu' });
  t.false(await nav.getByRole('link', { name: 'Devices' }).isVisible(), 'links are folded into the menu');
  await menuButton.click();
  t.is(await menuButton.getAttribute('aria-expanded'), 'true');
  await nav.getByRole('link', { name: 'Devices' }).waitFor({ state: 'visible' });
  await screenshot(page, 'menu-phone');

  await nav.getByRole('link', { name: 'Devices' }).click();
  await page.waitForURL(`${t.context.server.url}/devices`);
  t.is(await menuButton.getAttribute('aria-expanded'), 'false', 'choosing a page closes the menu');
  t.is(await overflow(), 0);

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${t.context.server.url}/status`);
  await page.getByTestId('status-hostname').waitFor();
  t.is(await overflow(), 0);
  await screenshot(page, 'status-phone-dark');

  t.deepEqual(await problems.all(), []);
  await page.close();
});

test.serial('when the API stops answering, the page says so and keeps the last data', async (t) => {
  // A server and browser of their own, so stopping the server does not disturb the other tests, and
  // its session cookie (cookies ignore the port) does not replace the shared browser's.
  const own = await startServerAndBrowser(signInAdmin);
  const { server, browser } = own;
  try {
    const page = await browser.context.newPage();
    const problems = await PageProblems.watch(page);
    await page.goto(`${server.url}/`);
    await page.getByTestId('status-hostname').waitFor();
    await server.stop();

    const banner = page.getByTestId('status-error');
    await banner.waitFor({ timeout: 10_000 });
    t.is(await banner.getAttribute('role'), 'alert');
    t.regex((await banner.textContent()) ?? '', /cannot be reached/);
    t.is((await page.getByTestId('status-hostname').textContent())?.trim(), hostname());
    await screenshot(page, 'status-api-unreachable');
    // Failed polls are expected here; the page must still not throw or break its CSP.
    t.deepEqual(problems.pageErrors, []);
    t.deepEqual(await problems.cspViolations(), []);
  } finally {
    await stopServerAndBrowser(own);
  }
});
