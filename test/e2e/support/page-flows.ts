// What a person does in the browser to get past the setup and sign-in pages, shared by the e2e and lab tests.
import { type Page } from 'playwright-core';
import { type ChromiumSession } from '../../helpers/chromium.js';
import { PageProblems } from '../../helpers/page-problems.js';
import { type Credentials } from './api-session.js';
import { DESKTOP } from './screenshots.js';

/** A new tab of `browser` at `viewport`, with its problems (console errors, failed requests, CSP) watched. */
export async function openPage(
  browser: ChromiumSession,
  viewport = DESKTOP,
): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  return { page, problems: await PageProblems.watch(page) };
}

/**
 * Opens `path` while signed out, signs in on the page it is sent to, and waits to be back on `path`.
 * `totp` gives the second-factor code when the account has one.
 */
export async function signInThroughPage(
  page: Page,
  baseUrl: string,
  credentials: Credentials,
  options: { path?: string; totp?: () => string } = {},
): Promise<void> {
  const path = options.path ?? '/status';
  await page.goto(`${baseUrl}${path}`);
  await page.waitForURL((url) => url.pathname === '/sign-in');
  await fillSignInForm(page, credentials);
  if (options.totp) {
    const code = page.getByLabel('Authentication code');
    await code.waitFor();
    await code.fill(options.totp());
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
  }
  await page.waitForURL((url) => url.pathname === path);
}

export async function fillSignInForm(page: Page, credentials: Credentials): Promise<void> {
  await page.getByLabel('User name').fill(credentials.username);
  await page.getByLabel('Password', { exact: true }).fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/**
 * Fills the setup page's first-admin form (name, password, the password again) without submitting it, so a test can
 * make the page's other choices (the exit check) before clicking "Create account and sign in".
 */
export async function fillSetupForm(page: Page, admin: Credentials): Promise<void> {
  await page.getByLabel('User name').fill(admin.username);
  await page.getByLabel('Password', { exact: true }).fill(admin.password);
  await page.getByLabel('Repeat the password').fill(admin.password);
}

export async function signOutThroughPage(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.pathname === '/sign-in');
}

/**
 * What a signed-out page load rightly produces: the page asks `GET /api/auth/session`, which answers 401,
 * and Chromium logs every 4xx resource as a console error. Failed sign-ins add their own 401s.
 */
export const SIGNED_OUT_NOISE: readonly RegExp[] = [
  /^request failed: GET \S+\/api\/auth\/session: HTTP 401$/,
  /^console error: Failed to load resource: the server responded with a status of 401 \(Unauthorized\)$/,
];

export const FAILED_SIGN_IN_NOISE: readonly RegExp[] = [/^request failed: POST \S+\/api\/auth\/login: HTTP 401$/];

/** Every problem the page had, less the ones a test expects. */
export async function unexpectedProblems(problems: PageProblems, expected: readonly RegExp[]): Promise<string[]> {
  return (await problems.all()).filter((line) => !expected.some((pattern) => pattern.test(line)));
}
