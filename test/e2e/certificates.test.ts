// HTTPS as a household sees it, in Chromium against the real built server: a browser that trusts the
// router's CA opens https://burrow.lan with no certificate error (and one that does not is refused), and the
// Certificates page shows what is served, refuses a bad import in the API's words, and renews.
import anyTest, { type TestFn } from 'ava';
import { X509Certificate } from 'node:crypto';
import { type ApiServer } from '../helpers/api-server.js';
import { launchChromium, type ChromiumSession } from '../helpers/chromium.js';
import { ApiSession, type Credentials } from './support/api-session.js';
import {
  fillSignInForm,
  openPage,
  SIGNED_OUT_NOISE,
  signOutThroughPage,
  unexpectedProblems,
} from './support/page-flows.js';
import { startServerAndBrowser, stopServerAndBrowser } from './support/server-and-browser.js';
import { horizontalOverflow, PHONE, screenshot } from './support/screenshots.js';

interface Context {
  server: ApiServer;
  /** Trusts the server's CA, as a device would once the household installed it. */
  browser: ChromiumSession;
  admin: ApiSession;
  /** https://burrow.lan:<port>: the name the certificate must be valid for. */
  baseUrl: string;
}

/** The parts of `GET /api/certificates` this test reads. */
interface CertificateBody {
  names: string[];
  fingerprintSha256: string;
}

interface CertificatesBody {
  mode: 'built-in' | 'imported';
  chain: CertificateBody[];
  authority: CertificateBody;
}

const test = anyTest as TestFn<Context>;

const ADMIN: Credentials = { username: 'admin', password: 'certificate pages check 1' };
const VIEWER: Credentials = { username: 'viewer', password: 'certificate pages check 2' };
/** PEM armour around bytes that are no certificate and no key: what a wrong file or a bad paste looks like. */
const GARBAGE_CHAIN = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
const GARBAGE_KEY = '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n';

test.before(async (t) => {
  t.context = await startServerAndBrowser(async ({ server }) => ({
    admin: await ApiSession.setup(server.url, ADMIN),
    baseUrl: `https://burrow.lan:${server.httpsPort}`,
  }));
});

test.after.always((t) => stopServerAndBrowser(t.context as Partial<Context>));

function served(certificates: CertificatesBody): CertificateBody {
  const leaf = certificates.chain[0];
  if (!leaf) {
    throw new Error('GET /api/certificates lists no served certificate');
  }
  return leaf;
}

test.serial('Chromium that trusts the router CA opens https://burrow.lan with no certificate error', async (t) => {
  const { browser, baseUrl } = t.context;
  const { page, problems } = await openPage(browser);
  // What the padlock would show: Chromium's own verdict on the page's security, from the DevTools protocol.
  const cdp = await browser.context.newCDPSession(page);
  const states: { securityState: string; certificateNetworkError: string | undefined }[] = [];
  cdp.on('Security.visibleSecurityStateChanged', ({ visibleSecurityState }) => {
    states.push({
      securityState: visibleSecurityState.securityState,
      certificateNetworkError: visibleSecurityState.certificateSecurityState?.certificateNetworkError,
    });
  });
  await cdp.send('Security.enable');

  const response = await page.goto(`${baseUrl}/`);
  t.true(response?.ok(), `the page answered ${response?.status()}`);
  const security = await response?.securityDetails();
  t.regex(security?.issuer ?? '', /^Burrow router CA/);
  t.is(security?.protocol, 'TLS 1.3');
  t.is(await page.evaluate(() => window.location.protocol), 'https:');
  t.true(await page.evaluate(() => window.isSecureContext));

  // Signed out, the page sends us to sign in (no new page load: a second one would abort the favicon request);
  // signing in here serves the tests after this one.
  await page.waitForURL((url) => url.pathname === '/sign-in');
  await fillSignInForm(page, ADMIN);
  await page.waitForURL((url) => url.pathname === '/status');
  await page.getByTestId('status-hostname').waitFor();
  const last = states.at(-1);
  t.deepEqual(last, { securityState: 'secure', certificateNetworkError: undefined });
  t.deepEqual(await unexpectedProblems(problems, SIGNED_OUT_NOISE), []);
  await cdp.detach();
  await page.close();
});

