// The Events card on the Status page, in Chromium against the real built server: a new event shows up live, and an
// admin sets a webhook, sends a test and sees its failure plainly, on a phone-size screen that never scrolls sideways.
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type Credentials } from './support/api-session.js';
import { openPage } from './support/page-flows.js';
import { testsAsSignedInAdmin } from './support/server-and-browser.js';
import { horizontalOverflow, screenshot } from './support/screenshots.js';

const ADMIN: Credentials = { username: 'admin', password: 'events card check 1' };
const test = testsAsSignedInAdmin(ADMIN);
/** The narrowest phone the page is made for. */
const NARROW_PHONE = { width: 390, height: 844 };

test.serial('a new event shows in the Events card live; a failing webhook test says why', async (t) => {
  // A webhook that is there but refuses everything.
  const refusing: Server = createServer((_request, response) => response.writeHead(500).end());
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => refusing.close(() => resolve())));
  const webhookUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/hook`;

  const { page, problems } = await openPage(t.context.browser, NARROW_PHONE);
  await page.goto(`${t.context.server.url}/`);
  const card = page.getByTestId('events');
  await card.waitFor();
  await page.getByTestId('events-none').or(page.getByTestId('events-list')).waitFor();

  await t.context.api.json('PUT', '/api/gateway/kill-switch', { enabled: false });
  const event = card.locator('[data-testid="event"][data-kind="kill_switch.off"]');
  await event.waitFor({ timeout: 5_000 });
  t.is(await event.getAttribute('data-severity'), 'warning');
  t.regex((await event.textContent()) ?? '', /turned the kill switch off/);

  await page.getByTestId('webhook-url').fill(webhookUrl);
  await page.getByTestId('webhook-save').click();
  await page.getByTestId('webhook-save-outcome').waitFor();
  t.regex((await page.getByTestId('webhook-save-outcome').textContent()) ?? '', /Saved/);
  await page.getByTestId('webhook-test').click();
  const outcome = page.getByTestId('webhook-test-outcome');
  await outcome.waitFor();
  t.regex((await outcome.textContent()) ?? '', /The test failed: it answered HTTP 500/);
  const last = page.getByTestId('webhook-last');
  await last.waitFor();
  t.regex((await last.textContent()) ?? '', /failed/);

  t.is(await horizontalOverflow(page), 0, 'the page is wider than a 390 px screen');
  await screenshot(page, 'status-events-phone');

  await t.context.api.json('PUT', '/api/gateway/kill-switch', { enabled: true });
  await card.locator('[data-testid="event"][data-kind="kill_switch.on"]').waitFor({ timeout: 5_000 });
  t.deepEqual(await problems.all(), []);
  await page.close();
});
