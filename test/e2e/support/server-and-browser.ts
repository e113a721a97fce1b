// What every e2e file starts from: the real built server on fresh data, and a Chromium that trusts the
// server's own CA as a household's devices do once they installed it.
import anyTest, { type TestFn } from 'ava';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../helpers/api-server.js';
import { launchChromium, type ChromiumSession } from '../../helpers/chromium.js';
import { ApiSession, type Credentials } from './api-session.js';
import { signInThroughPage } from './page-flows.js';

export interface ServerAndBrowser {
  server: ApiServer;
  browser: ChromiumSession;
}

/**
 * Starts both, then `prepare` (sign-ups, sign-ins); if anything fails, whatever started is stopped again. `options`
 * go to the server (e.g. a fake burrowd's socket).
 */
export async function startServerAndBrowser<Extra extends object>(
  prepare: (started: ServerAndBrowser) => Promise<Extra>,
  options: ApiServerOptions = {},
): Promise<ServerAndBrowser & Extra> {
  const server = await startApiServer(options);
  let browser: ChromiumSession | undefined;
  try {
    browser = await launchChromium({ trustedCaPem: server.caPem });
    return { server, browser, ...(await prepare({ server, browser })) };
  } catch (error) {
    await browser?.close();
    await server.stop();
    throw error;
  }
}

/** For `test.after.always`: `before` may have failed before the context was filled. */
export async function stopServerAndBrowser(context: Partial<ServerAndBrowser>): Promise<void> {
  await context.browser?.close();
  await context.server?.stop();
}

/**
 * For `prepare`: makes the first admin of the fresh server and signs the browser in as them (the cookie stays in
 * the profile). Returns the same admin signed in from Node, to read what the API itself says.
 */
export async function setUpSignedInAdmin(
  { server, browser }: ServerAndBrowser,
  admin: Credentials,
): Promise<ApiSession> {
  const api = await ApiSession.setup(server.url, admin);
  const page = await browser.context.newPage();
  await signInThroughPage(page, server.url, admin);
  await page.close();
  return api;
}

/** The context of a file whose tests all run as one admin: the browser is signed in, `api` is the same admin from Node. */
export interface SignedInAdmin extends ServerAndBrowser {
  api: ApiSession;
}

/**
 * The `test` of such a file, with its hooks registered: the server and Chromium start once before the tests with
 * `admin` made and signed in, and stop after them even if the start failed half-way.
 */
export function testsAsSignedInAdmin(admin: Credentials): TestFn<SignedInAdmin> {
  const test = anyTest as TestFn<SignedInAdmin>;
  test.before(async (t) => {
    t.context = await startServerAndBrowser(async (started) => ({ api: await setUpSignedInAdmin(started, admin) }));
  });
  test.after.always((t) => stopServerAndBrowser(t.context as Partial<SignedInAdmin>));
  return test;
}
