// The admin pages in Chromium against the real built server: managing users (with a name that is an HTML
// attack, which must stay text), what a viewer may see, sign-in settings, and the audit log's filters and pages.
import anyTest, { type TestFn } from 'ava';
import { type Page } from 'playwright-core';
import { type ApiServer } from '../helpers/api-server.js';
import { launchChromium, type ChromiumSession } from '../helpers/chromium.js';
import { type PageProblems } from '../helpers/page-problems.js';
import { ApiSession, type Credentials } from './support/api-session.js';
import {
  openPage as openBrowserPage,
  SIGNED_OUT_NOISE,
  signInThroughPage,
  unexpectedProblems,
} from './support/page-flows.js';
import { setUpSignedInAdmin, startServerAndBrowser, stopServerAndBrowser } from './support/server-and-browser.js';
import { DESKTOP, horizontalOverflow, PHONE, screenshot } from './support/screenshots.js';
import { totpCodeForStep, totpStep } from './support/totp.js';

interface Context {
  server: ApiServer;
  browser: ChromiumSession;
  admin: ApiSession;
}

const test = anyTest as TestFn<Context>;

const ADMIN: Credentials = { username: 'admin', password: 'admin pages check 1' };
const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
const HOSTILE: Credentials = { username: HOSTILE_NAME, password: 'viewer pages check 1' };

test.before(async (t) => {
  t.context = await startServerAndBrowser(async (started) => ({ admin: await setUpSignedInAdmin(started, ADMIN) }));
});

test.after.always((t) => stopServerAndBrowser(t.context as Partial<Context>));

async function openPage(
  browser: ChromiumSession,
  viewport = DESKTOP,
): Promise<{ page: Page; problems: PageProblems; dialogs: string[] }> {
  const { page, problems } = await openBrowserPage(browser, viewport);
  // A script that got in through a user name would most likely announce itself with alert().
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return { page, problems, dialogs };
}

/** Markup a name could have turned into: none may exist anywhere in the document. */
async function injectedElements(page: Page): Promise<number> {
  return page.evaluate(() => document.querySelectorAll('img[src="x"], [onerror]').length);
}

function userItem(page: Page, username: string) {
  return page
    .getByTestId('user-item')
    .filter({ has: page.getByTestId('user-name').getByText(username, { exact: true }) });
}

test.serial('Users: a user named like an HTML attack is created from the page and shown as text', async (t) => {
  const { server } = t.context;
  const { page, problems, dialogs } = await openPage(t.context.browser);
  await page.goto(`${server.url}/users`);
  await page.getByTestId('user-list').waitFor();
  t.is(await page.locator('h1').textContent(), 'Users');

  const form = page.getByTestId('create-user-form');
  await form.getByLabel('User name').fill(HOSTILE.username);
  await form.getByLabel('Password', { exact: true }).fill(HOSTILE.password);
  await form.getByLabel('Role').selectOption('viewer');
  await form.getByRole('button', { name: 'Create user' }).click();
  const created = page.getByTestId('form-success');
  await created.waitFor();
  t.is((await created.textContent())?.trim(), `Created the account ${HOSTILE_NAME}.`);

  const item = userItem(page, HOSTILE_NAME);
  await item.waitFor();
  t.is(await item.getByTestId('user-name').textContent(), HOSTILE_NAME);
  t.is(await item.getByTestId('user-name').innerHTML(), '&lt;img src=x onerror=alert(1)&gt;');
  t.is(await injectedElements(page), 0);
  t.is(await page.getByTestId('user-item').count(), 2);
  await screenshot(page, 'users-desktop');
  await page.setViewportSize(PHONE);
  t.is(await horizontalOverflow(page), 0);
  await screenshot(page, 'users-phone');

  // The audit log shows it as text too.
  await page.setViewportSize(DESKTOP);
  await page.goto(`${server.url}/audit`);
  const createdRow = page.getByTestId('audit-row').filter({ hasText: 'User created' }).first();
  await createdRow.waitFor();
  t.true(((await createdRow.textContent()) ?? '').includes(HOSTILE_NAME));
  t.is(await injectedElements(page), 0);

  // Give a broken image's onerror every chance to run before concluding none did.
  await page.waitForTimeout(500);
  t.deepEqual(dialogs, []);
  t.deepEqual(await unexpectedProblems(problems, []), []);
  await page.close();
});

