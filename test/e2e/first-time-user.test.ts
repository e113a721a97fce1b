// What a first-time owner ran into (issue #9), checked in Chromium against the real built server: the password
// checklist follows the page's and the API's verdicts, the cursor starts in the sign-in form, My account is in
// the menu, the header's focus ring can be seen, the Status and Audit pages speak in words, and the session list
// follows a password change.
import anyTest, { type TestFn } from 'ava';
import { type Page } from 'playwright-core';
import { type ApiServer } from '../helpers/api-server.js';
import { type ChromiumSession } from '../helpers/chromium.js';
import { ApiSession, type Credentials } from './support/api-session.js';
import {
  FAILED_SIGN_IN_NOISE,
  fillSignInForm,
  openPage as openBrowserPage,
  SIGNED_OUT_NOISE,
  signOutThroughPage,
  unexpectedProblems,
} from './support/page-flows.js';
import { startServerAndBrowser, stopServerAndBrowser } from './support/server-and-browser.js';
import { DESKTOP, horizontalOverflow, screenshot } from './support/screenshots.js';

interface Context {
  server: ApiServer;
  browser: ChromiumSession;
}

const test = anyTest as TestFn<Context>;
const PHONE = { width: 390, height: 844 };
const SAM: Credentials = { username: 'sam', password: 'otter river lantern' };

test.before(async (t) => {
  t.context = await startServerAndBrowser(() => Promise.resolve({}));
});

test.after.always((t) => stopServerAndBrowser(t.context as Partial<Context>));

const openPage = (t: { context: Context }, viewport = DESKTOP) => openBrowserPage(t.context.browser, viewport);

/** Each checklist item's state (met, unmet or pending), by its test id. */
async function ruleStates(page: Page): Promise<Record<string, string | null>> {
  return page
    .getByTestId('password-rules')
    .locator('li[data-state]')
    .evaluateAll((items) =>
      Object.fromEntries(
        items.map((item): [string, string | null] => [
          item.getAttribute('data-testid') ?? '',
          item.getAttribute('data-state'),
        ]),
      ),
    );
}

test.serial('setup: each password rule ticks when met and turns red when the page or the API says not', async (t) => {
  const { server } = t.context;
  const { page, problems } = await openPage(t);
  await page.goto(`${server.url}/setup`);
  const password = page.getByLabel('Password', { exact: true });
  const repeat = page.getByLabel('Repeat the password');
  const create = page.getByRole('button', { name: 'Create account and sign in' });

  await page.getByLabel('User name').fill(SAM.username);
  t.deepEqual(await ruleStates(page), {
    'rule-length': 'pending',
    'rule-common': 'pending',
    'rule-name': 'pending',
    'rule-match': 'pending',
  });

  // The user name four times over: long enough, but nothing besides the name; the page knows that itself.
  await password.fill('sam-sam-sam-sam');
  await repeat.fill('sam-sam-sam-sam');
  t.like(await ruleStates(page), { 'rule-length': 'met', 'rule-name': 'unmet', 'rule-match': 'met' });
  await create.click();
  t.regex((await page.locator('[id$="-error"]').first().textContent()) ?? '', /mostly the user name/);
  await screenshot(page, 'checklist-name-desktop');

  // A common password passes the page's checks; the API refuses it, and the checklist says which rule.
  await password.fill('1234567890');
  await repeat.fill('1234567890');
  t.like(await ruleStates(page), { 'rule-length': 'met', 'rule-common': 'pending', 'rule-name': 'met' });
  await Promise.all([page.waitForResponse((response) => response.url().endsWith('/api/setup')), create.click()]);
  await page.getByTestId('rule-common').and(page.locator('[data-state="unmet"]')).waitFor();
  t.is(await password.getAttribute('aria-invalid'), 'true');
  t.true(await password.evaluate((input) => input === document.activeElement), 'the cursor goes to the password');
  await screenshot(page, 'checklist-common-desktop');
  await page.setViewportSize(PHONE);
  t.is(await horizontalOverflow(page), 0);
  await screenshot(page, 'checklist-common-phone');
  await page.setViewportSize(DESKTOP);

  // Too short, and the two entries differ: a send marks both.
  await password.fill('short');
  await repeat.fill('shorter');
  await create.click();
  t.like(await ruleStates(page), { 'rule-length': 'unmet', 'rule-match': 'unmet' });

  await password.fill(SAM.password);
  await repeat.fill(SAM.password);
  await create.click();
  await page.waitForURL(`${server.url}/status`);

  t.deepEqual(
    await unexpectedProblems(problems, [
      ...SIGNED_OUT_NOISE,
      /^request failed: POST \S+\/api\/setup: HTTP 400$/,
      /^console error: Failed to load resource: the server responded with a status of 400 \(Bad Request\)$/,
    ]),
    [],
  );
  await page.close();
});

