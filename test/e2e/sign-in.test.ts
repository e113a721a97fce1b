// A new owner's path through the web page in Chromium, against the real built server: the setup wizard on
// first boot, signing in and out, turning on two-factor sign-in, and signing in with a code and a recovery code.
import anyTest, { type TestFn } from 'ava';
import { readFile } from 'node:fs/promises';
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
import { DESKTOP, horizontalOverflow, PHONE, screenshot } from './support/screenshots.js';
import { totpCodeForStep, totpStep, unusedTotpCode, wrongTotpCode } from './support/totp.js';

interface Context {
  server: ApiServer;
  browser: ChromiumSession;
}

interface Enrolled {
  secret: string;
  /** Each code works once: the next sign-in needs a later time step. */
  lastUsedStep: number;
  recoveryCodes: string[];
}

const test = anyTest as TestFn<Context>;

const OWNER: Credentials = { username: 'owner', password: 'quiet meadow lantern' };
/** Set by the enrolment test for the serial tests after it (AVA gives each test its own copy of the context). */
let enrolled: Enrolled | undefined;

test.before(async (t) => {
  t.context = await startServerAndBrowser(() => Promise.resolve({}));
});

test.after.always((t) => stopServerAndBrowser(t.context as Partial<Context>));

const openPage = (t: { context: Context }, viewport = DESKTOP) => openBrowserPage(t.context.browser, viewport);

/** The element that has keyboard focus, described by its accessible label or text. */
async function focusedLabel(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = document.activeElement;
    if (active instanceof HTMLInputElement && active.labels?.[0]) {
      return active.labels[0].textContent?.trim() ?? '';
    }
    return active?.textContent?.trim() ?? '';
  });
}