test.serial('a browser that does not trust the router CA is refused with a certificate error', async (t) => {
  const untrusting = await launchChromium();
  try {
    const page = await untrusting.context.newPage();
    const error = await t.throwsAsync(page.goto(`${t.context.baseUrl}/`));
    t.regex(error?.message ?? '', /net::ERR_CERT_AUTHORITY_INVALID/);
  } finally {
    await untrusting.close();
  }
});

test.serial('the Certificates page shows the served names and the CA fingerprint the API reports', async (t) => {
  const { server, admin, browser, baseUrl } = t.context;
  const expected = await admin.json<CertificatesBody>('GET', '/api/certificates');
  t.is(expected.mode, 'built-in');
  // The CA this browser was given is the one the API describes.
  t.is(new X509Certificate(server.caPem).fingerprint256, expected.authority.fingerprintSha256);

  const { page, problems } = await openPage(browser);
  await page.goto(`${baseUrl}/certificates`);
  await page.getByTestId('certificate-in-use').waitFor();
  t.is(await page.locator('h1').textContent(), 'Certificates');
  t.is(await page.getByTestId('certificate-mode').textContent(), "The router's built-in certificate");
  const names = await page.getByTestId('served-names').locator('li').allTextContents();
  t.deepEqual(names, served(expected).names);
  t.true(names.includes('burrow.lan'));
  t.is(await page.getByTestId('served-fingerprint').textContent(), served(expected).fingerprintSha256);
  t.is(await page.getByTestId('ca-fingerprint').textContent(), expected.authority.fingerprintSha256);
  t.regex((await page.getByTestId('served-time-left').textContent()) ?? '', /^\(\d+ days left\)$/);

  // The download link hands out that same CA.
  const href = await page.getByTestId('ca-download-pem').getAttribute('href');
  const downloaded = await fetch(new URL(href ?? '', server.url));
  t.is(new X509Certificate(await downloaded.text()).fingerprint256, expected.authority.fingerprintSha256);

  // Every platform's steps open; the page stays within a phone's width with all of them open.
  const summaries = page.getByTestId('trust-steps').locator('summary');
  t.is(await summaries.count(), 6);
  for (const summary of await summaries.all()) {
    await summary.click();
  }
  await page.getByText('Certificate Trust Settings').waitFor();
  await screenshot(page, 'certificates-desktop');
  await page.setViewportSize(PHONE);
  t.is(await horizontalOverflow(page), 0);
  await screenshot(page, 'certificates-phone');
  t.deepEqual(await unexpectedProblems(problems, []), []);
  await page.close();
});