test.serial('a viewer sees read-only pages: no admin pages in the menu, no write controls', async (t) => {
  const { server } = t.context;
  // Their own browser, so the admin's stays signed in.
  const browser = await launchChromium({ trustedCaPem: server.caPem });
  try {
    const { page, problems, dialogs } = await openPage(browser, PHONE);
    await signInThroughPage(page, server.url, HOSTILE);
    t.is(await page.getByTestId('header-username').textContent(), HOSTILE_NAME);
    t.is(await injectedElements(page), 0);
    t.is(await page.locator('main button').count(), 0, 'the Status page has nothing to press');
    await page.getByTestId('status-hostname').waitFor();
    t.is(await horizontalOverflow(page), 0);
    await screenshot(page, 'viewer-status-phone');

    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('button', { name: 'Menu' }).click();
    await nav.getByRole('link', { name: 'Status' }).waitFor();
    t.is(await nav.getByRole('link', { name: 'Users' }).count(), 0);
    t.is(await nav.getByRole('link', { name: 'Audit log' }).count(), 0);
    await screenshot(page, 'viewer-menu-phone');

    await page.goto(`${server.url}/users`);
    await page.getByTestId('admins-only').waitFor();
    t.is(await page.getByRole('button', { name: 'Create user' }).count(), 0);
    t.is(await page.getByTestId('user-list').count(), 0);
    await page.goto(`${server.url}/audit`);
    await page.getByTestId('admins-only').waitFor();

    // Their own account is theirs to look after.
    await page.goto(`${server.url}/account`);
    t.is(await page.getByTestId('account-username').textContent(), HOSTILE_NAME);
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).waitFor();

    await page.waitForTimeout(500);
    t.deepEqual(dialogs, []);
    t.deepEqual(await unexpectedProblems(problems, SIGNED_OUT_NOISE), []);
  } finally {
    await browser.close();
  }
});