test.serial('sign-in: the cursor starts in the user name field', async (t) => {
  const { server } = t.context;
  // Should the setup test have failed half-way, the tests after it still get their account.
  const { setupRequired } = (await (await fetch(`${server.url}/api/setup`)).json()) as { setupRequired: boolean };
  if (setupRequired) {
    await ApiSession.setup(server.url, SAM);
  }
  const { page, problems } = await openPage(t);
  const username = page.getByLabel('User name');
  await page.goto(`${server.url}/status`);
  await Promise.race([page.getByTestId('header-username').waitFor(), page.waitForURL(/\/sign-in/)]);
  if (setupRequired) {
    await username.waitFor();
  } else {
    await signOutThroughPage(page);
    t.true(await username.evaluate((input) => input === document.activeElement), 'after signing out');
  }

  await page.reload();
  await username.waitFor();
  t.true(await username.evaluate((input) => input === document.activeElement), 'on a fresh load');
  await screenshot(page, 'sign-in-focus-desktop');
  await page.setViewportSize(PHONE);
  await screenshot(page, 'sign-in-focus-phone');
  await page.setViewportSize(DESKTOP);

  // A wrong password, for the audit test below.
  await fillSignInForm(page, { username: SAM.username, password: 'not the password at all' });
  await page.getByTestId('form-error').waitFor();
  await fillSignInForm(page, SAM);
  await page.waitForURL(`${server.url}/status`);
  t.deepEqual(await unexpectedProblems(problems, [...SIGNED_OUT_NOISE, ...FAILED_SIGN_IN_NOISE]), []);
  await page.close();
});

/** WCAG's contrast ratio of two `rgb(r, g, b)` colours. */
function contrast(first: string, second: string): number {
  const luminance = (color: string): number => {
    const [r = 0, g = 0, b = 0] = (color.match(/[\d.]+/g) ?? []).map(Number).map((channel) => {
      const c = channel / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(first), luminance(second)].sort((a, b) => b - a) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

test.serial('the menu leads to My account, and its focus ring stands out 3:1 on the dark header', async (t) => {
  const { server } = t.context;
  const { page, problems } = await openPage(t);
  await page.goto(`${server.url}/status`);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'My account' }).click();
  await page.waitForURL(`${server.url}/account`);
  t.is(await nav.getByRole('link', { name: 'My account' }).getAttribute('aria-current'), 'page');
  await page.getByTestId('my-sessions').waitFor();

  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.goto(`${server.url}/status`);
    await page.getByTestId('status-hostname').waitFor();
    // The keyboard, so :focus-visible applies: past the skip link and the name to the menu's first link.
    for (let presses = 0; presses < 6; presses++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.closest('nav') !== null)) {
        break;
      }
    }
    const focused = await page.evaluate(() => {
      const active = document.activeElement as HTMLElement;
      const style = getComputedStyle(active);
      return {
        inMenu: active.closest('header nav') !== null,
        outline: style.outlineColor,
        width: parseFloat(style.outlineWidth),
        header: getComputedStyle(document.querySelector('header') as HTMLElement).backgroundColor,
      };
    });
    t.true(focused.inMenu, colorScheme);
    t.true(focused.width >= 2, `${colorScheme}: outline ${focused.width}px`);
    const ratio = contrast(focused.outline, focused.header);
    t.true(ratio >= 3, `${colorScheme}: ${focused.outline} on ${focused.header} is ${ratio.toFixed(2)}:1`);
    await screenshot(page, `header-focus-${colorScheme}-desktop`);
  }
  await page.emulateMedia({ colorScheme: 'light' });

  await page.setViewportSize(PHONE);
  await page.goto(`${server.url}/status`);
  await nav.getByRole('button', { name: 'Menu' }).click();
  await nav.getByRole('link', { name: 'My account' }).waitFor({ state: 'visible' });
  await screenshot(page, 'menu-account-phone');
  t.deepEqual(await unexpectedProblems(problems, []), []);
  await page.close();
});