test.serial('first boot: the setup wizard creates the admin and lands signed in on Status', async (t) => {
  const { server } = t.context;
  const { page, problems } = await openPage(t);

  // No user yet: every page leads to the wizard; there is no default password to try.
  await page.goto(`${server.url}/users`);
  await page.waitForURL(`${server.url}/setup`);
  t.is(await page.locator('h1').textContent(), 'Set up your router');
  t.is(await page.title(), 'Set up your router · Burrow');
  t.is(await page.getByRole('navigation', { name: 'Main' }).count(), 0, 'no menu before anyone is signed in');
  await screenshot(page, 'setup-desktop');

  const phone = await t.context.browser.context.newPage();
  await phone.setViewportSize(PHONE);
  await phone.goto(`${server.url}/setup`);
  await phone.locator('h1').waitFor();
  t.is(await horizontalOverflow(phone), 0, 'the wizard fits a 375 px screen');
  await screenshot(phone, 'setup-phone');
  await phone.close();

  // The form's own checks: the password rules follow the typing, and errors sit on their fields.
  const password = page.getByLabel('Password', { exact: true });
  await page.getByLabel('User name').fill(OWNER.username);
  await password.fill('short');
  const lengthRule = page.getByTestId('password-rules').locator('li').first();
  t.false(await lengthRule.evaluate((item) => item.classList.contains('met')));
  await page.getByLabel('Repeat the password').fill('different');
  await page.getByRole('button', { name: 'Create account and sign in' }).click();
  t.is(await password.getAttribute('aria-invalid'), 'true');
  const describedBy = (await password.getAttribute('aria-describedby')) ?? '';
  const errorId = describedBy.split(' ').find((id) => id.endsWith('-error'));
  t.truthy(errorId, `the error is tied to the field: aria-describedby="${describedBy}"`);
  t.is(
    (await page.locator(`[id="${errorId}"]`).textContent())?.trim(),
    'The password must be at least 10 characters long',
  );
  t.is(await focusedLabel(page), 'Password', 'focus moves to the first field with a problem');
  await screenshot(page, 'setup-errors-desktop');

  // A common password passes the length rule here; the API's list refuses it, and the page says so at the field.
  await password.fill('1234567890');
  await page.getByLabel('Repeat the password').fill('1234567890');
  t.true(await lengthRule.evaluate((item) => item.classList.contains('met')));
  await page.getByRole('button', { name: 'Create account and sign in' }).click();
  await page.getByTestId('rule-common').and(page.locator('[data-state="unmet"]')).waitFor();
  t.regex((await page.locator(`[id="${errorId}"]`).textContent()) ?? '', /common passwords/);

  await password.fill(OWNER.password);
  await page.getByLabel('Repeat the password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Create account and sign in' }).click();
  await page.waitForURL(`${server.url}/status`);
  t.is(await page.locator('h1').textContent(), 'Status');
  t.is(await page.getByTestId('header-username').textContent(), OWNER.username);
  await page.getByTestId('status-hostname').waitFor();

  const setup = (await (await fetch(`${server.url}/api/setup`)).json()) as { setupRequired: boolean };
  t.false(setup.setupRequired);
  // The wizard is gone for good.
  await page.goto(`${server.url}/setup`);
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

test.serial(
  'sign-in: a wrong password gets only the generic message, the right one goes back to the page asked for',
  async (t) => {
    const { server } = t.context;
    const { page, problems } = await openPage(t);
    await page.goto(`${server.url}/status`);
    await page.getByTestId('header-username').waitFor();
    const cookies = await t.context.browser.context.cookies(server.url);
    const session = cookies.find((cookie) => cookie.name === '__Host-burrow_session');
    await signOutThroughPage(page);
    t.regex((await page.getByTestId('sign-in-notice').textContent()) ?? '', /You have signed out/);
    // Signing out ended the session on the server too, not just in the page: the old cookie is refused.
    const replay = await fetch(`${server.url}/api/auth/session`, {
      headers: { cookie: `__Host-burrow_session=${session?.value ?? ''}` },
    });
    t.truthy(session);
    t.is(replay.status, 401);

    await page.goto(`${server.url}/users`);
    await page.waitForURL(`${server.url}/sign-in?next=%2Fusers`);
    t.is(await page.locator('h1').textContent(), 'Sign in');
    await screenshot(page, 'sign-in-desktop');

    await fillSignInForm(page, { username: OWNER.username, password: 'not the password' });
    const error = page.getByTestId('form-error');
    await error.waitFor();
    t.is((await error.textContent())?.trim(), 'Invalid username or password');
    t.is(await error.getAttribute('role'), 'alert');
    const errorId = (await error.getAttribute('id')) ?? 'missing';
    t.true(
      ((await page.getByLabel('Password', { exact: true }).getAttribute('aria-describedby')) ?? '').includes(errorId),
    );
    await screenshot(page, 'sign-in-error-desktop');

    // Someone who does not exist gets exactly the same answer.
    await Promise.all([
      page.waitForResponse((response) => response.url().endsWith('/api/auth/login')),
      fillSignInForm(page, { username: 'nobody-here', password: 'not the password' }),
    ]);
    await error.waitFor();
    t.is((await error.textContent())?.trim(), 'Invalid username or password');

    await fillSignInForm(page, OWNER);
    await page.waitForURL(`${server.url}/users`);
    t.is(await page.locator('h1').textContent(), 'Users');

    const phone = await t.context.browser.context.newPage();
    await phone.setViewportSize(PHONE);
    await signOutThroughPage(await goTo(phone, `${server.url}/status`));
    t.is(await horizontalOverflow(phone), 0);
    await screenshot(phone, 'sign-in-phone');
    await fillSignInForm(phone, OWNER);
    await phone.waitForURL(`${server.url}/status`);
    await phone.close();

    t.deepEqual(await unexpectedProblems(problems, [...SIGNED_OUT_NOISE, ...FAILED_SIGN_IN_NOISE]), []);
    await page.close();
  },
);

async function goTo(page: Page, url: string): Promise<Page> {
  await page.goto(url);
  await page.getByTestId('header-username').waitFor();
  return page;
}

test.serial('two-factor: enrol with the QR code on My account, then sign in with a code from the app', async (t) => {
  const { server } = t.context;
  const { page, problems } = await openPage(t);
  await goTo(page, `${server.url}/account`);
  t.is(await page.locator('h1').textContent(), 'My account');

  // A stolen session alone cannot set up the thief's app: it takes the password.
  const setUpPassword = page.getByLabel('Password, to set up two-factor sign-in');
  await setUpPassword.fill('not the password at all');
  await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  await page.getByText('The current password is not correct').waitFor();
  t.is(await setUpPassword.getAttribute('aria-invalid'), 'true');
  t.is(await focusedLabel(page), 'Password, to set up two-factor sign-in');
  await setUpPassword.fill(OWNER.password);
  await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  const enrolment = page.getByTestId('totp-enrolment');
  await enrolment.waitFor();
  t.is(await focusedLabel(page), 'Add this router to your authenticator app', 'focus moves to the new step');
  const qr = enrolment.getByRole('img', { name: /QR code/ });
  t.regex((await qr.getAttribute('src')) ?? '', /^data:image\/svg\+xml;base64,/);
  t.true(await qr.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0), 'the QR code loads');
  const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s+/g, '');
  t.regex(secret, /^[A-Z2-7]{16,}$/);
  await screenshot(page, 'account-enrol-desktop');
  // Dark mode keeps the QR code dark on light, or phone cameras cannot read it.
  await page.setViewportSize(PHONE);
  await page.emulateMedia({ colorScheme: 'dark' });
  t.is(await horizontalOverflow(page), 0);
  await screenshot(page, 'account-enrol-phone-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(DESKTOP);

  // A wrong code is refused on the field; the app's current code turns two-factor sign-in on.
  await page.getByLabel('Enter the 6-digit code the app now shows').fill(wrongTotpCode(secret));
  await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  await enrolment.getByText('Invalid two-factor code').waitFor();
  const step = totpStep();
  await page.getByLabel('Enter the 6-digit code the app now shows').fill(totpCodeForStep(secret, step));
  await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();

  const codesBox = page.getByTestId('recovery-codes');
  await codesBox.waitFor();
  t.is(await focusedLabel(page), 'Save your recovery codes');
  const recoveryCodes = (await codesBox.locator('li').allTextContents()).map((code) => code.trim());
  t.is(recoveryCodes.length, 10);
  for (const code of recoveryCodes) {
    t.regex(code, /^[a-z0-9]{4}-[a-z0-9]{4}$/i);
  }
  t.is(new Set(recoveryCodes).size, 10);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download as a text file' }).click(),
  ]);
  t.is(download.suggestedFilename(), 'burrow-recovery-codes.txt');
  const saved = await readFile(await download.path(), 'utf8');
  t.true(
    recoveryCodes.every((code) => saved.includes(code)),
    'the file holds every code',
  );
  await screenshot(page, 'account-recovery-codes-desktop');
  await page.setViewportSize(PHONE);
  t.is(await horizontalOverflow(page), 0);
  await screenshot(page, 'account-recovery-codes-phone');
  await page.setViewportSize(DESKTOP);

  await page.getByRole('button', { name: 'I have saved them' }).click();
  await page.getByTestId('two-factor-outcome').waitFor();
  t.is(await codesBox.count(), 0, 'the codes are shown only once');
  t.regex((await page.getByTestId('two-factor').textContent()) ?? '', /On\./);
  enrolled = { secret, lastUsedStep: step, recoveryCodes };

  // Sign out, and back in: the password alone now leads to the code step.
  await signOutThroughPage(page);
  await fillSignInForm(page, OWNER);
  const codeField = page.getByLabel('Authentication code');
  await codeField.waitFor();
  t.is(await focusedLabel(page), 'Authentication code', 'focus moves to the code field');
  t.is(await codeField.getAttribute('autocomplete'), 'one-time-code');
  await screenshot(page, 'sign-in-code-desktop');

  await codeField.fill(wrongTotpCode(secret));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await page.getByText('Invalid two-factor code').waitFor();
  t.is(await codeField.getAttribute('aria-invalid'), 'true');

  const fresh = await unusedTotpCode(secret, step);
  await codeField.fill(fresh.code);
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await page.waitForURL(`${server.url}/status`);
  t.is(await page.getByTestId('header-username').textContent(), OWNER.username);
  enrolled.lastUsedStep = fresh.step;

  t.deepEqual(
    await unexpectedProblems(problems, [
      ...SIGNED_OUT_NOISE,
      ...FAILED_SIGN_IN_NOISE,
      // The wrong password, then the wrong enrolment code.
      /^request failed: POST \S+\/api\/account\/totp\/enrol: HTTP 400$/,
      /^request failed: POST \S+\/api\/account\/totp\/confirm: HTTP 4\d\d$/,
      /^console error: Failed to load resource: the server responded with a status of 4\d\d/,
    ]),
    [],
  );
  await page.close();
});