test.serial('Users: role, disable, set password and delete from the page; the last admin stays', async (t) => {
  const { server, admin } = t.context;
  await admin.json('POST', '/api/users', { username: 'temporary', password: 'seven brisk otters', role: 'viewer' });
  const { page, problems } = await openPage(t.context.browser);
  await page.goto(`${server.url}/users`);

  // The only admin cannot make themself a viewer; the page says why, on that user.
  const own = userItem(page, ADMIN.username);
  await own.getByRole('button', { name: 'Make viewer' }).click();
  const ownOutcome = own.getByTestId('user-outcome');
  await ownOutcome.waitFor();
  t.is(await ownOutcome.getAttribute('role'), 'alert');
  t.regex((await ownOutcome.textContent()) ?? '', /At least one enabled admin must remain/);
  await screenshot(page, 'users-last-admin-desktop');

  const temporary = userItem(page, 'temporary');
  // Their own password changes on My account, with the current one, not here.
  t.is(await own.getByRole('button', { name: 'Set password' }).count(), 0);
  t.is(await own.getByRole('link', { name: 'Change password' }).getAttribute('href'), '/account');

  // They lost their phone: an admin turns their two-factor sign-in off, and their sessions end.
  const temporaryCredentials = { username: 'temporary', password: 'seven brisk otters' };
  const theirs = await ApiSession.signIn(server.url, temporaryCredentials);
  const { secret } = await theirs.json<{ secret: string }>('POST', '/api/account/totp/enrol', {
    password: temporaryCredentials.password,
  });
  await theirs.json('POST', '/api/account/totp/confirm', { code: totpCodeForStep(secret, totpStep()) });
  await page.reload();
  await temporary.getByText('Two-factor on', { exact: true }).waitFor();
  await temporary.getByRole('button', { name: 'Turn off two-factor' }).click();
  const confirmOff = temporary.getByRole('button', { name: 'Turn off two-factor' }).last();
  t.true(await confirmOff.evaluate((button) => button === document.activeElement), 'focus moves to the confirmation');
  await screenshot(page, 'users-totp-off-desktop');
  await page.setViewportSize(PHONE);
  t.is(await horizontalOverflow(page), 0);
  await screenshot(page, 'users-totp-off-phone');
  await page.setViewportSize(DESKTOP);
  await confirmOff.click();
  await temporary.getByText(/Two-factor sign-in is off for them/).waitFor();
  await temporary.getByText('Two-factor off', { exact: true }).waitFor();
  t.is((await theirs.request('GET', '/api/auth/session')).status, 401);

  await temporary.getByRole('button', { name: 'Make admin' }).click();
  await temporary.getByText('Now an admin.').waitFor();
  t.is(await temporary.getByRole('button', { name: 'Make viewer' }).count(), 1);
  await temporary.getByRole('button', { name: 'Disable' }).click();
  await temporary.getByText('Disabled', { exact: true }).waitFor();

  await temporary.getByRole('button', { name: 'Set password' }).click();
  const newPassword = temporary.getByLabel('New password for temporary');
  await newPassword.fill('short');
  await temporary.getByRole('button', { name: 'Set password' }).last().click();
  t.is(await newPassword.getAttribute('aria-invalid'), 'true');
  await newPassword.fill('eight calm herons');
  await temporary.getByRole('button', { name: 'Set password' }).last().click();
  await temporary.getByText(/Password set/).waitFor();

  await temporary.getByRole('button', { name: 'Delete' }).click();
  const confirm = temporary.getByRole('button', { name: 'Delete for good' });
  t.true(await confirm.evaluate((button) => button === document.activeElement), 'focus moves to the confirmation');
  await screenshot(page, 'users-delete-desktop');
  await confirm.click();
  await temporary.waitFor({ state: 'detached' });
  const users = await admin.json<{ username: string }[]>('GET', '/api/users');
  t.deepEqual(users.map((user) => user.username).sort(), [HOSTILE_NAME, ADMIN.username].sort());

  t.deepEqual(
    await unexpectedProblems(problems, [
      /^request failed: PATCH \S+\/api\/users\/\d+: HTTP 409$/,
      /^console error: Failed to load resource: the server responded with a status of 409 \(Conflict\)$/,
    ]),
    [],
  );
  await page.close();
});

test.serial('Users: a name locked by failed sign-ins is shown locked and unlocked from the page', async (t) => {
  const { server, admin } = t.context;
  const locky: Credentials = { username: 'locky', password: 'nine quiet badgers' };
  await admin.json('POST', '/api/users', { ...locky, role: 'viewer' });
  for (let i = 0; i < 5; i++) {
    const failed = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: locky.username, password: `stranger guess ${i}` }),
    });
    t.is(failed.status, 401);
  }
  const { page, problems } = await openPage(t.context.browser);
  await page.goto(`${server.url}/users`);
  const item = userItem(page, locky.username);
  await item.getByTestId('user-locked').waitFor();
  t.regex((await item.getByTestId('user-locked').textContent()) ?? '', /Locked until/);
  t.is(await userItem(page, ADMIN.username).getByRole('button', { name: 'Unlock' }).count(), 0);
  await item.getByRole('button', { name: 'Unlock' }).click();
  await item.getByText(/Unlocked/).waitFor();
  t.is(await item.getByTestId('user-locked').count(), 0);
  t.is(await item.getByRole('button', { name: 'Unlock' }).count(), 0);
  await ApiSession.signIn(server.url, locky);
  const unlocks = await admin.json<{ events: { target: string }[] }>('GET', '/api/audit?action=user.unlocked');
  t.deepEqual(
    unlocks.events.map((event) => event.target),
    [locky.username],
  );
  await admin.json(
    'DELETE',
    `/api/users/${(await admin.json<{ id: number; username: string }[]>('GET', '/api/users')).find((user) => user.username === locky.username)?.id}`,
  );
  t.deepEqual(await unexpectedProblems(problems, []), []);
  await page.close();
});