test.serial('Status calls the disk the data partition; its path is small print', async (t) => {
  const { server } = t.context;
  const { page, problems } = await openPage(t);
  await page.goto(`${server.url}/status`);
  const meter = page.getByRole('meter', { name: 'Data partition' });
  await meter.waitFor();
  t.is(await page.getByText(/^Disk \(/).count(), 0);
  t.regex((await page.locator('.note').textContent()) ?? '', / in \/\S+/);
  await screenshot(page, 'status-partition-desktop');
  await page.setViewportSize(PHONE);
  t.is(await horizontalOverflow(page), 0);
  await screenshot(page, 'status-partition-phone');
  t.deepEqual(await unexpectedProblems(problems, []), []);
  await page.close();
});

test.serial('the audit log says why a sign-in failed in words', async (t) => {
  const { server } = t.context;
  const { page, problems } = await openPage(t);
  await page.goto(`${server.url}/audit`);
  const failed = page.getByTestId('audit-row').filter({ hasText: 'Sign-in failed' }).first();
  await failed.waitFor();
  const details = (await failed.locator('.details').textContent()) ?? '';
  t.is(details.trim(), 'Reason: wrong password');
  const all = (await page.getByTestId('audit-table').textContent()) ?? '';
  t.notRegex(all, /wrong_password|secondFactor|[a-z]+_[a-z]+:/);
  await screenshot(page, 'audit-words-desktop');
  await page.setViewportSize(PHONE);
  t.is(await horizontalOverflow(page), 0);
  await screenshot(page, 'audit-words-phone');
  t.deepEqual(await unexpectedProblems(problems, []), []);
  await page.close();
});

test.serial('Users: the new-user form has the same fields and checklist', async (t) => {
  const { server } = t.context;
  const { page, problems } = await openPage(t);
  await page.goto(`${server.url}/users`);
  const form = page.getByTestId('create-user-form');
  await form.getByLabel('User name').fill('robin');
  await form.getByLabel('Password', { exact: true }).fill('robin-robin!');
  t.like(await ruleStates(page), { 'rule-length': 'met', 'rule-name': 'unmet' });
  await screenshot(page, 'create-user-desktop');
  await page.setViewportSize(PHONE);
  t.is(await horizontalOverflow(page), 0);
  await screenshot(page, 'create-user-phone');
  t.deepEqual(await unexpectedProblems(problems, []), []);
  await page.close();
});

test.serial('My account: after a password change the session list shows only this browser', async (t) => {
  const { server } = t.context;
  const elsewhere = await ApiSession.signIn(server.url, SAM);
  await ApiSession.signIn(server.url, SAM);
  const { page, problems } = await openPage(t);
  await page.goto(`${server.url}/account`);
  const sessions = page.getByTestId('session-item');
  await page.getByTestId('my-sessions').waitFor();
  t.true((await sessions.count()) >= 3);

  const newPassword = 'lantern river otter';
  await page.getByLabel('Current password').fill(SAM.password);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Repeat the new password').fill(newPassword);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByTestId('password-outcome').waitFor();
  t.is((await elsewhere.request('GET', '/api/auth/session')).status, 401);
  // No reload: the list follows by itself.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="session-item"]').length === 1);
  t.is(await sessions.filter({ hasText: 'This browser' }).count(), 1);
  SAM.password = newPassword;
  await screenshot(page, 'account-after-change-desktop');
  await page.setViewportSize(PHONE);
  t.is(await horizontalOverflow(page), 0);
  await screenshot(page, 'account-after-change-phone');
  t.deepEqual(await unexpectedProblems(problems, []), []);
  await page.close();
});