test.serial('two-factor: a recovery code signs in once, on a phone', async (t) => {
  const { server } = t.context;
  if (!enrolled) {
    t.fail('the enrolment test did not finish');
    return;
  }
  const { page, problems } = await openPage(t, PHONE);
  await signOutThroughPage(await goTo(page, `${server.url}/status`));
  await fillSignInForm(page, OWNER);
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  const recoveryField = page.getByLabel('Recovery code');
  await recoveryField.waitFor();
  t.is(await focusedLabel(page), 'Recovery code');
  t.is(await horizontalOverflow(page), 0);
  await screenshot(page, 'sign-in-code-phone');

  const [code] = enrolled.recoveryCodes;
  await recoveryField.fill(code ?? '');
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await page.waitForURL(`${server.url}/status`);

  // Used once, it is gone.
  const reuse = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...OWNER, totp: code }),
  });
  t.is(reuse.status, 401);

  // The password step answers 401 totp_required before the code step.
  t.deepEqual(await unexpectedProblems(problems, [...SIGNED_OUT_NOISE, ...FAILED_SIGN_IN_NOISE]), []);
  await page.close();
});

test.serial(
  'My account: other sessions are listed and can be signed out; a password change ends the rest; 2FA turns off',
  async (t) => {
    const { server } = t.context;
    if (!enrolled) {
      t.fail('the enrolment test did not finish');
      return;
    }
    // Another device, signed in through the API with the next code.
    const next = await unusedTotpCode(enrolled.secret, enrolled.lastUsedStep);
    enrolled.lastUsedStep = next.step;
    const elsewhere = await ApiSession.signIn(server.url, OWNER, next.code);
    const stillElsewhere = await ApiSession.signIn(server.url, OWNER, enrolled.recoveryCodes[1]);

    const { page, problems } = await openPage(t);
    await goTo(page, `${server.url}/account`);
    const sessions = page.getByTestId('session-item');
    await page.getByTestId('my-sessions').waitFor();
    t.true((await sessions.count()) >= 3, 'this browser and the two API sessions');
    t.is(await sessions.filter({ hasText: 'This browser' }).count(), 1);
    t.is(
      await sessions.filter({ hasText: 'This browser' }).getByRole('button').count(),
      0,
      'this browser signs out with the header button instead',
    );
    await screenshot(page, 'account-desktop');

    // Sign out one of the others from the list: its cookie stops working.
    const before = await sessions.count();
    await sessions
      .filter({ hasNotText: 'This browser' })
      .first()
      .getByRole('button', { name: 'Sign out this session' })
      .click();
    await page.getByText('That session is signed out.').waitFor();
    t.is(await sessions.count(), before - 1);
    const answers = await Promise.all([
      elsewhere.request('GET', '/api/auth/session'),
      stillElsewhere.request('GET', '/api/auth/session'),
    ]);
    t.deepEqual(answers.map((answer) => answer.status).sort(), [200, 401]);

    // Two recovery codes are used (one on the phone, one by the API session above): the page counts the rest,
    // and a new set, made with the password, replaces them all.
    const left = page.getByTestId('recovery-codes-left');
    t.regex((await left.textContent()) ?? '', /8 of 10/);
    await page.getByRole('button', { name: 'Make new recovery codes' }).click();
    t.is(await focusedLabel(page), 'Password, to make new recovery codes');
    await page.getByLabel('Password, to make new recovery codes').fill(OWNER.password);
    await page.getByRole('button', { name: 'Make new codes' }).click();
    const codesBox = page.getByTestId('recovery-codes');
    await codesBox.waitFor();
    t.regex((await codesBox.textContent()) ?? '', /old recovery codes no longer work/);
    const renewed = (await codesBox.locator('li').allTextContents()).map((code) => code.trim());
    t.is(renewed.length, 10);
    t.false(renewed.some((code) => enrolled?.recoveryCodes.includes(code)));
    await screenshot(page, 'account-recovery-codes-renewed-desktop');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText('New recovery codes are ready.').waitFor();
    t.regex((await left.textContent()) ?? '', /10 of 10/);
    const oldCode = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...OWNER, totp: enrolled.recoveryCodes[2] }),
    });
    t.is(oldCode.status, 401);
    enrolled.recoveryCodes = renewed;

    // Change the password: this browser stays signed in (with a new session), every other one ends.
    const newPassword = 'lantern meadow quiet';
    await page.getByLabel('Current password').fill(OWNER.password);
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Repeat the new password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByTestId('password-outcome').waitFor();
    t.regex((await page.getByTestId('password-outcome').textContent()) ?? '', /Password changed/);
    t.is((await stillElsewhere.request('GET', '/api/auth/session')).status, 401);
    t.is((await elsewhere.request('GET', '/api/auth/session')).status, 401);
    // The page carries on with the new session and its new CSRF token: a write right away still works.
    await page.getByLabel('Password, to turn two-factor sign-in off').fill(newPassword);
    // Turning it off makes the page read the recovery-code count again: let that read finish before the reload,
    // which would otherwise abort it.
    const countReread = page.waitForResponse(
      (response) => response.request().method() === 'GET' && new URL(response.url()).pathname === '/api/account/totp',
    );
    await page.getByRole('button', { name: 'Turn off two-factor sign-in' }).click();
    await page.getByText('Two-factor sign-in is off.').waitFor();
    await countReread;
    await page.reload();
    await page.getByTestId('my-sessions').waitFor();
    t.is(await sessions.count(), 1);
    t.regex((await page.getByTestId('two-factor').textContent()) ?? '', /Off\./);
    await page.setViewportSize(PHONE);
    t.is(await horizontalOverflow(page), 0);
    await screenshot(page, 'account-phone');
    // For the tests after this one (OWNER is module state, shared by these serial tests).
    OWNER.password = newPassword;

    t.deepEqual(await unexpectedProblems(problems, []), []);
    await page.close();
  },
);