test.serial('Users: the sign-in settings are saved', async (t) => {
  const { server, admin } = t.context;
  const { page, problems } = await openPage(t.context.browser);
  await page.goto(`${server.url}/users`);
  const form = page.getByTestId('security-settings-form');
  const idle = form.getByLabel('Idle timeout (minutes)');
  await idle.waitFor();
  t.is(await idle.inputValue(), '30');
  t.is(await form.getByLabel('Session lifetime (hours)').inputValue(), '12');
  await idle.fill('abc');
  await form.getByRole('button', { name: 'Save sign-in settings' }).click();
  t.is(await idle.getAttribute('aria-invalid'), 'true');
  await idle.fill('45');
  await form.getByRole('button', { name: 'Save sign-in settings' }).click();
  await form.getByText('Sign-in settings saved.').waitFor();
  const saved = await admin.json<{ idleTimeoutMinutes: number; requireTotp: boolean }>('GET', '/api/settings/security');
  t.is(saved.idleTimeoutMinutes, 45);
  t.false(saved.requireTotp);
  t.deepEqual(await unexpectedProblems(problems, []), []);
  await page.close();
});

test.serial('Audit log: filters by action and user, and pages through older events', async (t) => {
  const { server } = t.context;
  // Enough sign-ins for more than one page of 50.
  for (let index = 0; index < 55; index += 1) {
    await ApiSession.signIn(server.url, HOSTILE);
  }
  const { page, problems } = await openPage(t.context.browser);
  await page.goto(`${server.url}/audit`);
  const rows = page.getByTestId('audit-row');
  await rows.first().waitFor();
  t.is(await rows.count(), 50);
  await screenshot(page, 'audit-desktop');

  const results = page.getByRole('heading', { name: /^Events/ });
  await Promise.all([
    page.waitForResponse((response) => response.url().includes('before=')),
    page.getByRole('button', { name: 'Older events' }).click(),
  ]);
  await page.getByRole('heading', { name: 'Events (page 2)' }).waitFor();
  t.true(await results.evaluate((heading) => heading === document.activeElement), 'focus moves to the results');
  t.true((await rows.count()) > 0);
  await Promise.all([
    page.waitForResponse((response) => /\/api\/audit\?limit=50$/.test(response.url())),
    page.getByRole('button', { name: 'Newer events' }).click(),
  ]);
  await page.getByRole('heading', { name: 'Events', exact: true }).waitFor();
  t.is(await rows.count(), 50);

  const filters = page.getByTestId('audit-filters');
  await filters.getByLabel('Action').selectOption({ label: 'User created' });
  await Promise.all([
    page.waitForResponse((response) => response.url().includes('action=user.created')),
    filters.getByRole('button', { name: 'Show events' }).click(),
  ]);
  await rowsDrawn(page, '.action', 'User created');
  const actions = (await rows.locator('.action').allTextContents()).map((text) => text.trim());
  t.true(actions.length >= 1 && actions.every((text) => text === 'User created'), actions.join(', '));
  await page.setViewportSize(PHONE);
  t.is(await horizontalOverflow(page), 0);
  await screenshot(page, 'audit-phone');
  await page.setViewportSize(DESKTOP);

  await filters.getByLabel('Action').selectOption({ label: 'Signed in' });
  await filters.getByLabel('User name').fill(HOSTILE_NAME);
  await Promise.all([
    page.waitForResponse((response) => response.url().includes('action=auth.login')),
    filters.getByRole('button', { name: 'Show events' }).click(),
  ]);
  await rowsDrawn(page, '.who', HOSTILE_NAME);
  const who = (await rows.locator('.who').allTextContents()).map((text) => text.trim());
  t.true(who.length >= 50 && who.every((name) => name === HOSTILE_NAME), `rows by ${[...new Set(who)].join(', ')}`);
  t.is(await injectedElements(page), 0);

  // A day in the future has no events yet.
  const tomorrow = new Date(Date.now() + 86_400_000);
  const day = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
  await filters.getByLabel('From').fill(day);
  await filters.getByRole('button', { name: 'Show events' }).click();
  await page.getByText('No events match these filters.').waitFor();

  await Promise.all([
    page.waitForResponse((response) => /\/api\/audit\?limit=50$/.test(response.url())),
    filters.getByRole('button', { name: 'Clear filters' }).click(),
  ]);
  // The response is in before the page has drawn it: wait for the fiftieth row, then count.
  await rows.nth(49).waitFor();
  t.is(await rows.count(), 50);
  await page.setViewportSize(PHONE);
  t.is(await horizontalOverflow(page), 0, 'fifty events fit a phone screen too');

  t.deepEqual(await unexpectedProblems(problems, []), []);
  await page.close();
});

