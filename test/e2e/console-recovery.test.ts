// What the recovery console leaves for the web page (issue #13): an account whose password was reset there is walked
// through choosing a new one before anything else, and admins set the console password on the System page.
import { dataSourceOptions } from '@burrow/api/database/data-source';
import { DataSource } from 'typeorm';
import { launchChromium } from '../helpers/chromium.js';
import { type Credentials } from './support/api-session.js';
import { openPage, SIGNED_OUT_NOISE, unexpectedProblems } from './support/page-flows.js';
import { testsAsSignedInAdmin } from './support/server-and-browser.js';
import { DESKTOP, screenshot } from './support/screenshots.js';

const ADMIN: Credentials = { username: 'admin', password: 'console card check 1' };
/** As if the console had just reset it: this password is the one-time password. */
const RESET: Credentials = { username: 'robin', password: 'k7m2p-x9q4r-h3t8w-n5v6z' };
const CHOSEN = 'robin chose this one 4';

const test = testsAsSignedInAdmin(ADMIN);

test.serial('the System page sets and clears the console password', async (t) => {
  const { server, api } = t.context;
  const { page, problems } = await openPage(t.context.browser, DESKTOP);
  await page.goto(`${server.url}/system`);
  const card = page.getByTestId('console-password');
  await card
    .getByText("Asked before the recovery console opens a shell on the router's screen or serial port.")
    .waitFor();
  t.regex((await card.getByTestId('console-password-state').textContent()) ?? '', /No console password is set/);

  // The page's own checks first: nothing is sent.
  await card.getByRole('button', { name: 'Set console password' }).click();
  await card.getByText('Enter a password.').waitFor();
  await card.getByTestId('console-password-input').fill('shell guard phrase 9');
  await card.getByTestId('console-password-repeat').fill('shell guard phrase 9');
  await card.getByTestId('console-password-current').fill('not my password at all');
  await card.getByRole('button', { name: 'Set console password' }).click();
  await card.getByText('The current password is not correct').waitFor();
  await card.getByTestId('console-password-current').fill(ADMIN.password);
  await card.getByRole('button', { name: 'Set console password' }).click();
  await card.getByText('Console password set.').waitFor();
  t.regex((await card.getByTestId('console-password-state').textContent()) ?? '', /A console password is set/);
  t.like(await api.json('GET', '/api/system/console-password'), { set: true });
  await screenshot(page, 'system-console-password-desktop');

  await card.getByRole('button', { name: 'Clear…' }).click();
  await card.getByTestId('console-password-clear-current').fill(ADMIN.password);
  await card.getByRole('button', { name: 'Clear console password' }).click();
  await card.getByText(/Console password cleared/).waitFor();
  t.like(await api.json('GET', '/api/system/console-password'), { set: false, updatedAt: null });

  t.deepEqual(
    await unexpectedProblems(problems, [
      /PUT \S+\/api\/system\/console-password: HTTP 400$/,
      /^console error: Failed to load resource: the server responded with a status of 400 \(Bad Request\)$/,
    ]),
    [],
  );
  await page.close();
});

test.serial('an account reset from the recovery console must choose a new password before anything else', async (t) => {
  const { server, api } = t.context;
  await api.json('POST', '/api/users', { ...RESET, role: 'admin' });
  // The console's reset sets a one-time password and this flag (covered against the service in the medium tests).
  const database = new DataSource({ ...dataSourceOptions(server.dataDir), migrationsRun: false });
  await database.initialize();
  try {
    await database.query(`UPDATE "user" SET password_must_change = 1 WHERE username = ?`, [RESET.username]);
  } finally {
    await database.destroy();
  }

  // Their own browser, so the admin's stays signed in.
  const browser = await launchChromium({ trustedCaPem: server.caPem });
  try {
    const { page, problems } = await openPage(browser, DESKTOP);
    await page.goto(`${server.url}/users`);
    await page.waitForURL((url) => url.pathname === '/sign-in');
    await page.getByLabel('User name').fill(RESET.username);
    await page.getByLabel('Password', { exact: true }).fill(RESET.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/new-password');
    t.is(
      (await page.getByTestId('password-reset-notice').textContent())?.trim(),
      'Your password was reset from the recovery console; choose a new one to continue.',
    );
    t.is(await page.getByRole('navigation', { name: 'Main' }).count(), 0, 'no menu until it is done');
    await screenshot(page, 'new-password-desktop');

    // Nothing else is reachable.
    for (const path of ['/status', '/users', '/account', '/system']) {
      await page.goto(`${server.url}${path}`);
      await page.waitForURL((url) => url.pathname === '/new-password');
    }

    await page.getByLabel('One-time password').fill(RESET.password);
    await page.getByLabel('New password', { exact: true }).fill(CHOSEN);
    await page.getByLabel('Repeat the new password').fill(CHOSEN);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL((url) => url.pathname === '/status');
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.goto(`${server.url}/users`);
    await page.getByTestId('user-list').waitFor();

    t.deepEqual(await unexpectedProblems(problems, SIGNED_OUT_NOISE), []);
  } finally {
    await browser.close();
  }
});