test.serial('importing garbage shows the API refusal word for word and changes nothing', async (t) => {
  const { admin, browser, baseUrl } = t.context;
  const before = await admin.json<CertificatesBody>('GET', '/api/certificates');
  // The API's own words for this upload, to compare with what the page shows.
  const refusal = await admin.request('POST', '/api/certificates/import', { chain: GARBAGE_CHAIN, key: GARBAGE_KEY });
  t.is(refusal.status, 400);
  const { message } = (await refusal.json()) as { message: string };
  t.true(message.length > 0);

  const { page, problems } = await openPage(browser);
  await page.goto(`${baseUrl}/certificates`);
  const form = page.getByTestId('certificate-import-form');
  // The chain comes through the file picker, as most people would give it; the key is pasted.
  await form
    .getByLabel('Or choose the certificate chain file')
    .setInputFiles({ name: 'fullchain.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(GARBAGE_CHAIN) });
  const chain = form.getByLabel('Certificate chain (PEM)');
  await page.waitForFunction(
    (text) => document.querySelector<HTMLTextAreaElement>('[data-testid="import-chain"]')?.value === text,
    GARBAGE_CHAIN,
  );
  const key = form.getByLabel('Private key (PEM)');
  await key.fill(GARBAGE_KEY);
  await form.getByRole('button', { name: 'Import certificate' }).click();

  const outcome = page.getByTestId('import-outcome');
  await outcome.waitFor();
  t.is(await outcome.getAttribute('role'), 'alert');
  t.is(await page.getByTestId('import-message').textContent(), message);
  t.is(await chain.inputValue(), GARBAGE_CHAIN, 'the form keeps what was entered');
  t.is(await key.inputValue(), GARBAGE_KEY);
  await screenshot(page, 'certificates-import-refused-desktop');

  const after = await admin.json<CertificatesBody>('GET', '/api/certificates');
  t.is(after.mode, 'built-in');
  t.is(served(after).fingerprintSha256, served(before).fingerprintSha256);
  t.is(await page.getByTestId('served-fingerprint').textContent(), served(before).fingerprintSha256);
  t.deepEqual(
    await unexpectedProblems(problems, [
      /^request failed: POST \S+\/api\/certificates\/import: HTTP 400$/,
      /^console error: Failed to load resource: the server responded with a status of 400 \(Bad Request\)$/,
    ]),
    [],
  );
  await page.close();
});

test.serial('"Renew now" puts a new built-in certificate in use and the page shows it', async (t) => {
  const { admin, browser, baseUrl } = t.context;
  const before = await admin.json<CertificatesBody>('GET', '/api/certificates');
  const { page, problems } = await openPage(browser);
  await page.goto(`${baseUrl}/certificates`);
  await page.getByRole('button', { name: 'Renew now' }).click();
  const outcome = page.getByTestId('certificate-outcome');
  await outcome.waitFor();
  t.regex((await outcome.textContent()) ?? '', /^A new certificate is in use\./);

  const after = await admin.json<CertificatesBody>('GET', '/api/certificates');
  t.not(served(after).fingerprintSha256, served(before).fingerprintSha256);
  t.is(await page.getByTestId('served-fingerprint').textContent(), served(after).fingerprintSha256);
  t.is(after.authority.fingerprintSha256, before.authority.fingerprintSha256, 'the CA stays: nothing to reinstall');
  // A fresh page load, signed by the same CA, is still trusted.
  t.true((await page.reload())?.ok());
  await page.getByTestId('certificate-in-use').waitFor();
  t.deepEqual(await unexpectedProblems(problems, []), []);
  await page.close();
});

test.serial('a viewer sees the same certificates read-only: nothing to renew, import or revert', async (t) => {
  const { admin, browser, baseUrl } = t.context;
  await admin.json('POST', '/api/users', { ...VIEWER, role: 'viewer' });
  const expected = await admin.json<CertificatesBody>('GET', '/api/certificates');
  const { page, problems } = await openPage(browser, PHONE);
  // Last test: the admin's session in this browser is no longer needed.
  await page.goto(`${baseUrl}/status`);
  await signOutThroughPage(page);
  await fillSignInForm(page, VIEWER);
  await page.waitForURL((url) => url.pathname === '/status');
  await page.goto(`${baseUrl}/certificates`);
  await page.getByTestId('certificate-in-use').waitFor();

  t.is(await page.getByTestId('served-fingerprint').textContent(), served(expected).fingerprintSha256);
  t.is(await page.getByTestId('ca-fingerprint').textContent(), expected.authority.fingerprintSha256);
  t.is(await page.getByTestId('ca-download-der').getAttribute('href'), '/api/certificates/ca.der');
  await page.getByTestId('import-admins-only').waitFor();
  t.is(await page.locator('main button').count(), 0, 'no Renew now, no import, no revert');
  t.is(await page.locator('main textarea, main input').count(), 0);
  t.is(await horizontalOverflow(page), 0);
  await screenshot(page, 'certificates-viewer-phone');
  t.deepEqual(await unexpectedProblems(problems, SIGNED_OUT_NOISE), []);
  await page.close();
});