// Last in this file: once two-factor sign-in is required, the admin's own sessions must enrol too.
test.serial(
  'when admins require two-factor sign-in, a user without it is kept on My account until enrolled',
  async (t) => {
    const { server, admin } = t.context;
    await admin.json('PUT', '/api/settings/security', {
      idleTimeoutMinutes: 30,
      absoluteLifetimeHours: 12,
      requireTotp: true,
    });
    const browser = await launchChromium({ trustedCaPem: server.caPem });
    try {
      const { page, problems, dialogs } = await openPage(browser, PHONE);
      await page.goto(`${server.url}/status`);
      await page.waitForURL((url) => url.pathname === '/sign-in');
      await page.getByLabel('User name').fill(HOSTILE.username);
      await page.getByLabel('Password', { exact: true }).fill(HOSTILE.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${server.url}/account`);
      await page.getByTestId('totp-enrolment-required').waitFor();
      await screenshot(page, 'account-enrolment-required-phone');

      // Every other page leads back here.
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('button', { name: 'Menu' }).click();
      await nav.getByRole('link', { name: 'Devices' }).click();
      await page.waitForURL(`${server.url}/account`);

      await page.getByLabel('Password, to set up two-factor sign-in').fill(HOSTILE.password);
      await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
      const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s+/g, '');
      await page.getByLabel('Enter the 6-digit code the app now shows').fill(totpCodeForStep(secret, totpStep()));
      await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
      await page.getByTestId('recovery-codes').waitFor();
      await page.getByRole('button', { name: 'I have saved them' }).click();
      // The page reads the session again before the notice goes: wait for it rather than race it.
      await page.getByTestId('totp-enrolment-required').waitFor({ state: 'detached', timeout: 10_000 });
      t.is(await page.getByTestId('totp-enrolment-required').count(), 0);

      await nav.getByRole('button', { name: 'Menu' }).click();
      await nav.getByRole('link', { name: 'Status' }).click();
      await page.waitForURL(`${server.url}/status`);
      await page.getByTestId('status-hostname').waitFor();

      t.deepEqual(dialogs, []);
      t.deepEqual(await unexpectedProblems(problems, SIGNED_OUT_NOISE), []);
    } finally {
      await browser.close();
    }
  },
);

/**
 * Waits until the audit table shows rows and every row's `cell` reads `text`: the filtered response arrives before
 * the page has drawn it, and counting in between sees the previous rows.
 */
async function rowsDrawn(page: Page, cell: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([selector, expected]) => {
      const cells: Element[] = Array.from(document.querySelectorAll(`[data-testid="audit-row"] ${selector}`));
      return cells.length > 0 && cells.every((element) => element.textContent?.trim() === expected);
    },
    [cell, text] as const,
  );
}
