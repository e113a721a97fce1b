// What every e2e file starts from: the real built server on fresh data, and a Chromium that trusts the
// server's own CA as a household's devices do once they installed it.
import { startApiServer, type ApiServer } from '../../helpers/api-server.js';
import { launchChromium, type ChromiumSession } from '../../helpers/chromium.js';
import { ApiSession, type Credentials } from './api-session.js';
import { signInThroughPage } from './page-flows.js';

export interface ServerAndBrowser {
  server: ApiServer;
  browser: ChromiumSession;
}

/** Starts both, then `prepare` (sign-ups, sign-ins); if anything fails, whatever started is stopped again. */
export async function startServerAndBrowser<Extra extends object>(
  prepare: (started: ServerAndBrowser) => Promise<Extra>,
): Promise<ServerAndBrowser & Extra> {
  const server = await startApiServer();
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