test.serial('when the session ends elsewhere, the page goes to sign-in and then back where it was', async (t) => {
  const { server } = t.context;
  const { page, problems } = await openPage(t);
  await goTo(page, `${server.url}/account`);
  await page.getByTestId('my-sessions').waitFor();

  // From another device, sign this browser out.
  const elsewhere = await ApiSession.signIn(server.url, OWNER);
  const sessions = await elsewhere.json<{ id: string; current: boolean }[]>('GET', '/api/auth/sessions');
  for (const session of sessions.filter((item) => !item.current)) {
    await elsewhere.json('DELETE', `/api/auth/sessions/${session.id}`);
  }

  // The next status poll (every 5 s) is refused, and the page says why.
  await page.waitForURL(`${server.url}/sign-in?next=%2Faccount`, { timeout: 10_000 });
  t.regex((await page.getByTestId('sign-in-notice').textContent()) ?? '', /Your session has ended/);
  t.is(await page.getByTestId('header-username').count(), 0);
  await fillSignInForm(page, OWNER);
  await page.waitForURL(`${server.url}/account`);
  t.is(await page.getByTestId('account-username').textContent(), OWNER.username);

  t.deepEqual(
    await unexpectedProblems(problems, [
      ...SIGNED_OUT_NOISE,
      // The live status stream ends with the session; reconnecting is refused, and the polls that take over are too.
      /^request failed: GET \S+\/api\/(system\/status|gateway|status\/stream): HTTP 401$/,
    ]),
    [],
  );
  await page.close();
});
